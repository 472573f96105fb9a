/* AVR serial programming over the wire (ftisp/wire.h): the instructions of the
 * datasheets' "Serial Programming" chapter, page loads, RDY/BSY polling and
 * bulk reads. Knows the part (ft_part) but decides nothing about what to
 * write: that is the plan's job. Never sends anything but Poll RDY/BSY to a
 * busy target. */
#ifndef FTISP_ISP_H
#define FTISP_ISP_H

#include <stdbool.h>
#include <stdint.h>

#include "ftisp/err.h"
#include "ftisp/partdb.h"
#include "ftisp/wire.h"

typedef struct ft_isp ft_isp;

/* Progress: done out of total bytes of the current operation. */
typedef void (*ft_progress_fn)(void *ctx, uint32_t done, uint32_t total);

int ft_isp_new(ft_isp **out, ft_wire *w, const ft_part *p, ft_err *err);
void ft_isp_free(ft_isp *isp);
void ft_isp_set_progress(ft_isp *isp, ft_progress_fn fn, void *ctx);

/* Enters programming mode: RESET low with SCK low, 20 ms, Programming Enable
 * until 0x53 echoes; RESET pulse and retry, then the next slower clock of the
 * ladder below it that is not below floor_hz (floor_hz == sck_hz: that
 * clock only);
 * else FT_E_TARGET with a wiring hint. Nothing but Programming Enable is sent
 * before it syncs. *used_hz receives the clock that worked. */
int ft_isp_enable(ft_isp *isp, uint32_t sck_hz, uint32_t floor_hz, uint32_t *used_hz, ft_err *err);
/* The ladder, each strictly below the limit of the slowest target it is for
 * (SCK below fck/4 less 5 %, see session_clock.c): a 1 MHz RC part at -10 %
 * (0.9 MHz), the 128 kHz oscillator at half nominal (64 kHz), the same
 * divided by 8 (8 kHz), a 32.768 kHz watch crystal divided by 8 (4.1 kHz).
 * FT_ISP_FLOOR_HZ is the last. */
#define FT_ISP_LADDER 125000u, 15000u, 1800u, 950u
#define FT_ISP_NLADDER 4
#define FT_ISP_FLOOR_HZ 950u
/* A look for a board that is harmless to a half-inserted one (isp_probe.c):
 * RESET low, 20 ms, one Programming Enable at sck_hz and, if it echoes, the
 * three signature reads; RESET released again. FT_OK with sig filled when a
 * target answered, FT_E_TARGET when none did, other codes for the adapter. */
int ft_isp_probe(ft_isp *isp, uint32_t sck_hz, uint8_t sig[3], ft_err *err);
/* Leaves programming mode (RESET released): fuse changes take effect. */
int ft_isp_leave(ft_isp *isp, ft_err *err);
/* Changes SCK while in programming mode (after reading fuses). */
uint32_t ft_isp_set_sck(ft_isp *isp, uint32_t hz);

int ft_isp_read_signature(ft_isp *isp, uint8_t sig[3], ft_err *err);
int ft_isp_chip_erase(ft_isp *isp, ft_err *err);

/* Reads n bytes of flash or EEPROM from addr (bytes) as one stream. */
int ft_isp_read_flash(ft_isp *isp, uint32_t addr, uint8_t *buf, uint32_t n, ft_err *err);
int ft_isp_read_eeprom(ft_isp *isp, uint32_t addr, uint8_t *buf, uint32_t n, ft_err *err);

/* Writes whole flash pages: for each page address in pages[] (byte address,
 * page-aligned), loads page_size bytes from data + page address and writes the
 * page, polling RDY/BSY (or waiting the delay). data spans the whole flash. */
int ft_isp_write_flash_pages(ft_isp *isp, const uint8_t *data, const uint32_t *pages,
                             uint32_t npages, ft_err *err);
/* Writes EEPROM bytes addr..addr+n-1, in page mode where the part has it.
 * mask (NULL: all) says which of the n bytes to write. */
int ft_isp_write_eeprom(ft_isp *isp, uint32_t addr, const uint8_t *data,
                        const uint8_t *mask, uint32_t n, ft_err *err);

/* A batch of reads (open, then close): between the two, the reads of the
 * signature, fuses, lock, calibration and EEPROM only queue their
 * instructions, and return FT_OK with nothing filled in yet; closing sends
 * them all in one USB exchange, fills every destination (which must stay
 * valid till then) and returns the first error. Nothing else may be called
 * inside a batch. */
int ft_isp_batch(ft_isp *isp, bool open, ft_err *err);

/* Fuse index 0 low, 1 high, 2 extended. */
int ft_isp_read_fuse(ft_isp *isp, int index, uint8_t *v, ft_err *err);
int ft_isp_write_fuse(ft_isp *isp, int index, uint8_t v, ft_err *err);
int ft_isp_read_lock(ft_isp *isp, uint8_t *v, ft_err *err);
int ft_isp_write_lock(ft_isp *isp, uint8_t v, ft_err *err);
int ft_isp_read_calibration(ft_isp *isp, int index, uint8_t *v, ft_err *err);

#endif
