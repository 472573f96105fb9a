/* TPI, the Tiny Programming Interface of the ATtiny4/5/9/10/20/40/102/104,
 * over the byte-oriented wire (ftisp/wire.h). Wiring as avrdude's ft232h:
 * TPICLK = SCK, TPIDATA on SDI directly and on SDO through about 1 kOhm (the
 * target wins when it drives), RESET as for ISP.
 *
 * The wire shifts whole bytes MSB first; TPI is a bit stream of frames
 * (start 0, 8 data bits LSB first, even parity, 2 stop bits 1) and idle 1
 * bits. Each transfer is built as bits (ft_tpi_bits), padded with idle bits
 * to whole bytes (harmless) and shifted; while the target answers the host
 * sends 1s, and the answer's start bit is looked for in the bits shifted in.
 * Facts: the ATtiny4/5/9/10 datasheet ("Programming interface", "Memory
 * programming") and AVR918; see ../shared/REFERENCE.md section 9. */
#ifndef FTISP_TPI_H
#define FTISP_TPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ftisp/err.h"
#include "ftisp/isp.h"
#include "ftisp/partdb.h"
#include "ftisp/wire.h"

/* Instructions. */
#define FT_TPI_SLD 0x20
#define FT_TPI_SLD_INC 0x24
#define FT_TPI_SST 0x60
#define FT_TPI_SST_INC 0x64
#define FT_TPI_SSTPR_LO 0x68
#define FT_TPI_SSTPR_HI 0x69
#define FT_TPI_SKEY 0xE0
#define FT_TPI_SLDCS(a) (uint8_t)(0x80 | ((a) & 0x0F))
#define FT_TPI_SSTCS(a) (uint8_t)(0xC0 | ((a) & 0x0F))
/* SIN 0aa1aaaa, SOUT 1aa1aaaa over a 6-bit I/O address */
#define FT_TPI_SIN(a) (uint8_t)(0x10 | (((a) & 0x30) << 1) | ((a) & 0x0F))
#define FT_TPI_SOUT(a) (uint8_t)(0x90 | (((a) & 0x30) << 1) | ((a) & 0x0F))

/* Control and status space. */
#define FT_TPI_TPISR 0x00      /* bit 1 NVMEN */
#define FT_TPI_TPIPCR 0x02     /* guard time GT[2:0] */
#define FT_TPI_TPIIR 0x0F      /* identification: reads 0x80 */
#define FT_TPI_NVMEN 0x02
#define FT_TPI_ID 0x80

/* I/O space: the NVM controller. */
#define FT_TPI_NVMCSR 0x32     /* bit 7 NVMBSY */
#define FT_TPI_NVMCMD 0x33
#define FT_TPI_NVMBSY 0x80
#define FT_TPI_NVM_NOP 0x00
#define FT_TPI_NVM_CHIP_ERASE 0x10
#define FT_TPI_NVM_SECTION_ERASE 0x14
#define FT_TPI_NVM_WORD_WRITE 0x1D

/* Data space, the same on every TPI part. */
#define FT_TPI_LOCK 0x3F00u
#define FT_TPI_CONFIG 0x3F40u
#define FT_TPI_CALIBRATION 0x3F80u
#define FT_TPI_SIGNATURE 0x3FC0u
#define FT_TPI_FLASH 0x4000u

/* TPICLK: at most 2 MHz, each phase at least 200 ns; no rule relative to the
 * target's clock. ftisp stays 5 % below, as for ISP (1.875 MHz on the
 * FT232H). */
#define FT_TPI_MAX_HZ 2000000u
#define FT_TPI_CLOCK_HZ 1900000u

/* Guard time ftisp sets in TPIPCR: GT = 7, no idle bits beyond the 2 the
 * target always inserts before it answers (no turnaround to wait for: the
 * host's SDO stays high through the resistor while the target drives). */
#define FT_TPI_GUARD_CODE 0x07
#define FT_TPI_GUARD_BITS 0
/* bits of slack after the expected start of an answer (a bridge whose
 * samples run a bit late still finds it): an instruction and its answer
 * window are then 28 bits; every answer read costs them (a 1 KiB verify
 * 1024 x 28 bits) */
#define FT_TPI_SLACK 2

/* ---- bit streams (exposed for tests/unit/test_tpi.c) ---- */

typedef struct ft_tpi_bits {
    uint8_t *b;               /* wire bytes, MSB first: bit k is b[k/8] bit 7-k%8 */
    size_t n;                 /* bits */
    size_t cap;               /* bytes allocated */
    bool oom;
} ft_tpi_bits;

void ft_tpi_bits_free(ft_tpi_bits *s);
void ft_tpi_bits_clear(ft_tpi_bits *s);
/* Appends n idle (1) bits. */
void ft_tpi_bits_idle(ft_tpi_bits *s, size_t n);
/* Appends one frame: start 0, data LSB first, even parity, 2 stop bits. */
void ft_tpi_bits_frame(ft_tpi_bits *s, uint8_t v);
/* Appends a BREAK (more than 12 low bits), then idle bits. */
void ft_tpi_bits_break(ft_tpi_bits *s);
/* Pads with idle bits to a whole byte; returns the length in bytes. */
size_t ft_tpi_bits_pad(ft_tpi_bits *s);
/* Bit k of MSB-first bytes. */
static inline int ft_tpi_bit(const uint8_t *b, size_t k)
{
    return b[k >> 3] >> (7 - (k & 7)) & 1;
}
/* Bits appended to read one answer after an instruction frame: the guard
 * time, 2 idle bits, the 12-bit frame and the slack. */
#define FT_TPI_ANSWER_BITS (FT_TPI_GUARD_BITS + 2 + 12 + FT_TPI_SLACK)

/* Decodes the answer whose window starts at bit `from` of the bits shifted
 * in (in), `len` bits long: idle 1s, then a start bit within the window so
 * that the whole frame fits, 8 data bits, even parity, 2 stop bits.
 * FT_OK with *v; FT_E_TARGET with a reason in err ("no answer", "parity").*/
int ft_tpi_decode(const uint8_t *in, size_t from, size_t len, uint8_t *v, ft_err *err);

/* ---- the protocol ---- */

typedef struct ft_tpi ft_tpi;

int ft_tpi_new(ft_tpi **out, ft_wire *w, const ft_part *p, ft_err *err);
void ft_tpi_free(ft_tpi *t);
void ft_tpi_set_progress(ft_tpi *t, ft_progress_fn fn, void *ctx);

/* RESET low, 16+ idle bits, guard time, TPIIR == 0x80, the NVM key, NVMEN.
 * The clock is min(hz, FT_TPI_MAX_HZ); *used_hz gets what the bridge made. */
int ft_tpi_enable(ft_tpi *t, uint32_t hz, uint32_t *used_hz, ft_err *err);
/* Clears NVMEN and releases RESET (the configuration byte takes effect). */
int ft_tpi_leave(ft_tpi *t, ft_err *err);
int ft_tpi_probe(ft_tpi *t, uint32_t hz, uint8_t sig[3], ft_err *err);
uint32_t ft_tpi_set_clock(ft_tpi *t, uint32_t hz);

/* n bytes of data space from addr (flash at FT_TPI_FLASH + offset). */
int ft_tpi_read(ft_tpi *t, uint16_t addr, uint8_t *buf, uint32_t n, ft_err *err);
int ft_tpi_read_signature(ft_tpi *t, uint8_t sig[3], ft_err *err);
int ft_tpi_read_flash(ft_tpi *t, uint32_t addr, uint8_t *buf, uint32_t n, ft_err *err);
/* Chip erase: flash and lock bits. */
int ft_tpi_chip_erase(ft_tpi *t, ft_err *err);
/* Whole pages (byte offsets in flash, page-aligned), words of 0xFFFF skipped. */
int ft_tpi_write_flash_pages(ft_tpi *t, const uint8_t *data, const uint32_t *pages, uint32_t npages,
                             ft_err *err);
/* The configuration byte (section erase first when a bit must go 0 -> 1). */
int ft_tpi_read_config(ft_tpi *t, uint8_t *v, ft_err *err);
int ft_tpi_write_config(ft_tpi *t, uint8_t v, ft_err *err);
int ft_tpi_read_lock(ft_tpi *t, uint8_t *v, ft_err *err);
int ft_tpi_write_lock(ft_tpi *t, uint8_t v, ft_err *err);
int ft_tpi_read_calibration(ft_tpi *t, uint8_t *v, ft_err *err);

#endif
