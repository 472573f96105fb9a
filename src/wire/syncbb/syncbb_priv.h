/* What the two halves of the synchronous bit-bang bridge share: syncbb.c
 * opens, clocks and closes an FT232R/FT231X/FT230X; syncbb_queue.c turns
 * SPI bytes into pin bytes, streams them through USB transfers kept in flight and
 * decodes the samples that come back. */
#ifndef FTISP_SYNCBB_PRIV_H
#define FTISP_SYNCBB_PRIV_H

#include <ftdi.h>

#include "ftisp/wire.h"

/* The byte clock (see syncbb.c, "The byte clock"): 48 MHz / divisor, the
 * divisor in eighths from 16 (3 MHz) up to 16383.875. */
#define SB_BYTE_BASE_HZ 48000000u
#define SB_DIV8_MIN (16u * 8u)
#define SB_DIV8_MAX (16383u * 8u + 7u)
#define SB_PHASE_MAX 64u          /* bytes per SCK phase at the slowest */
#define SB_CLOCK_MIN_HZ 23u       /* 48 MHz / (16383.875 x 2 x 64) = 22.9 Hz */

/* One reply byte to decode: MISO for bit i (MSB first) is the sample at
 * stream index at + (2i + 2) * phase. */
typedef struct sb_dst {
    uint8_t *p;
    uint64_t at;
    uint32_t phase;
} sb_dst;

/* A queued wait (sb_delay_us): nothing from stream index `at` on goes out
 * until us microseconds after the byte before it was applied. */
typedef struct sb_mark {
    uint64_t at;
    uint32_t us;
} sb_mark;

/* One libusb transfer of the stream (syncbb_queue.c) */
#define SB_NOUT 2                 /* OUT transfers in flight at most */
#define SB_NIN 3                  /* IN transfers in flight at most */
#define SB_OUT_CHUNK (62u * 64u)  /* bytes per OUT transfer (62 packets) */
#define SB_IN_PACKETS 32u         /* 64-byte packets per IN transfer */
struct sb;
typedef struct sb_xfer {
    struct libusb_transfer *t;
    struct sb *s;
    uint8_t *buf;
    bool busy;
    uint32_t cap;             /* IN: samples it may bring (62 per packet) */
} sb_xfer;

typedef struct sb {
    struct ftdi_context *ftdi;
    bool usb_open;
    bool released;            /* sb_release done: RESET released, pins let go */
    ft_wire_opts o;
    const char *chip;
    uint32_t fifo_out, fifo_in;   /* host->chip, chip->host */
    uint32_t window;              /* both FIFOs: sets the poll batch (caps.max_batch) */
    uint32_t async_min;           /* unsampled runs this long go async; 0 never */
    bool async_on;                /* the chip is in asynchronous bit-bang now */
    uint8_t m_reset, m_sck, m_sdo, m_sdi, dir, inv;
    uint8_t level;                /* logical levels of the outputs (before ~) */
    bool sck_high;                /* the last byte queued has SCK high */
    uint32_t div8, phase, sck, byte_hz;

    /* the stream: bytes queued and not yet written; stream index of q[0] */
    uint8_t *q;
    size_t nq, qcap;
    uint64_t q_first;
    uint64_t q_spi;

    /* queued waits, oldest first */
    sb_mark *marks;
    size_t mark_head, nmarks, markcap;

    /* decodes owed, oldest first */
    sb_dst *dst;
    size_t dst_head, ndst, dstcap;

    /* transfers in flight: every byte written is answered by a sample, and
     * IN transfers stay submitted for every sample owed */
    sb_xfer xo[SB_NOUT], xi[SB_NIN];
    int pending;              /* transfers submitted and not yet called back */
    int evflag;               /* set by each callback */
    uint64_t rcvd;            /* stream index after the last sample received */
    uint64_t incap;           /* samples the IN transfers in flight may bring */
    uint32_t empty_ins;       /* IN transfers in a row that brought nothing */

    /* samples read and not yet decoded: stream index of smp[0] */
    uint8_t *smp;
    size_t nsmp, smpcap;
    uint64_t smp_first;

    uint8_t *rbuf;
    bool xfers_ok;            /* xo/xi allocated */
    int hold_interrupts;
    ft_err err;
    ft_wire_stats st;
    ft_wire_trace_fn trace;
    void *trace_ctx;
    char desc[192], serial[64];
} sb;

int sb_fail(sb *s, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int sb_lost(sb *s, const char *what, int rc);
void sb_trace(sb *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Queues one pin byte: the outputs' logical levels, ~ applied. */
void sb_put_level(sb *s);
/* Ends an SPI run: SCK back low (one byte) if it was left high. */
void sb_sck_low(sb *s);
uint64_t sb_monotonic_us(void);

void sb_shift(sb *s, const uint8_t *out, uint8_t *in, size_t n);
int sb_flush(sb *s);
uint64_t sb_send(sb *s);
int sb_wait(sb *s, uint64_t ticket);
int sb_sleep_us(sb *s, uint32_t us);
int sb_delay_us(sb *s, uint32_t us);
/* Back to synchronous bit-bang (nothing in flight); the samples restart. */
int sb_to_sync(sb *s, uint8_t dir);
int sb_check_interrupt(sb *s);
int sb_take_error(sb *s, ft_err *err);
void sb_free_queue(sb *s);
/* frees the transfers (nothing in flight) */
void sb_free_xfers(sb *s);

#endif
