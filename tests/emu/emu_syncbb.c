/* The full-speed FTDI chips without an MPSSE (FT232R, FT231X, FT230X): their
 * bit-bang engine, which applies one byte per tick of the byte clock to the
 * D0-D7 pins (and in synchronous mode queues back a sample of all pins taken
 * just before), and the cost of full-speed bulk transfers: 64-byte packets,
 * 1 ms frames with room for 19 of them (both directions together), IN
 * packets of 2 modem-status bytes + up to 62 data bytes sent when full or
 * when the latency timer expires. See README.md "Full-speed bit-bang chips"
 * for the facts and their sources. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "emu_internal.h"

#define FS_SLOTS 19                /* 64-byte bulk packets per 1 ms frame */
#define FS_PAYLOAD 62              /* data bytes in one IN packet */

emu_ns emu_frame_ceil(emu_ns t)
{
    return (t + EMU_MS - 1) / EMU_MS * EMU_MS;
}

/* The first packet slot starting at or after t: slot j of frame f starts
 * at f ms + j/19 ms. */
static emu_ns slot_start(emu_ns t)
{
    emu_ns f = t / EMU_MS, in = t - f * EMU_MS;
    emu_ns j = (in * FS_SLOTS + EMU_MS - 1) / EMU_MS;
    if (j >= FS_SLOTS) {
        f++;
        j = 0;
    }
    return f * EMU_MS + j * EMU_MS / FS_SLOTS;
}

/* ---- the byte clock ---- */

/* SET_BAUDRATE's divisor: bits 0-13 an integer n, bits 14-16 (bit 16 is
 * bit 0 of wIndex) a fraction code meaning 0, 1/2, 1/4, 1/8, 3/8, 5/8,
 * 3/4, 7/8; n = 0 and n = 1 are the special 3 MBaud and 2 MBaud. The
 * bit-bang byte clock is 16 x the baud rate, capped at FTEMU_SYNCBB_MAX_HZ. */
static void set_period(emu_chan *c)
{
    static const int eighths[8] = {0, 4, 2, 1, 3, 5, 6, 7};
    uint32_t n = c->bb_encoded & 0x3FFF, code = c->bb_encoded >> 14 & 7;
    double baud;
    if (n <= 1) {
        if (code)
            emu_warn("SET_BAUDRATE divisor %u with a fraction: not a valid encoding; taken as %s", n,
                     n ? "2 MBaud" : "3 MBaud");
        baud = n ? 2e6 : 3e6;
    } else
        baud = 3e6 * 8 / (n * 8.0 + eighths[code]);
    double rate = 16 * baud;
    if (rate > emu_cfg_g.bb_max_hz)
        rate = emu_cfg_g.bb_max_hz;
    c->bb_period = 1e9 / rate;
}

void emu_syncbb_init(emu_chan *c, int kind)
{
    c->tx_fifo = kind == EMU_FT232R ? 256 : 512;
    c->bb_exist = kind == EMU_FT230X ? 0x0F : 0xFF;
    c->bb_mask = 0;
    c->bb_latch = 0xFF;
    c->bb_encoded = 0x4138; /* 9600 baud, the power-on rate */
    set_period(c);
    c->bb_t = 0;
    c->bb_release = 0;
    c->bb_stalled = false;
    c->latency_ms = 16;
}

int emu_syncbb_baud(emu_chan *c, uint16_t value, uint16_t index)
{
    c->bb_encoded = value | (uint32_t)(index & 1) << 16;
    set_period(c);
    return 0;
}

/* ---- pins ---- */

static bool bitbang(const emu_chan *c)
{
    return c->bitmode == 1 || c->bitmode == 4;
}

static int line(const emu_chan *c, int which);

/* The level on FTDI pin D<pin>: an output drives its latch; the pin wired
 * to the target's MISO reads it (through the inverter if any); any other
 * input reads its pull-up. Pins the package lacks read 1. */
static int pin_level(const emu_chan *c, int pin)
{
    if (!(c->bb_exist >> pin & 1))
        return 1;
    if (bitbang(c) && c->bb_mask >> pin & 1)
        return c->bb_latch >> pin & 1;
    if (pin == emu_cfg_g.bb_pin[BB_SDI]) {
        if (c->avr.absent && c->avr.part.tpi) /* TPI wiring: SDO reaches SDI through 1 k */
            return line(c, BB_SDO) ^ emu_cfg_g.bb_inv[BB_SDI];
        return (c->avr.absent ? 1 : c->avr.miso) ^ emu_cfg_g.bb_inv[BB_SDI];
    }
    return 1;
}

uint8_t emu_syncbb_pins(const emu_chan *c)
{
    uint8_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint8_t)(pin_level(c, i) << i);
    return v;
}

/* The level a target line sees: the FTDI pin's, inverted if so wired; a
 * line on a pin the package lacks is unconnected (the target's pull-up). */
static int line(const emu_chan *c, int which)
{
    int pin = emu_cfg_g.bb_pin[which];
    if (!(c->bb_exist >> pin & 1))
        return 1;
    return pin_level(c, pin) ^ emu_cfg_g.bb_inv[which];
}

static void drive(emu_chan *c, emu_ns t)
{
    emu_avr_pins(&c->avr, t, line(c, BB_RESET), line(c, BB_SCK), line(c, BB_SDO));
}

int emu_syncbb_bitmode(emu_chan *c, uint16_t value)
{
    int mode = value >> 8;
    if (mode != 0 && mode != 1 && mode != 4) {
        /* MPSSE, MCU host bus, fast opto, FIFO modes: not in this chip. */
        emu_warn("SET_BITMODE 0x%02x: this chip has no such mode; request ignored (still in mode 0x%02x)", mode,
                 c->bitmode);
        emu_st.v_unsupported++;
        return 0;
    }
    double now = (double)emu_now > c->bb_t ? (double)emu_now : c->bb_t;
    c->bitmode = mode;
    c->bb_mask = mode ? (uint8_t)(value & c->bb_exist) : 0;
    c->bb_t = now;
    drive(c, (emu_ns)now);
    return 0;
}

/* ---- the engine ---- */

/* test hook for the probe: bytes applied since the last call, and when the
 * first and the last of them were applied (modeled ns) */
static long win_count;
static emu_ns win_first, win_last;

__attribute__((visibility("default"))) long ftemu_bb_window(int64_t *first_ns, int64_t *last_ns)
{
    long n = win_count;
    *first_ns = win_first;
    *last_ns = win_last;
    win_count = 0;
    return n;
}

__attribute__((visibility("default"))) int64_t ftemu_now_ns(void)
{
    return emu_now;
}

static void put_sample(emu_chan *c, uint8_t b, emu_ns t)
{
    int i = (c->tx_head + c->tx_count) % c->tx_cap;
    c->tx[i] = b;
    c->tx_t[i] = t;
    c->tx_count++;
    emu_st.bb_samples++;
}

void emu_syncbb_run(emu_chan *c)
{
    while (c->rx_count > 0) {
        emu_ns arr = c->rx_t[c->rx_head];
        double t;
        if (!bitbang(c)) {
            /* UART mode: the byte leaves through TXD; no pin we model moves */
            t = (double)arr > c->bb_t ? (double)arr : c->bb_t;
        } else {
            if (c->bitmode == 4 && c->tx_count >= c->tx_fifo) {
                /* the sample has nowhere to go: wait for the host to read */
                if (!c->bb_stalled)
                    emu_st.bb_stalls++;
                c->bb_stalled = true;
                return;
            }
            t = c->bb_t + c->bb_period;
            if ((double)arr > t)
                t = (double)arr;
            if (c->bb_release > t)
                t = c->bb_release;
        }
        uint8_t b = c->rx[c->rx_head];
        emu_ns tn = (emu_ns)(t + 0.5);
        if (bitbang(c)) {
            if (c->bitmode == 4) /* the pins are read first, then the byte goes out */
                put_sample(c, emu_syncbb_pins(c), tn);
            c->bb_latch = b;
            drive(c, tn);
            emu_st.bb_bytes++;
            if (win_count++ == 0)
                win_first = tn;
            win_last = tn;
        }
        c->bb_t = t;
        c->consumed[c->out_seq % EMU_MAXFIFO] = tn;
        c->out_seq++;
        c->rx_head = (c->rx_head + 1) % EMU_MAXFIFO;
        c->rx_count--;
    }
}

/* ---- full-speed bulk transfers ----
 *
 * The host controller keeps every submitted transfer going at once: one OUT
 * transfer (the head of endpoint 0x02's queue) and one IN transfer (the head
 * of 0x81's) share the frame's 19 packet slots. They take turns: the
 * endpoint whose turn it is tries first. An OUT the chip cannot take (its
 * FIFO lacks room for the packet) is NAKed after its data went over the
 * bus, so that slot is lost; an IN the chip has nothing for is NAKed at
 * once (token and handshake only) and the OUT may use the slot. The chip
 * answers an IN with a packet only when 62 data bytes are ready or its
 * latency timer has expired (AN232B-04), whatever room the host's buffer
 * has: a packet larger than that room is an overflow. A transfer ends with
 * its last packet (OUT: all data taken; IN: buffer full or a short
 * packet); the host hears of it at the next frame boundary. */

#define NEVER INT64_MAX

static emu_ns tx_time(const emu_chan *c, int i)
{
    return c->tx_t[(c->tx_head + i) % c->tx_cap];
}

static bool active(const emu_fsx *x, emu_ns s)
{
    return x && !x->finished && x->start <= s;
}

/* when the chip has room for the OUT transfer's next packet (NEVER: not
 * until the engine, stalled on a full sample FIFO, moves again) */
static emu_ns out_ready(const emu_chan *c, const emu_fsx *o)
{
    int n = o->len - o->done < 64 ? o->len - o->done : 64;
    uint64_t need = c->in_seq + (uint64_t)n;
    emu_ns t = o->start;
    if (need > (uint64_t)c->fifo) {
        uint64_t idx = need - 1 - (uint64_t)c->fifo;
        if (idx >= c->out_seq)
            return NEVER;
        emu_ns fr = c->consumed[idx % EMU_MAXFIFO];
        if (fr > t)
            t = fr;
    }
    return t;
}

/* when the chip has an IN packet: 62 samples, or the latency timer (from the
 * transfer's start, restarted after each packet: pessimistic) */
static emu_ns in_ready(const emu_chan *c, const emu_fsx *i)
{
    emu_ns t = i->timer + (emu_ns)c->latency_ms * EMU_MS;
    if (c->tx_count >= FS_PAYLOAD && tx_time(c, FS_PAYLOAD - 1) < t)
        t = tx_time(c, FS_PAYLOAD - 1);
    return t > i->start ? t : i->start;
}

static void finish(emu_fsx *x, emu_ns end, int rc)
{
    x->finished = true;
    x->end = end;
    x->rc = rc;
    emu_ns seen = rc == EMU_ERR_TIMEOUT ? end : emu_frame_ceil(end);
    if (seen > emu_now) {
        emu_st.usb_ns += seen - emu_now;
        emu_now = seen;
    }
    if (x->in) {
        emu_st.bytes_in += x->done;
        if (x->payload && emu_st.out_since_in)
            emu_st.round_trips++;
        emu_st.out_since_in = false;
    } else {
        emu_st.bytes_out += x->done;
        emu_st.out_since_in = true;
    }
}

void emu_syncbb_begin(emu_chan *c, emu_fsx *x)
{
    x->timer = x->start;
    if (!x->in)
        c->in_seq = c->out_seq + (uint64_t)c->rx_count; /* a purge dropped bytes */
}

void emu_syncbb_pair(emu_dev *d, emu_chan *c, emu_fsx *o, emu_fsx *i)
{
    if (o && o->finished)
        o = NULL;
    if (i && i->finished)
        i = NULL;
    while (o || i) {
        emu_syncbb_run(c); /* a full FIFO may have room again */
        emu_ns to = o ? out_ready(c, o) : NEVER, ti = i ? in_ready(c, i) : NEVER;
        emu_ns first = to < ti ? to : ti;
        emu_ns s = first == NEVER ? NEVER : slot_start(first > d->bus_free ? first : d->bus_free);
        emu_ns dlo = o ? o->start + (emu_ns)(o->timeout_ms ? o->timeout_ms : 5000) * EMU_MS : NEVER;
        emu_ns dli = i && i->timeout_ms ? i->start + (emu_ns)i->timeout_ms * EMU_MS : NEVER;
        if (s > dlo && dlo <= dli) {
            /* the engine waits for the host to read its samples and nothing
             * reads them: the chip NAKs this write until it times out */
            emu_warn("bulk write stalls: chip->host FIFO full (%d samples unread) and %d bytes queued; "
                     "read the samples before sending more", c->tx_count, c->rx_count);
            emu_st.v_write_timeout++;
            finish(o, dlo, EMU_ERR_TIMEOUT);
            return;
        }
        if (s > dli) {
            finish(i, dli, EMU_ERR_TIMEOUT);
            return;
        }
        bool ok_o = active(o, s) && to <= s, ok_i = active(i, s) && ti <= s;
        int who;
        if (ok_o && ok_i)
            who = d->fs_turn;
        else if (ok_o)
            who = 0;
        else if (active(o, s) && d->fs_turn == 0) {
            /* the OUT's data crossed the bus and was NAKed: slot lost */
            d->bus_free = slot_start(s + 1);
            d->fs_turn = 1;
            emu_st.usb_out_naks++;
            continue;
        } else
            who = 1;
        emu_ns e = slot_start(s + 1);
        d->bus_free = e;
        d->fs_turn = !who;
        if (who == 0) {
            int n = o->len - o->done < 64 ? o->len - o->done : 64;
            for (int k = 0; k < n; k++) {
                int q = (c->rx_head + c->rx_count) % EMU_MAXFIFO;
                c->rx[q] = o->buf[o->done + k];
                c->rx_t[q] = e;
                c->rx_count++;
                c->in_seq++;
            }
            emu_st.usb_packets_out++;
            o->done += n;
            if (o->done == o->len) {
                emu_syncbb_run(c);
                finish(o, e, 0);
                return;
            }
            continue;
        }
        int k = 0;
        while (k < FS_PAYLOAD && k < c->tx_count && tx_time(c, k) <= s)
            k++;
        bool engine_busy = c->tx_count > k || c->rx_count > 0 || c->bb_t > (double)s;
        if (k < FS_PAYLOAD && !engine_busy)
            emu_st.latency_ns += s - (i->timer > i->start ? i->timer : i->start);
        if (k < FS_PAYLOAD)
            emu_st.latency_flushes++;
        if (emu_cfg_g.trace > 1)
            fprintf(stderr, "ftemu: IN slot=%.6f k=%d samples=%d\n", (double)s / EMU_S, k, c->tx_count);
        int room = i->len - i->done;
        bool over = 2 + k > room;
        if (over) {
            emu_warn("IN transfer of %d bytes: the chip sent a %d-byte packet with %d bytes of room left "
                     "(overflow); ask for whole 64-byte packets", i->len, 2 + k, room);
            k = room - 2 > 0 ? room - 2 : 0;
        }
        if (room >= 2) {
            i->buf[i->done] = 0x01; /* modem status, as an idle FT232R sends it */
            i->buf[i->done + 1] = 0x60;
            for (int j = 0; j < k; j++)
                i->buf[i->done + 2 + j] = c->tx[(c->tx_head + j) % c->tx_cap];
            i->done += 2 + k;
        }
        c->tx_head = (c->tx_head + k) % c->tx_cap;
        c->tx_count -= k;
        c->tx_abs += k;
        if (k > 0 && c->bb_stalled) {
            c->bb_stalled = false;
            if ((double)s > c->bb_release)
                c->bb_release = (double)s;
        }
        emu_st.usb_packets_in++;
        i->payload |= k > 0;
        i->timer = e;
        if (over || k < FS_PAYLOAD || i->done == i->len) {
            finish(i, e, over ? EMU_ERR_OVERFLOW : 0);
            return;
        }
    }
}

int emu_syncbb_bulk_out(emu_dev *d, emu_chan *c, const uint8_t *data, int len, unsigned timeout_ms, int *got)
{
    emu_fsx o = {.in = false, .buf = (uint8_t *)data, .len = len, .timeout_ms = timeout_ms, .start = emu_now};
    emu_syncbb_begin(c, &o);
    emu_syncbb_pair(d, c, &o, NULL);
    *got = o.done;
    return o.rc;
}

int emu_syncbb_bulk_in(emu_dev *d, emu_chan *c, uint8_t *data, int len, unsigned timeout_ms, int *got)
{
    emu_fsx i = {.in = true, .buf = data, .len = len, .timeout_ms = timeout_ms, .start = emu_now};
    emu_syncbb_begin(c, &i);
    emu_syncbb_pair(d, c, NULL, &i);
    *got = i.done;
    return i.rc;
}
