/* The MPSSE command queue. Commands accumulate in a batch; a batch is cut
 * when its replies would fill half the chip's reply FIFO, so two batches can
 * be in flight at once: the chip shifts one while the host reads the other.
 * Replies still owed by the chip never exceed the FIFO, because a real
 * FT232H stops executing commands when its reply buffer is full, and a host
 * still blocked in a write would then never read: both sides stall. */
#include <inttypes.h>
#include "ftisp/grow.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ftisp/interrupt.h"
#include "mpsse_priv.h"

/* A write-only stream (page loads) is still cut now and then, so a cable
 * pulled mid-stream shows up within one USB call's timeout. */
#define MP_MAX_BATCH_BYTES 16384u

uint64_t mp_monotonic_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int mp_fail(ft_mpsse *m, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ft_err_vset(&m->err, code, fmt, ap);
    va_end(ap);
    return m->err.code;
}

static int lost(ft_mpsse *m, const char *what, int rc)
{
    return mp_fail(m, FT_E_LOST,
                   "adapter lost: %s: %s (libftdi %d); was it unplugged?",
                   ft_mpsse_describe(m), what, rc);
}

void mp_put(ft_mpsse *m, const uint8_t *b, size_t n)
{
    if (m->err.code)
        return;
    if (!ft_grow((void **)&m->cmd, &m->cmdcap, m->ncmd + n, 1, 64)) {
        mp_fail(m, FT_E_FAIL, "out of memory");
        return;
    }
    memcpy(m->cmd + m->ncmd, b, n);
    m->ncmd += n;
    m->last_op = 0;
}

static void add_dst(ft_mpsse *m, uint8_t *p, uint32_t n)
{
    if (m->ndst > m->dst_head) {
        mp_dst *d = &m->dst[m->ndst - 1];
        /* merge only within the open batch, which owns the tail entries */
        if (m->batch_replies > 0 && ((d->p == NULL && p == NULL) || (d->p && p && d->p + d->n == p))) {
            d->n += n;
            m->batch_replies += n;
            return;
        }
    }
    if (m->dst_head > 0 && m->dst_head * 2 >= m->ndst) {
        memmove(m->dst, m->dst + m->dst_head, (m->ndst - m->dst_head) * sizeof *m->dst);
        m->ndst -= m->dst_head;
        m->dst_head = 0;
    }
    if (!ft_grow((void **)&m->dst, &m->dstcap, m->ndst + 1, sizeof *m->dst, 64)) {
        mp_fail(m, FT_E_FAIL, "out of memory");
        return;
    }
    m->dst[m->ndst++] = (mp_dst){p, n};
    m->batch_replies += n;
}

void mp_put_probe(ft_mpsse *m)
{
    uint8_t c = MP_GET_LOW;
    mp_put(m, &c, 1);
    if (!m->err.code)
        add_dst(m, NULL, 1);
}

static uint64_t spi_us(const ft_mpsse *m, uint64_t bytes)
{
    return bytes * 8u * 1000000u / (m->sck ? m->sck : 1);
}

/* Reads the oldest sent batch's replies and stores them where they belong. */
static int read_oldest(ft_mpsse *m)
{
    mp_batch *b = &m->seg[m->seg_head];
    uint64_t ahead = 0;
    for (size_t i = m->seg_head; i < m->nseg; i++)
        ahead += m->seg[i].spi_bytes;
    /* the chip may legitimately need the shift time of everything in
     * flight; the USB timeout comes on top */
    uint64_t deadline = mp_monotonic_us() + (uint64_t)m->o.timeout_ms * 1000u + 2 * spi_us(m, ahead);
    uint32_t want = b->replies, got = 0;
    while (got < want) {
        int r = ftdi_read_data(m->ftdi, m->rbuf + got, (int)(want - got));
        m->st.reads++;
        if (r < 0)
            return lost(m, "USB read failed", r);
        got += (uint32_t)r;
        m->st.bytes_in += (uint64_t)r;
        if (r == 0 && got < want && mp_monotonic_us() > deadline)
            return mp_fail(m, FT_E_LOST, "%s: adapter sent %u of %u reply bytes, then nothing for %d ms",
                           ft_mpsse_describe(m), got, want, m->o.timeout_ms);
    }
    uint32_t off = 0;
    while (off < want && m->dst_head < m->ndst) {
        mp_dst *d = &m->dst[m->dst_head];
        uint32_t k = d->n;
        if (k > want - off) {
            /* cannot happen: batches are cut between destinations */
            return mp_fail(m, FT_E_FAIL, "internal: reply routing out of step");
        }
        if (d->p)
            memcpy(d->p, m->rbuf + off, k);
        off += k;
        m->dst_head++;
    }
    m->outstanding -= want;
    m->seg_head++;
    if (m->seg_head == m->nseg)
        m->seg_head = m->nseg = 0;
    m->unsynced = false;
    return FT_OK;
}

int ft_mpsse_check_interrupt(ft_mpsse *m)
{
    int sig = ft_interrupt_signal();
    if (sig && m->hold_interrupts == 0 && !m->err.code)
        mp_fail(m, FT_E_INTERRUPTED, "interrupted (%s)", ft_interrupt_name(sig));
    return m->err.code;
}

void ft_mpsse_hold_interrupts(ft_mpsse *m, bool hold)
{
    m->hold_interrupts += hold ? 1 : -1;
}

static int send_batch(ft_mpsse *m)
{
    if (m->err.code || m->ncmd == 0)
        return m->err.code;
    /* the batch not yet sent is abandoned; those already sent run anyway */
    if (ft_mpsse_check_interrupt(m))
        return m->err.code;
    uint32_t r = m->batch_replies;
    if (r > 0) {
        uint8_t c = MP_SEND_IMMEDIATE;
        mp_put(m, &c, 1);
    }
    while (m->nseg > m->seg_head && m->outstanding + r > m->fifo)
        if (read_oldest(m))
            return m->err.code;
    if (r > 0 && !ft_grow((void **)&m->seg, &m->segcap, m->nseg + 1, sizeof *m->seg, 64))
        return mp_fail(m, FT_E_FAIL, "out of memory");
    /* A write completes only once the chip has room for its bytes, and the
     * chip makes room at the SPI rate: at a slow SCK a big write would
     * outlast the USB timeout. Pieces the chip can take within half of it. */
    size_t piece = m->fifo + (size_t)((uint64_t)m->sck / 8 * (uint64_t)m->o.timeout_ms / 2000u);
    for (size_t off = 0; off < m->ncmd;) {
        size_t n = m->ncmd - off < piece ? m->ncmd - off : piece;
        int w = ftdi_write_data(m->ftdi, m->cmd + off, (int)n);
        m->st.writes++;
        if (w < 0)
            return lost(m, "USB write failed", w);
        if ((size_t)w != n)
            return mp_fail(m, FT_E_LOST, "%s: USB write accepted %d of %zu bytes", ft_mpsse_describe(m), w, n);
        off += n;
    }
    m->st.bytes_out += m->ncmd;
    m->st.batches++;
    m->st.spi_bytes += m->batch_spi;
    m->last_id = ++m->next_id;
    /* AVR serial-programming instructions are 4 bytes on the wire; a batch
     * may end inside one, hence "about" */
    mp_trace(m, "USB batch %" PRIu64 ": %zu bytes out, %" PRIu32 " reply bytes, %" PRIu64
             " bytes on SPI (about %" PRIu64 " ISP instructions) at SCK %.4g kHz",
             m->last_id, m->ncmd, r, m->batch_spi, m->batch_spi / 4, m->sck / 1e3);
    if (r > 0) {
        m->seg[m->nseg++] = (mp_batch){m->last_id, r, m->batch_spi};
        m->outstanding += r;
    } else {
        m->unsynced = true;
    }
    m->ncmd = 0;
    m->last_op = 0;
    m->batch_replies = 0;
    m->batch_spi = 0;
    return FT_OK;
}

/* Appends n data bytes to a shift command of type op, extending the previous
 * command when it is of the same type (saves 3 bytes per instruction). */
static void put_shift(ft_mpsse *m, uint8_t op, const uint8_t *data, uint32_t n)
{
    while (n > 0 && !m->err.code) {
        uint32_t k;
        if (m->last_op == op && m->last_len < 65536) {
            k = 65536 - m->last_len < n ? 65536 - m->last_len : n;
            m->last_len += k;
        } else {
            k = n < 65536 ? n : 65536;
            uint8_t h[3] = {op, (uint8_t)((k - 1) & 0xff), (uint8_t)((k - 1) >> 8)};
            mp_put(m, h, 3);
            if (m->err.code)
                return;
            m->last_at = m->ncmd - 3;
            m->last_len = k;
        }
        mp_put(m, data, k);
        if (m->err.code)
            return;
        m->last_op = op;
        m->cmd[m->last_at + 1] = (uint8_t)((m->last_len - 1) & 0xff);
        m->cmd[m->last_at + 2] = (uint8_t)((m->last_len - 1) >> 8);
        m->batch_spi += k;
        data += k;
        n -= k;
    }
}

void ft_mpsse_spi(ft_mpsse *m, const uint8_t *out, uint8_t *in, size_t n)
{
    uint32_t half = (uint32_t)(m->fifo / 2);
    while (n > 0 && !m->err.code) {
        uint32_t k;
        if (in) {
            if (m->batch_replies >= half) {
                send_batch(m);
                continue;
            }
            uint32_t room = half - m->batch_replies;
            k = n < room ? (uint32_t)n : room;
            put_shift(m, MP_SHIFT_INOUT, out, k);
            if (m->err.code)
                return;
            add_dst(m, in, k);
            in += k;
        } else {
            k = n < MP_MAX_BATCH_BYTES ? (uint32_t)n : MP_MAX_BATCH_BYTES;
            put_shift(m, MP_SHIFT_OUT, out, k);
        }
        out += k;
        n -= k;
        if (m->ncmd >= MP_MAX_BATCH_BYTES)
            send_batch(m);
    }
}

void mp_set_pins(ft_mpsse *m)
{
    uint8_t c[6] = {MP_SET_LOW, m->lo_val, m->lo_dir, MP_SET_HIGH, m->hi_val, m->hi_dir};
    mp_put(m, c, sizeof c);
}

void ft_mpsse_reset(ft_mpsse *m, bool asserted)
{
    int pin = m->o.reset_pin;
    uint8_t bit = (uint8_t)(1u << (pin & 7));
    uint8_t *v = pin < 8 ? &m->lo_val : &m->hi_val;
    *v = asserted ? (uint8_t)(*v & ~bit) : (uint8_t)(*v | bit);
    mp_set_pins(m);
}

void ft_mpsse_led(ft_mpsse *m, int led, bool on)
{
    if (!m || led < 0 || led > 3 || m->o.led_pin[led] < 0)
        return;
    int pin = m->o.led_pin[led];
    uint8_t bit = (uint8_t)(1u << (pin & 7));
    uint8_t *v = pin < 8 ? &m->lo_val : &m->hi_val;
    bool high = on != m->o.led_low[led];
    *v = high ? (uint8_t)(*v | bit) : (uint8_t)(*v & ~bit);
    mp_set_pins(m);
}

uint32_t ft_mpsse_set_sck(ft_mpsse *m, uint32_t hz)
{
    uint32_t half = MP_BASE_HZ / 2;
    if (hz == 0)
        hz = 1;
    uint32_t div = (half + hz - 1) / hz;   /* (div+1) with rounding up: never faster */
    div = div > 0 ? div - 1 : 0;
    if (div > 0xffff)
        div = 0xffff;
    uint8_t c[4] = {MP_DIVISOR, (uint8_t)(div & 0xff), (uint8_t)(div >> 8)};
    mp_put(m, c, 3);
    m->sck = half / (div + 1);
    mp_trace(m, "SCK %.4g kHz asked, %.4g kHz set (60 MHz / %u)", hz / 1e3, m->sck / 1e3, 2 * (div + 1));
    return m->sck;
}

uint32_t ft_mpsse_sck(const ft_mpsse *m)
{
    return m->sck;
}

uint64_t ft_mpsse_send(ft_mpsse *m)
{
    if (m->err.code)
        return 0;
    send_batch(m);
    return m->err.code ? 0 : m->last_id;
}

int ft_mpsse_wait(ft_mpsse *m, uint64_t ticket)
{
    while (!m->err.code && m->nseg > m->seg_head && m->seg[m->seg_head].id <= ticket)
        read_oldest(m);
    return m->err.code;
}

int ft_mpsse_flush(ft_mpsse *m)
{
    if (m->err.code)
        return m->err.code;
    m->st.flushes++;
    if ((m->ncmd > 0 || m->unsynced) && m->batch_replies == 0)
        mp_put_probe(m);
    send_batch(m);
    while (!m->err.code && m->nseg > m->seg_head)
        read_oldest(m);
    return m->err.code;
}

int ft_mpsse_sleep_us(ft_mpsse *m, uint32_t us)
{
    if (ft_mpsse_flush(m))
        return m->err.code;
    struct timespec ts = {(time_t)(us / 1000000u), (long)(us % 1000000u) * 1000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
    return FT_OK;
}

int ft_mpsse_error(const ft_mpsse *m)
{
    return m->err.code;
}

int ft_mpsse_take_error(ft_mpsse *m, ft_err *err)
{
    int code = m->err.code;
    if (!code)
        return FT_OK;
    ft_err_set(err, code, "%s", m->err.msg);
    ft_err_clear(&m->err);
    /* whatever was queued or owed belongs to the failed exchange */
    m->ncmd = 0;
    m->last_op = 0;
    m->batch_replies = 0;
    m->batch_spi = 0;
    m->dst_head = m->ndst = 0;
    m->seg_head = m->nseg = 0;
    m->outstanding = 0;
    m->unsynced = false;
    if (m->usb_open)
        ftdi_tcioflush(m->ftdi);
    return code;
}

/* m NULL (-c dryrun: no adapter): no counts, no trace */
void ft_mpsse_get_stats(const ft_mpsse *m, ft_mpsse_stats *s)
{
    if (!m) {
        memset(s, 0, sizeof *s);
        return;
    }
    *s = m->st;
}

void ft_mpsse_set_trace(ft_mpsse *m, ft_mpsse_trace_fn fn, void *ctx)
{
    if (!m)
        return;
    m->trace = fn;
    m->trace_ctx = ctx;
}

void mp_trace(ft_mpsse *m, const char *fmt, ...)
{
    if (!m->trace)
        return;
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    m->trace(m->trace_ctx, line);
}
