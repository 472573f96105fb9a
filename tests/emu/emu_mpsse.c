/* The MPSSE command processor of AN_108, run in modeled time: each command
 * starts when its bytes have arrived and the previous one is done, data is
 * clocked bit by bit onto the pins the AVR target watches, and replies are
 * stamped with the time they were produced. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu_internal.h"

#define CMD_NS (1e9 / 30e6) /* handling one command byte */

void emu_mpsse_reset(emu_chan *c)
{
    c->ncmd = 0;
    c->remaining = 0;
    c->stuck = false;
    c->lo_val = c->lo_dir = c->hi_val = c->hi_dir = 0;
    c->divisor = 0xFFFF;
    c->div5 = true;
    c->three_phase = c->adaptive = c->loopback = false;
}

static int level(const emu_chan *c, int pin)
{
    uint8_t val = pin < 8 ? c->lo_val : c->hi_val, dir = pin < 8 ? c->lo_dir : c->hi_dir;
    int b = pin & 7;
    if (dir >> b & 1)
        return val >> b & 1;
    if (pin == emu_cfg_g.pin_miso) {
        if (c->avr.absent && c->avr.part.tpi) /* TPI wiring: SDO reaches SDI through 1 k */
            return level(c, emu_cfg_g.pin_mosi);
        return c->avr.absent ? 1 : c->avr.miso;
    }
    return 1; /* inputs have pull-ups */
}

static void drive(emu_chan *c)
{
    emu_avr_pins(&c->avr, (emu_ns)c->mt, level(c, emu_cfg_g.pin_reset), level(c, emu_cfg_g.pin_sck),
                 level(c, emu_cfg_g.pin_mosi));
}

/* FTEMU_PINLOG=file: every pin setting, one line "lo_val lo_dir hi_val
 * hi_dir" in hex, so tests can see buffer-enable and LED pins. */
static void pinlog(const emu_chan *c)
{
    static FILE *f;
    static bool tried;
    if (!tried) {
        tried = true;
        const char *path = getenv("FTEMU_PINLOG");
        if (path && *path)
            f = fopen(path, "a");
    }
    if (f) {
        fprintf(f, "%02x %02x %02x %02x\n", c->lo_val, c->lo_dir, c->hi_val, c->hi_dir);
        fflush(f);
    }
}

uint8_t emu_mpsse_pins_low(emu_chan *c)
{
    uint8_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint8_t)(level(c, i) << i);
    return v;
}

static uint8_t pins_high(emu_chan *c)
{
    uint8_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint8_t)(level(c, 8 + i) << i);
    return v;
}

static bool tx_room(const emu_chan *c, int n)
{
    return c->tx_count + n <= c->fifo;
}

static void put(emu_chan *c, uint8_t b)
{
    int i = (c->tx_head + c->tx_count) % c->tx_cap;
    c->tx[i] = b;
    c->tx_t[i] = (emu_ns)(c->mt + 0.999);
    c->tx_count++;
}

static uint8_t take(emu_chan *c)
{
    uint8_t b = c->rx[c->rx_head];
    if (c->rx_t[c->rx_head] > c->mt)
        c->mt = (double)c->rx_t[c->rx_head];
    c->consumed[c->out_seq % EMU_MAXFIFO] = (emu_ns)c->mt;
    c->out_seq++;
    c->rx_head = (c->rx_head + 1) % EMU_MAXFIFO;
    c->rx_count--;
    c->mt += CMD_NS;
    return b;
}

static uint8_t peek(const emu_chan *c, int i)
{
    return c->rx[(c->rx_head + i) % EMU_MAXFIFO];
}

static double half_ns(const emu_chan *c)
{
    return (1.0 + c->divisor) * 1e9 / (c->div5 ? 12e6 : 60e6);
}

static void set_pin(emu_chan *c, int pin, int v)
{
    if (v)
        c->lo_val |= (uint8_t)(1 << pin);
    else
        c->lo_val &= (uint8_t)~(1 << pin);
}

static int tdo(const emu_chan *c)
{
    return c->loopback ? level(c, 1) : level(c, emu_cfg_g.pin_miso);
}

/* One clock period. dpin: pin that carries the data out (1 TDI, 3 TMS), or
 * -1 for none. wneg/rneg: data changes / is sampled on the falling edge.
 * Where one side changes a pin on the edge the other samples at, the sampler
 * sees the level from before the edge. */
static int clock_bit(emu_chan *c, int dpin, int out, bool wneg, bool rneg)
{
    int idle = c->lo_val & 1;
    bool lead_neg = idle; /* idle high: the first edge falls */
    double h = half_ns(c);
    int in = 1;
    if (dpin >= 0 && wneg != lead_neg) {
        set_pin(c, dpin, out);
        drive(c);
    }
    c->mt += h;
    if (rneg == lead_neg)
        in = tdo(c);
    set_pin(c, 0, !idle);
    drive(c);
    if (dpin >= 0 && wneg == lead_neg) {
        set_pin(c, dpin, out);
        drive(c);
    }
    c->mt += h;
    if (rneg != lead_neg)
        in = tdo(c);
    set_pin(c, 0, idle);
    drive(c);
    if (c->three_phase)
        c->mt += h;
    return in;
}

static bool adaptive_stall(emu_chan *c)
{
    if (!c->adaptive)
        return false;
    /* RTCK (GPIOL3) never answers: nothing on this board drives it. */
    emu_warn("MPSSE adaptive clocking (0x96) on with no RTCK: channel %c stalls", 'A' + c->index);
    emu_st.v_adaptive_stall++;
    c->stuck = true;
    return true;
}

static void clocks_only(emu_chan *c, long bits)
{
    int d = c->lo_val >> 1 & 1;
    for (long i = 0; i < bits; i++)
        clock_bit(c, -1, d, true, false);
}

static bool valid_shift(uint8_t op)
{
    bool w = op & 0x10, r = op & 0x20;
    if (op & 0x40)
        return op == 0x4A || op == 0x4B || op == 0x6A || op == 0x6B || op == 0x6E || op == 0x6F;
    if (op & 0x80 || (!w && !r))
        return false;
    if (!r)
        return !(op & 0x04);
    if (!w)
        return !(op & 0x01);
    return !(op & 0x01) != !(op & 0x04);
}

static uint8_t shift8(emu_chan *c, uint8_t op, uint8_t out, int nbits)
{
    bool lsb = op & 0x08, w = op & 0x10;
    uint8_t in = 0;
    for (int i = 0; i < nbits; i++) {
        int bit = lsb ? out >> i & 1 : out >> (7 - i) & 1;
        int s = clock_bit(c, w ? 1 : -1, bit, op & 0x01, op & 0x04);
        in = lsb ? (uint8_t)(in >> 1 | s << 7) : (uint8_t)(in << 1 | s);
    }
    return in;
}

/* Continues a byte-mode shift: one data byte per step. */
static bool shift_step(emu_chan *c)
{
    uint8_t op = c->cmd[0];
    bool w = op & 0x10, r = op & 0x20;
    if ((w && c->rx_count == 0) || (r && !tx_room(c, 1)))
        return false;
    if (adaptive_stall(c))
        return false;
    uint8_t out = w ? take(c) : 0;
    if (!w)
        c->mt += 0; /* read-only: TDI holds its level */
    uint8_t in = w ? shift8(c, op, out, 8) : 0;
    if (!w) {
        int d = c->lo_val >> 1 & 1;
        for (int i = 0; i < 8; i++) {
            int s = clock_bit(c, -1, d, op & 0x01, op & 0x04);
            in = op & 0x08 ? (uint8_t)(in >> 1 | s << 7) : (uint8_t)(in << 1 | s);
        }
    }
    if (r)
        put(c, in);
    c->remaining--;
    return true;
}

static int header_len(uint8_t op)
{
    switch (op) {
    case 0x80: case 0x82: case 0x86: case 0x8F: case 0x9C: case 0x9D: return 3;
    case 0x8E: return 2;
    }
    if (valid_shift(op)) {
        if (op & 0x40)
            return 3;
        if (op & 0x02)
            return 2 + !!(op & 0x10);
        return 3;
    }
    return 1;
}

static bool simple_op(uint8_t op)
{
    switch (op) {
    case 0x80: case 0x81: case 0x82: case 0x83: case 0x84: case 0x85: case 0x86: case 0x87:
    case 0x88: case 0x89: case 0x8A: case 0x8B: case 0x8C: case 0x8D: case 0x8E: case 0x8F:
    case 0x94: case 0x95: case 0x96: case 0x97: case 0x9C: case 0x9D:
        return true;
    }
    return false;
}

static void bad_opcode(emu_chan *c, uint8_t op)
{
    emu_st.v_bad_opcode++;
    put(c, 0xFA);
    put(c, op);
}

/* One whole command whose header is in the FIFO. False: cannot proceed. */
static bool command(emu_chan *c)
{
    uint8_t op = peek(c, 0);
    int need = header_len(op);
    if (c->rx_count < need)
        return false;
    /* reply room needed by this command */
    int reply = op == 0x81 || op == 0x83 ? 1
              : valid_shift(op) ? ((op & 0x20) && (op & 0x42) ? 1 : 0)
              : simple_op(op) ? 0 : 2;
    if (!tx_room(c, reply))
        return false;
    uint8_t h[3] = {0};
    for (int i = 0; i < need; i++)
        h[i] = take(c);
    switch (op) {
    case 0x80:
        c->lo_val = h[1];
        c->lo_dir = h[2];
        drive(c);
        emu_st.gpio_high |= c->lo_val & c->lo_dir;
        pinlog(c);
        return true;
    case 0x82:
        c->hi_val = h[1];
        c->hi_dir = h[2];
        drive(c);
        emu_st.gpio_high |= (unsigned)(c->hi_val & c->hi_dir) << 8;
        pinlog(c);
        return true;
    case 0x81: put(c, emu_mpsse_pins_low(c)); return true;
    case 0x83: put(c, pins_high(c)); return true;
    case 0x84: c->loopback = true; return true;
    case 0x85: c->loopback = false; return true;
    case 0x86: c->divisor = (uint16_t)(h[1] | h[2] << 8); return true;
    case 0x87:
        c->flush_pos = c->tx_abs + c->tx_count;
        c->flush_t = (emu_ns)(c->mt + 0.999);
        emu_st.send_immediate++;
        return true;
    case 0x8A: c->div5 = false; return true;
    case 0x8B: c->div5 = true; return true;
    case 0x8C: c->three_phase = true; return true;
    case 0x8D: c->three_phase = false; return true;
    case 0x96: c->adaptive = true; return true;
    case 0x97: c->adaptive = false; return true;
    case 0x88: case 0x89: case 0x94: case 0x95: {
        /* GPIOL1 (AD5) has only its pull-up here: waits for high end at
         * once, waits for low never do. */
        bool want_high = op == 0x88 || op == 0x94;
        if (level(c, 5) != want_high) {
            emu_warn("MPSSE 0x%02X waits on GPIOL1 forever: channel %c stalls", op, 'A' + c->index);
            c->stuck = true;
        }
        return true;
    }
    case 0x8E:
        if (!adaptive_stall(c))
            clocks_only(c, h[1] + 1L);
        return true;
    case 0x8F:
        if (!adaptive_stall(c))
            clocks_only(c, ((long)(h[1] | h[2] << 8) + 1) * 8);
        return true;
    case 0x9C: case 0x9D: {
        bool stop_high = op == 0x9C;
        if (level(c, 5) != stop_high && !adaptive_stall(c))
            clocks_only(c, ((long)(h[1] | h[2] << 8) + 1) * 8);
        return true;
    }
    }
    if (!valid_shift(op)) {
        bad_opcode(c, op);
        return true;
    }
    if (adaptive_stall(c))
        return true;
    if (op & 0x40) { /* TMS: bits 0..n of the byte on AD3, bit 7 held on TDI */
        int n = (h[1] & 7) + 1;
        set_pin(c, 1, h[2] >> 7 & 1);
        drive(c);
        uint8_t in = 0;
        for (int i = 0; i < n; i++) {
            int s = clock_bit(c, 3, h[2] >> i & 1, op & 0x01, op & 0x04);
            in = (uint8_t)(in >> 1 | s << 7);
        }
        if (op & 0x20)
            put(c, in);
        return true;
    }
    if (op & 0x02) { /* bit mode: 1..8 bits */
        int n = (h[1] & 7) + 1;
        uint8_t in = 0;
        if (op & 0x10)
            in = shift8(c, op, h[2], n);
        else {
            int d = c->lo_val >> 1 & 1;
            for (int i = 0; i < n; i++) {
                int s = clock_bit(c, -1, d, op & 0x01, op & 0x04);
                in = op & 0x08 ? (uint8_t)(in >> 1 | s << 7) : (uint8_t)(in << 1 | s);
            }
        }
        if (op & 0x20)
            put(c, in);
        return true;
    }
    c->cmd[0] = op;
    c->remaining = (long)(h[1] | h[2] << 8) + 1;
    return true;
}

void emu_mpsse_run(emu_chan *c)
{
    if (c->bitmode != 2) {
        /* UART or reset mode: the bytes go out of TXD and are gone. */
        while (c->rx_count > 0)
            take(c);
        return;
    }
    while (!c->stuck) {
        if (c->remaining > 0) {
            if (!shift_step(c))
                return;
            continue;
        }
        if (c->rx_count == 0 || !command(c))
            return;
    }
}
