/* The FT232H's MPSSE engine as an SPI master, through libftdi1.
 * Callers queue SPI shifts and pin changes; the queue packs them into USB
 * transfers as large as the chip's FIFOs allow and hands replies back after a
 * flush. An error sticks until ft_mpsse_error() reads it; every USB call has
 * a timeout, so nothing here can hang. */
#ifndef FTISP_MPSSE_H
#define FTISP_MPSSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ftisp/err.h"
#include "ftisp/wire.h"

typedef struct ft_mpsse ft_mpsse;

/* The wire's options, read the MPSSE way: pins 0-7 ADBUS, 8-15 ACBUS. */
typedef ft_wire_opts ft_mpsse_opts;

/* Opens the adapter, resets it into MPSSE mode, checks sync with a bad
 * opcode, sets pins to idle (SCK low, RESET high = target running).
 * Errors: FT_E_NODEV (not found, no permission, not MPSSE-capable),
 * FT_E_USAGE (bad pin choice), FT_E_LOST (no sync). */
int ft_mpsse_open(ft_mpsse **out, const ft_mpsse_opts *o, ft_err *err);
void ft_mpsse_close(ft_mpsse *m);           /* releases RESET, tri-states pins */
/* The release of ft_mpsse_close, now, with its status (ft_wire_release). */
int ft_mpsse_release(ft_mpsse *m, ft_err *err);

/* Description of the opened adapter ("FT232H serial FT1234"). */
const char *ft_mpsse_describe(const ft_mpsse *m);
const char *ft_mpsse_serial(const ft_mpsse *m);
size_t ft_mpsse_fifo_size(const ft_mpsse *m);

/* SCK: the fastest clock not above hz (60 MHz / ((1+div)*2)). Queued. */
uint32_t ft_mpsse_set_sck(ft_mpsse *m, uint32_t hz);
/* The slowest SCK the FT232H makes: 30 MHz / 65536. */
#define FT_MPSSE_SCK_MIN_HZ 458u
uint32_t ft_mpsse_sck(const ft_mpsse *m);

/* Pin changes, queued: RESET asserted (low at the target) or released. */
void ft_mpsse_reset(ft_mpsse *m, bool asserted);
/* An LED (enum ft_led) on or off, queued; nothing if the adapter has none
 * or m is NULL. */
void ft_mpsse_led(ft_mpsse *m, int led, bool on);

/* A spare pin (4..15, not RESET or the buffer enable) as an output driven
 * high or low, queued (mpsse_gpio.c). */
void ft_mpsse_pin(ft_mpsse *m, int pin, bool high);

/* Queues n bytes out on SDO; if in is not NULL, the n bytes read on SDI are
 * stored there by the flush that sends them (in must stay valid till then).
 * Consecutive shifts are merged into one MPSSE command where possible. */
void ft_mpsse_spi(ft_mpsse *m, const uint8_t *out, uint8_t *in, size_t n);

/* Sends everything queued and waits for all replies; also a barrier: when it
 * returns, the chip has executed everything queued (pins changed, bytes
 * shifted). Returns FT_OK or the sticky error's code. */
int ft_mpsse_flush(ft_mpsse *m);

/* Pipelining. ft_mpsse_send ends the current batch (with SEND_IMMEDIATE if
 * it expects replies) and hands it to USB without waiting for its replies;
 * the queue still reads older replies first whenever more would be
 * outstanding than the chip can buffer. Returns a ticket (0 if nothing was
 * ever sent or an error is set). ft_mpsse_wait reads replies until every
 * batch up to `ticket` has stored its bytes. */
uint64_t ft_mpsse_send(ft_mpsse *m);
int ft_mpsse_wait(ft_mpsse *m, uint64_t ticket);

/* Waits on the host for `us` microseconds after flushing (a delay the target
 * needs, e.g. 20 ms after RESET). */
int ft_mpsse_sleep_us(ft_mpsse *m, uint32_t us);

/* Signals (ftisp/interrupt.h): before each batch goes out, a caught signal
 * becomes the sticky error FT_E_INTERRUPTED and the batch is dropped. While
 * held (a write the target is busy with must be waited out, or what it
 * writes is garbled) batches go out regardless; the check resumes after the
 * matching release. Closing always releases RESET. check_interrupt makes
 * the check now and returns the sticky error's code. */
void ft_mpsse_hold_interrupts(ft_mpsse *m, bool hold);
int ft_mpsse_check_interrupt(ft_mpsse *m);

/* The sticky error, FT_OK if none. ft_mpsse_take_error copies it into err
 * (first error wins there too) and clears it. */
int ft_mpsse_error(const ft_mpsse *m);
int ft_mpsse_take_error(ft_mpsse *m, ft_err *err);

/* Counters for -v and the benchmark. */
typedef ft_wire_stats ft_mpsse_stats;
void ft_mpsse_get_stats(const ft_mpsse *m, ft_mpsse_stats *s);

/* For -vv: a line per USB batch and per SCK change, handed to fn (which may
 * print it; this layer never does). fn NULL: none. */
typedef ft_wire_trace_fn ft_mpsse_trace_fn;
void ft_mpsse_set_trace(ft_mpsse *m, ft_mpsse_trace_fn fn, void *ctx);

#endif
