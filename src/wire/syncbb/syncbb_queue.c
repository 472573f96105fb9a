/* The synchronous bit-bang stream. Each SPI bit is 2 x phase pin bytes: SCK
 * low with SDO set, then SCK high. In synchronous mode the chip answers every
 * byte written with one sample of all eight pins, taken just BEFORE that byte
 * is applied; so the sample of byte k shows the pins as byte k-1 left them.
 * MISO for a bit is read from the sample of the byte that follows its high
 * phase: the last moment before the falling edge, when the target has held
 * the bit for a whole SCK period (an AVR changes MISO after SCK falls).
 *
 * The chip stops clocking when its 256-byte (FT-X: 512) sample FIFO is full
 * and then takes no more than its 128-byte (FT-X: 512) input FIFO: a write
 * larger than the two together never completes while the host waits for it.
 * So the stream goes out in windows of at most both FIFOs, each read back
 * before the next is written; all samples are read (the chip needs the room)
 * but only the bits asked for are decoded. Reads ask for exactly the bytes
 * owed (whole 62-byte packets plus the tail), so the chip sends the tail at
 * once instead of waiting out its latency timer. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libusb.h>

#include "ftisp/interrupt.h"
#include "syncbb_priv.h"

/* a long read-back run is cut into windows this many bytes ahead at most,
 * so memory stays bounded whatever the caller queues */
#define SB_QUEUE_CUT (64u * 1024u)
#define FS_PACKET 64u
#define FS_PAYLOAD 62u

uint64_t sb_monotonic_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int sb_fail(sb *s, int code, const char *fmt, ...)
{
    if (s->err.code)
        return s->err.code;
    va_list ap;
    va_start(ap, fmt);
    ft_err_vset(&s->err, code, fmt, ap);
    va_end(ap);
    return s->err.code;
}

int sb_lost(sb *s, const char *what, int rc)
{
    return sb_fail(s, FT_E_LOST,
                   "adapter lost: %s: %s (%d); was it unplugged?",   /* the caller says what the chip holds */
                   s->desc, what, rc);
}

void sb_trace(sb *s, const char *fmt, ...)
{
    if (!s->trace)
        return;
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    s->trace(s->trace_ctx, line);
}

static bool grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    size_t n = *cap ? *cap : 256;
    while (n < need)
        n *= 2;
    void *q = realloc(*p, n * elem);
    if (!q)
        return false;
    *p = q;
    *cap = n;
    return true;
}

static void put(sb *s, uint8_t b, uint32_t times)
{
    if (s->err.code)
        return;
    if (!grow((void **)&s->q, &s->qcap, s->nq + times, 1)) {
        sb_fail(s, FT_E_FAIL, "out of memory");
        return;
    }
    memset(s->q + s->nq, b, times);
    s->nq += times;
}

void sb_put_level(sb *s)
{
    put(s, (uint8_t)(s->level ^ s->inv), 1);
    s->sck_high = (s->level & s->m_sck) != 0;
}

void sb_sck_low(sb *s)
{
    if (!s->sck_high)
        return;
    s->level &= (uint8_t)~s->m_sck;
    sb_put_level(s);
}

/* ---- reading back ---- */

/* Decodes every owed byte whose samples have all arrived, then drops the
 * samples no owed byte needs. */
static void decode(sb *s)
{
    uint64_t end = s->smp_first + s->nsmp;
    while (s->dst_head < s->ndst) {
        sb_dst *d = &s->dst[s->dst_head];
        if (d->at + 16u * d->phase >= end)
            break;
        uint8_t v = 0;
        for (int i = 0; i < 8; i++) {
            uint8_t smp = s->smp[d->at + (2u * (uint64_t)i + 2u) * d->phase - s->smp_first];
            v = (uint8_t)(v << 1 | (((smp ^ s->inv) & s->m_sdi) ? 1 : 0));
        }
        *d->p = v;
        s->dst_head++;
    }
    if (s->dst_head == s->ndst)
        s->dst_head = s->ndst = 0;
    uint64_t keep = s->dst_head < s->ndst ? s->dst[s->dst_head].at : end;
    if (keep > end)
        keep = end;
    size_t drop = (size_t)(keep - s->smp_first);
    if (drop) {
        memmove(s->smp, s->smp + drop, s->nsmp - drop);
        s->nsmp -= drop;
        s->smp_first = keep;
    }
}

/* Reads the samples of the window in flight. */
static int read_window(sb *s)
{
    if (s->nwin == 0)
        return s->err.code;
    sb_win *w = &s->win[0];
    if (!grow((void **)&s->smp, &s->smpcap, s->nsmp + w->n, 1))
        return sb_fail(s, FT_E_FAIL, "out of memory");
    uint8_t *to = s->smp + s->nsmp;
    /* the chip may need the byte time of the window; the USB timeout on top */
    uint64_t deadline = sb_monotonic_us() + (uint64_t)s->o.timeout_ms * 1000u +
                        (uint64_t)w->n * 2000000u / (s->byte_hz ? s->byte_hz : 1);
    uint32_t got = 0;
    while (got < w->n) {
        uint32_t want = w->n - got;
        uint32_t pk = (want + FS_PAYLOAD - 1) / FS_PAYLOAD;
        int len = (int)(want + 2u * pk), n = 0;
        int r = libusb_bulk_transfer(s->ftdi->usb_dev, (unsigned char)s->ftdi->out_ep, s->rbuf, len, &n,
                                     (unsigned)s->o.timeout_ms);
        s->st.reads++;
        if (r < 0 && r != LIBUSB_ERROR_TIMEOUT)
            return sb_lost(s, "USB read failed", r);
        for (int off = 0; off < n; off += (int)FS_PACKET) {
            int k = n - off < (int)FS_PACKET ? n - off : (int)FS_PACKET;
            if (k <= 2)
                continue;
            uint32_t data = (uint32_t)k - 2u;
            if (data > w->n - got)
                return sb_fail(s, FT_E_LOST, "%s: the chip sent more samples than bytes were written: "
                               "out of step; unplug and replug the adapter", s->desc);
            memcpy(to + got, s->rbuf + off + 2, data);
            got += data;
        }
        s->st.bytes_in += (uint64_t)n;
        if (got < w->n && sb_monotonic_us() > deadline)
            return sb_fail(s, FT_E_LOST, "%s: adapter sent %u of %u samples, then nothing for %d ms",
                           s->desc, got, w->n, s->o.timeout_ms);
    }
    s->nsmp += w->n;
    s->nwin = 0;
    decode(s);
    return s->err.code;
}

int sb_check_interrupt(sb *s)
{
    int sig = ft_interrupt_signal();
    if (sig && s->hold_interrupts == 0 && !s->err.code)
        sb_fail(s, FT_E_INTERRUPTED, "interrupted (%s)", ft_interrupt_name(sig));
    return s->err.code;
}

/* Sends n bytes from the head of the queue in asynchronous bit-bang mode:
 * nothing is sampled, so the chip takes them as fast as USB brings them
 * (no window, no read-back). Used for runs no reply depends on (page
 * loads): one SET_BITMODE there and one back cost less than the windows. The
 * chip has applied every byte of a write long before the next control
 * request arrives (its 128-byte FIFO drains in 43 us at 3 MHz; a request
 * comes a frame later). */
static int write_async(sb *s, uint32_t n)
{
    int r = ftdi_set_bitmode(s->ftdi, s->dir, BITMODE_BITBANG);
    if (r < 0)
        return sb_lost(s, "entering asynchronous bit-bang failed", r);
    /* a write completes only when the chip has room: pieces the byte clock
     * takes within half the USB timeout */
    uint64_t piece = (uint64_t)s->byte_hz * (uint64_t)s->o.timeout_ms / 2000u + s->fifo_out;
    for (uint32_t off = 0; off < n;) {
        uint32_t k = n - off < piece ? n - off : (uint32_t)piece;
        int w = ftdi_write_data(s->ftdi, s->q + off, (int)k);
        s->st.writes++;
        if (w < 0)
            return sb_lost(s, "USB write failed", w);
        if ((uint32_t)w != k)
            return sb_fail(s, FT_E_LOST, "%s: USB write accepted %d of %u bytes", s->desc, w, k);
        off += k;
    }
    r = ftdi_set_bitmode(s->ftdi, s->dir, BITMODE_SYNCBB);
    if (r < 0)
        return sb_lost(s, "back to synchronous bit-bang failed", r);
    uint64_t spi = s->q_spi * n / s->nq;
    s->st.bytes_out += n;
    s->st.batches++;
    s->st.spi_bytes += spi;
    s->q_spi -= spi;
    memmove(s->q, s->q + n, s->nq - n);
    s->nq -= n;
    s->q_first += n;
    /* no sample of those bytes will come: the samples restart after them */
    s->nsmp = 0;
    s->smp_first = s->q_first;
    sb_trace(s, "USB async run: %u pin bytes (about %" PRIu64 " SPI bytes), nothing read back", n, spi);
    return s->err.code;
}

/* Writes the next window of the queue (after reading the one in flight).
 * all: also a window shorter than the full size. */
static int pump(sb *s, bool all)
{
    while (!s->err.code && s->nq > 0 && (all || s->nq >= s->window)) {
        if (read_window(s))
            break;
        /* the unsent rest is abandoned; what is written runs anyway */
        if (sb_check_interrupt(s))
            break;
        /* a long run before the next byte anyone reads goes out unsampled */
        uint64_t lim = s->dst_head < s->ndst ? s->dst[s->dst_head].at : s->q_first + s->nq;
        uint64_t plain = lim > s->q_first ? lim - s->q_first : 0;
        if (plain > s->nq)
            plain = s->nq;
        if (s->async_min && plain >= s->async_min) {
            write_async(s, (uint32_t)plain);
            continue;
        }
        uint32_t n = s->nq < s->window ? (uint32_t)s->nq : s->window;
        int w = ftdi_write_data(s->ftdi, s->q, (int)n);
        s->st.writes++;
        if (w < 0)
            return sb_lost(s, "USB write failed", w);
        if ((uint32_t)w != n)
            return sb_fail(s, FT_E_LOST, "%s: USB write accepted %d of %u bytes", s->desc, w, n);
        uint64_t spi = s->q_spi * n / s->nq;
        s->win[0] = (sb_win){++s->next_id, s->q_first, n, spi};
        s->nwin = 1;
        s->last_id = s->next_id;
        s->st.bytes_out += n;
        s->st.batches++;
        s->st.spi_bytes += spi;
        s->q_spi -= spi;
        memmove(s->q, s->q + n, s->nq - n);
        s->nq -= n;
        s->q_first += n;
        sb_trace(s, "USB window %" PRIu64 ": %u pin bytes (about %" PRIu64 " SPI bytes) at %.4g kHz bytes, "
                 "SCK %.4g kHz", s->last_id, n, spi, s->byte_hz / 1e3, s->sck / 1e3);
    }
    return s->err.code;
}

/* ---- the wire calls ---- */

void sb_shift(sb *s, const uint8_t *out, uint8_t *in, size_t n)
{
    uint32_t p = s->phase;
    for (size_t i = 0; i < n && !s->err.code; i++) {
        if (in) {
            if (!grow((void **)&s->dst, &s->dstcap, s->ndst + 1, sizeof *s->dst)) {
                sb_fail(s, FT_E_FAIL, "out of memory");
                return;
            }
            s->dst[s->ndst++] = (sb_dst){in + i, s->q_first + s->nq, p};
        }
        for (int b = 7; b >= 0; b--) {
            uint8_t lv = (uint8_t)(s->level & ~(s->m_sck | s->m_sdo));
            if (out[i] >> b & 1)
                lv |= s->m_sdo;
            put(s, (uint8_t)(lv ^ s->inv), p);
            put(s, (uint8_t)((lv | s->m_sck) ^ s->inv), p);
            s->level = (uint8_t)(lv | s->m_sck);
        }
        s->sck_high = true;
        s->q_spi++;
        if (s->nq >= SB_QUEUE_CUT)
            pump(s, false);
    }
}

uint64_t sb_send(sb *s)
{
    if (s->err.code)
        return 0;
    sb_sck_low(s);
    pump(s, true);
    return s->err.code ? 0 : s->last_id;
}

int sb_wait(sb *s, uint64_t ticket)
{
    if (!s->err.code && s->nwin && s->win[0].id <= ticket)
        read_window(s);
    return s->err.code;
}

int sb_flush(sb *s)
{
    if (s->err.code)
        return s->err.code;
    s->st.flushes++;
    sb_sck_low(s);
    pump(s, true);
    read_window(s);
    return s->err.code;
}

int sb_sleep_us(sb *s, uint32_t us)
{
    if (sb_flush(s))
        return s->err.code;
    struct timespec ts = {(time_t)(us / 1000000u), (long)(us % 1000000u) * 1000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
    return FT_OK;
}

void sb_free_queue(sb *s)
{
    s->nq = 0;
    s->q_spi = 0;
    s->dst_head = s->ndst = 0;
    s->nwin = 0;
    s->nsmp = 0;
    /* the stream restarts after a purge: indices stay consistent */
    s->smp_first = s->q_first;
}

int sb_take_error(sb *s, ft_err *err)
{
    int code = s->err.code;
    if (!code)
        return FT_OK;
    ft_err_set(err, code, "%s", s->err.msg);
    ft_err_clear(&s->err);
    /* whatever was queued or owed belongs to the failed exchange */
    sb_free_queue(s);
    if (s->usb_open)
        ftdi_tcioflush(s->ftdi);
    return code;
}
