/* The synchronous bit-bang stream. Each SPI bit is 2 x phase pin bytes: SCK
 * low with SDO set, then SCK high. In synchronous mode the chip answers every
 * byte written with one sample of all eight pins, taken just BEFORE that byte
 * is applied; so the sample of byte k shows the pins as byte k-1 left them.
 * MISO for a bit is read from the sample of the byte that follows its high
 * phase: the last moment before the falling edge, when the target has held
 * the bit for a whole SCK period (an AVR changes MISO after SCK falls).
 *
 * The chip stops clocking when its 256-byte (FT-X: 512) sample FIFO is full
 * and then takes no more than its 128-byte (FT-X: 512) input FIFO. So the
 * stream keeps IN transfers submitted for every sample owed while OUT
 * transfers carry the bytes: the host controller polls both endpoints in
 * every frame, samples flow back as the chip produces them and the bus, not
 * round trips, sets the pace. The chip sends an IN packet only when 62
 * samples are ready or its latency timer (1 ms) expires (AN232B-04), so each
 * send pads the stream with idle bytes (levels unchanged) to a whole number
 * of 62-sample packets: the last packet goes at once. All samples are read
 * (the chip needs the room) but only the bits asked for are decoded. Long
 * runs no reply depends on (page loads) go out in asynchronous bit-bang:
 * nothing sampled, half the packets. */
#include <inttypes.h>
#include "ftisp/grow.h"
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

static void put(sb *s, uint8_t b, uint32_t times)
{
    if (s->err.code)
        return;
    if (!ft_grow((void **)&s->q, &s->qcap, s->nq + times, 1, 256)) {
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

/* ---- transfers ---- */

static void cb(struct libusb_transfer *t)
{
    sb_xfer *x = t->user_data;
    sb *s = x->s;
    x->busy = false;
    s->pending--;
    s->evflag = 1;
    bool in = (t->endpoint & 0x80) != 0;
    if (t->status != LIBUSB_TRANSFER_COMPLETED) {
        if (t->status != LIBUSB_TRANSFER_CANCELLED || !s->err.code)
            sb_lost(s, in ? "USB read failed" : "USB write failed",
                    t->status == LIBUSB_TRANSFER_NO_DEVICE ? LIBUSB_ERROR_NO_DEVICE
                    : t->status == LIBUSB_TRANSFER_TIMED_OUT ? LIBUSB_ERROR_TIMEOUT
                    : t->status == LIBUSB_TRANSFER_OVERFLOW ? LIBUSB_ERROR_OVERFLOW : LIBUSB_ERROR_IO);
    }
    if (!in) {
        if (t->status == LIBUSB_TRANSFER_COMPLETED && t->actual_length != t->length)
            sb_fail(s, FT_E_LOST, "%s: USB write accepted %d of %d bytes", s->desc, t->actual_length, t->length);
        return;
    }
    s->incap -= x->cap;
    uint32_t got = 0;
    for (int off = 0; off < t->actual_length; off += (int)FS_PACKET) {
        int k = t->actual_length - off < (int)FS_PACKET ? t->actual_length - off : (int)FS_PACKET;
        if (k <= 2)
            continue;
        uint32_t n = (uint32_t)k - 2u;
        if (s->rcvd + n > s->q_first) {
            sb_fail(s, FT_E_LOST, "%s: the chip sent more samples than bytes were written: out of step; "
                    "unplug and replug the adapter", s->desc);
            return;
        }
        if (!ft_grow((void **)&s->smp, &s->smpcap, s->nsmp + n, 1, 256)) {
            sb_fail(s, FT_E_FAIL, "out of memory");
            return;
        }
        memcpy(s->smp + s->nsmp, t->buffer + off + 2, n);
        s->nsmp += n;
        s->rcvd += n;
        got += n;
    }
    s->st.bytes_in += (uint64_t)t->actual_length;
    s->empty_ins = got ? 0 : s->empty_ins + 1;
}

static bool xfers(sb *s)
{
    if (s->xfers_ok)
        return true;
    for (int i = 0; i < SB_NOUT + SB_NIN; i++) {
        sb_xfer *x = i < SB_NOUT ? &s->xo[i] : &s->xi[i - SB_NOUT];
        x->s = s;
        x->t = libusb_alloc_transfer(0);
        x->buf = malloc(i < SB_NOUT ? SB_OUT_CHUNK : SB_IN_PACKETS * FS_PACKET);
        if (!x->t || !x->buf) {
            sb_fail(s, FT_E_FAIL, "out of memory");
            return false;
        }
    }
    s->xfers_ok = true;
    return true;
}

void sb_free_xfers(sb *s)
{
    for (int i = 0; i < SB_NOUT + SB_NIN; i++) {
        sb_xfer *x = i < SB_NOUT ? &s->xo[i] : &s->xi[i - SB_NOUT];
        if (x->t)
            libusb_free_transfer(x->t);
        free(x->buf);
        x->t = NULL;
        x->buf = NULL;
    }
    s->xfers_ok = false;
}

static int submit(sb *s, sb_xfer *x, bool in, int len)
{
    struct ftdi_context *f = s->ftdi;
    libusb_fill_bulk_transfer(x->t, f->usb_dev, (unsigned char)(in ? f->out_ep : f->in_ep), x->buf, len, cb, x,
                              (unsigned)s->o.timeout_ms);
    int r = libusb_submit_transfer(x->t);
    if (r < 0)
        return sb_lost(s, in ? "USB read failed" : "USB write failed", r);
    x->busy = true;
    s->pending++;
    if (in)
        s->st.reads++;
    else
        s->st.writes++;
    return 0;
}

/* Handles USB events until a transfer calls back. */
static void step(sb *s)
{
    s->evflag = 0;
    uint64_t until = sb_monotonic_us() + 2000u * (uint64_t)s->o.timeout_ms + 1000000u;
    while (!s->evflag && s->pending > 0) {
        struct timeval tv = {0, 100000};
        int r = libusb_handle_events_timeout_completed(s->ftdi->usb_ctx, &tv, &s->evflag);
        if (r < 0 && r != LIBUSB_ERROR_INTERRUPTED) {
            sb_lost(s, "USB event handling failed", r);
            return;
        }
        if (!s->evflag && sb_monotonic_us() > until) {
            /* transfers carry their own timeouts: this is a last resort */
            sb_fail(s, FT_E_LOST, "%s: no USB transfer completed in %d ms", s->desc, 2 * s->o.timeout_ms);
            return;
        }
    }
}

/* Cancels what is in flight and waits until nothing is (after an error). */
static void quiesce(sb *s)
{
    for (int round = 0; s->pending > 0 && round < 100; round++) {
        for (int i = 0; i < SB_NOUT + SB_NIN; i++) {
            sb_xfer *x = i < SB_NOUT ? &s->xo[i] : &s->xi[i - SB_NOUT];
            if (x->busy)
                libusb_cancel_transfer(x->t);
        }
        s->evflag = 0;
        struct timeval tv = {0, 100000};
        libusb_handle_events_timeout_completed(s->ftdi->usb_ctx, &tv, &s->evflag);
    }
}

int sb_check_interrupt(sb *s)
{
    int sig = ft_interrupt_signal();
    if (sig && s->hold_interrupts == 0 && !s->err.code)
        sb_fail(s, FT_E_INTERRUPTED, "interrupted (%s)", ft_interrupt_name(sig));
    return s->err.code;
}

static void advance(sb *s, uint32_t n)
{
    uint64_t spi = s->nq ? s->q_spi * n / s->nq : 0;
    s->st.bytes_out += n;
    s->st.spi_bytes += spi;
    s->q_spi -= spi;
    memmove(s->q, s->q + n, s->nq - n);
    s->nq -= n;
    s->q_first += n;
}

static void sleep_us(uint32_t us)
{
    struct timespec ts = {(time_t)(us / 1000000u), (long)(us % 1000000u) * 1000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* An upper bound on how long the chip may still be applying bytes after
 * the host has them all accepted (async: its input FIFO, full at most) or
 * has the sample of the last one (sync: one more tick), rounded up. */
static uint32_t drain_us(const sb *s)
{
    uint64_t bytes = (uint64_t)s->fifo_out + 2u;
    return (uint32_t)((bytes * 1000000u + s->byte_hz - 1) / s->byte_hz);
}

static bool mark_at_head(const sb *s)
{
    return s->mark_head < s->nmarks && s->marks[s->mark_head].at <= s->q_first;
}

/* The next stream index a queued wait stops at (UINT64_MAX: none). */
static uint64_t next_mark(const sb *s)
{
    return s->mark_head < s->nmarks ? s->marks[s->mark_head].at : UINT64_MAX;
}

/* Waits out the queued waits at the head of the stream: every byte before
 * them is written and (async) at most a FIFO from applied, or (sync) sampled.
 * Never cut short by a signal. */
static void wait_marks(sb *s)
{
    while (mark_at_head(s) && s->pending == 0 && (s->async_on || s->rcvd >= s->q_first)) {
        uint32_t us = s->marks[s->mark_head].us;
        sleep_us(us + drain_us(s));
        sb_trace(s, "waited %u us + %u us for the FIFO (the target's write delay, no polling)", us, drain_us(s));
        s->mark_head++;
    }
    if (s->mark_head == s->nmarks)
        s->mark_head = s->nmarks = 0;
}

int sb_to_sync(sb *s, uint8_t dir)
{
    int r = ftdi_set_bitmode(s->ftdi, dir, BITMODE_SYNCBB);
    if (r < 0)
        return sb_lost(s, "back to synchronous bit-bang failed", r);
    s->async_on = false;
    /* no sample of the bytes before will come: the samples restart here */
    s->nsmp = 0;
    s->smp_first = s->rcvd = s->q_first;
    return FT_OK;
}

/* Sends n bytes from the head of the queue in asynchronous bit-bang mode:
 * nothing is sampled, so the chip takes them as fast as USB brings them.
 * Used for runs no reply depends on (page loads, and the page writes with
 * their waits when waits are queued): one SET_BITMODE there and one back
 * (when a reply is next needed) cost less than the samples. Every sample
 * owed is read first. The chip stays asynchronous after the run: another
 * unsampled run goes out with no request at all. Queued waits inside the
 * run are slept where they stand, after the bytes before them; a signal
 * stops the run only after a wait (or before its first byte). */
static int write_async(sb *s, uint32_t n)
{
    if (!s->async_on) {
        int r = ftdi_set_bitmode(s->ftdi, s->dir, BITMODE_BITBANG);
        if (r < 0)
            return sb_lost(s, "entering asynchronous bit-bang failed", r);
        s->async_on = true;
    }
    /* a write completes only when the chip has room: pieces the byte clock
     * takes within half the USB timeout */
    uint64_t piece = (uint64_t)s->byte_hz * (uint64_t)s->o.timeout_ms / 2000u + s->fifo_out;
    uint64_t end = s->q_first + n, spi = s->nq ? s->q_spi * n / s->nq : 0;
    uint32_t waits = 0;
    while (!s->err.code) {
        if (mark_at_head(s)) {
            wait_marks(s);
            waits++;
            if (s->q_first < end && sb_check_interrupt(s))
                break;
        }
        if (s->q_first >= end)
            break;
        uint64_t stop = next_mark(s) < end ? next_mark(s) : end;
        uint32_t k = stop - s->q_first < piece ? (uint32_t)(stop - s->q_first) : (uint32_t)piece;
        int w = ftdi_write_data(s->ftdi, s->q, (int)k);
        s->st.writes++;
        if (w < 0)
            return sb_lost(s, "USB write failed", w);
        if ((uint32_t)w != k)
            return sb_fail(s, FT_E_LOST, "%s: USB write accepted %d of %u bytes", s->desc, w, k);
        advance(s, k);
    }
    s->st.batches++;
    s->nsmp = 0;
    s->smp_first = s->rcvd = s->q_first;
    sb_trace(s, "USB async run: %u pin bytes (about %" PRIu64 " SPI bytes), %u waits, nothing read back", n, spi,
             waits);
    return s->err.code;
}

static void pad(sb *s);

/* Moves the stream: OUT transfers for the queued bytes (all: also a tail
 * shorter than a transfer), IN transfers for every sample owed, and USB
 * events until the samples up to stream index `until` are in. */
static int stream(sb *s, bool all, uint64_t until)
{
    if (!s->err.code && !xfers(s))
        return s->err.code;
    while (!s->err.code) {
        wait_marks(s);
        /* OUT (none while a wait at the head is owed) */
        for (int i = 0; i < SB_NOUT && s->nq > 0 && (all || s->nq >= SB_OUT_CHUNK) && !mark_at_head(s) &&
                        !s->err.code;
             i++) {
            sb_xfer *x = &s->xo[i];
            if (x->busy)
                continue;
            /* the unsent rest is abandoned; what is written runs anyway */
            if (sb_check_interrupt(s))
                break;
            /* a long run before the next byte anyone reads goes out unsampled,
             * and so does any run with a wait in it or while the chip is
             * asynchronous anyway */
            uint64_t lim = s->dst_head < s->ndst ? s->dst[s->dst_head].at : s->q_first + s->nq;
            uint64_t plain = lim > s->q_first ? lim - s->q_first : 0;
            if (plain > s->nq)
                plain = s->nq;
            bool waits = next_mark(s) <= s->q_first + plain;
            if (s->async_min && plain > 0 && (plain >= s->async_min || s->async_on || waits)) {
                if (s->pending > 0 || s->rcvd < s->q_first)
                    break; /* first every sample owed */
                write_async(s, (uint32_t)plain);
                i = -1;
                if (mark_at_head(s))
                    break;
                continue;
            }
            if (s->async_on) {
                if (s->pending > 0 || sb_to_sync(s, s->dir))
                    break;
                if (all)
                    pad(s); /* the samples restart: whole packets again */
            }
            uint32_t n = s->nq < SB_OUT_CHUNK ? (uint32_t)s->nq : SB_OUT_CHUNK;
            if (next_mark(s) - s->q_first < n)
                n = (uint32_t)(next_mark(s) - s->q_first);
            memcpy(x->buf, s->q, n);
            if (submit(s, x, false, (int)n))
                break;
            s->st.batches++;
            advance(s, n);
            sb_trace(s, "USB write: %u pin bytes at %.4g kHz bytes, SCK %.4g kHz", n, s->byte_hz / 1e3,
                     s->sck / 1e3);
        }
        /* IN: whole packets of 62 samples for everything owed */
        for (int i = 0; i < SB_NIN && !s->err.code; i++) {
            sb_xfer *x = &s->xi[i];
            uint64_t owed = s->q_first - s->rcvd;
            if (owed <= s->incap)
                break;
            if (x->busy)
                continue;
            uint64_t pk = (owed - s->incap + FS_PAYLOAD - 1) / FS_PAYLOAD;
            if (pk > SB_IN_PACKETS)
                pk = SB_IN_PACKETS;
            if (submit(s, x, true, (int)(pk * FS_PACKET)))
                break;
            x->cap = (uint32_t)pk * FS_PAYLOAD;
            s->incap += x->cap;
        }
        if (s->err.code)
            break;
        bool owed = s->mark_head < s->nmarks;
        bool sent = !all || (s->nq == 0 && !owed);
        if (sent && s->rcvd >= (until == UINT64_MAX ? s->q_first : until))
            break;
        if (s->pending == 0) {
            if ((s->nq == 0 && !owed) || (!all && s->nq < SB_OUT_CHUNK))
                break; /* nothing more can come */
            continue;  /* an async run made room, or a wait is due: go on */
        }
        step(s);
        if (s->empty_ins > (uint32_t)s->o.timeout_ms + 16u)
            sb_fail(s, FT_E_LOST, "%s: adapter sent %" PRIu64 " of %" PRIu64 " samples, then nothing for %d ms",
                    s->desc, s->rcvd, s->q_first, s->o.timeout_ms);
        decode(s);
    }
    if (s->err.code)
        quiesce(s);
    decode(s);
    return s->err.code;
}

/* Pads the stream with idle bytes to a whole number of 62-sample packets. */
static void pad(sb *s)
{
    /* every IN packet so far ended a packet: the next ones start at rcvd */
    uint64_t from = s->q_first + s->nq - s->rcvd; /* samples owed once all is written */
    uint32_t k = (uint32_t)((FS_PAYLOAD - from % FS_PAYLOAD) % FS_PAYLOAD);
    if (k && s->nq)
        put(s, (uint8_t)(s->level ^ s->inv), k);
}

/* ---- the wire calls ---- */

void sb_shift(sb *s, const uint8_t *out, uint8_t *in, size_t n)
{
    uint32_t p = s->phase;
    for (size_t i = 0; i < n && !s->err.code; i++) {
        if (in) {
            if (!ft_grow((void **)&s->dst, &s->dstcap, s->ndst + 1, sizeof *s->dst, 256)) {
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
            stream(s, false, 0);
    }
}

uint64_t sb_send(sb *s)
{
    if (s->err.code)
        return 0;
    sb_sck_low(s);
    pad(s);
    stream(s, true, 0);
    return s->err.code ? 0 : s->q_first;
}

int sb_wait(sb *s, uint64_t ticket)
{
    if (!s->err.code && s->rcvd < ticket)
        stream(s, false, ticket);
    return s->err.code;
}

int sb_flush(sb *s)
{
    if (s->err.code)
        return s->err.code;
    s->st.flushes++;
    sb_sck_low(s);
    pad(s);
    stream(s, true, UINT64_MAX);
    return s->err.code;
}

int sb_sleep_us(sb *s, uint32_t us)
{
    if (sb_flush(s))
        return s->err.code;
    /* asynchronous: the last bytes may still be in the chip's FIFO */
    sleep_us(us + (s->async_on ? drain_us(s) : 0));
    return FT_OK;
}

int sb_delay_us(sb *s, uint32_t us)
{
    if (s->err.code)
        return s->err.code;
    sb_sck_low(s);
    if (s->nq == 0 && s->mark_head == s->nmarks) {
        /* everything before is already on its way: wait from when it is
         * applied */
        if (sb_flush(s))
            return s->err.code;
        sleep_us(us + drain_us(s));
        return FT_OK;
    }
    if (!ft_grow((void **)&s->marks, &s->markcap, s->nmarks + 1, sizeof *s->marks, 256))
        return sb_fail(s, FT_E_FAIL, "out of memory");
    s->marks[s->nmarks++] = (sb_mark){s->q_first + s->nq, us};
    return FT_OK;
}

void sb_free_queue(sb *s)
{
    s->nq = 0;
    s->q_spi = 0;
    s->dst_head = s->ndst = 0;
    s->mark_head = s->nmarks = 0;
    s->nsmp = 0;
    /* the stream restarts after a purge: indices stay consistent */
    s->smp_first = s->rcvd = s->q_first;
    s->incap = 0;
    s->empty_ins = 0;
}

int sb_take_error(sb *s, ft_err *err)
{
    int code = s->err.code;
    if (!code)
        return FT_OK;
    ft_err_set(err, code, "%s", s->err.msg);
    ft_err_clear(&s->err);
    /* whatever was queued or owed belongs to the failed exchange */
    if (s->usb_open)
        quiesce(s);
    sb_free_queue(s);
    if (s->usb_open)
        ftdi_tcioflush(s->ftdi);
    return code;
}
