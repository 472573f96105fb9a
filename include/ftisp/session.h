/* The session: one target through a plan. It enters programming mode at a
 * clock the fuses prove, checks the signature and fuses, erases keeping the
 * EEPROM, carries out the plan's operations over the protocol, and records
 * what it did in the plan's results. */
#ifndef FTISP_SESSION_H
#define FTISP_SESSION_H

#include "ftisp/err.h"
#include "ftisp/plan.h"
#include "ftisp/wire.h"

/* Carries the plan out on an open wire, recording in res (from
 * ft_result_init) what was done; the plan is only read. Reads are written to
 * their files as they complete. Returns FT_OK or the first error's status. */
int ft_plan_run(const ft_plan *plan, ft_result *res, ft_wire *w, const ft_plan_events *ev, ft_err *err);

/* Diagnosis (no -U): signature, fuses decoded, lock, inferred clock. The
 * text goes to ev->note at level 0. */
int ft_plan_diagnose(const ft_plan *plan, ft_result *res, ft_wire *w, const ft_plan_events *ev,
                     ft_err *err);

/* The fastest SCK a target running at no less than fck_hz follows: each SCK
 * phase more than 2 target clocks (3 from 12 MHz), less a 5 % margin for the
 * adapter's duty cycle (session_clock.c says why). 0 fck: the start clock.
 * fck_hz is the worst case, ft_part_clock_min_hz. */
uint32_t ft_sck_for_target(uint32_t fck_hz);
/* The clock Programming Enable is first tried at, before the fuses are known:
 * below the limit of a factory 1 MHz RC part at -10 % (0.9 MHz: 213 kHz). */
#define FT_SCK_START_HZ 125000u

#endif
