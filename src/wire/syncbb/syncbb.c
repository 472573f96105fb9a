/* The bit-bang bridge: ISP through the eight UART/modem pins of an FT232R
 * (0403:6001) or FT231X/FT230X (0403:6015) in synchronous bit-bang mode,
 * avrdude's programmer type "ftdi_syncbb". Pins are numbered as avrdude does:
 * 0-7 = D0-D7 = TXD RXD RTS# CTS# DTR# DSR# DCD# RI#; an inverted pin (~) is
 * driven and read through the inverter.
 *
 * The byte clock. The chip's baud generator divides 3 MHz by a divisor n + f
 * (n a 14-bit integer, f in eighths; FT232R datasheet "Baud Rates"); in
 * bit-bang mode the engine applies one byte per tick at 16 x that baud rate
 * (FTDI AN_232R-01), i.e. 48 MHz / divisor, and no faster than 3 MHz (the
 * rate FTDI's figures and common use give; divisors under 16 would ask
 * more). libftdi1's ftdi_set_baudrate(R) multiplies R by 4 once bit-bang is
 * on and rounds to the nearest divisor, so through it bytes run at 64 x R,
 * capped: avrdude's default R = 150000 gives 3 MHz bytes. This bridge does
 * not go through that rounding: it sends SET_BAUDRATE itself with a divisor
 * of 16 or more, rounded up, so the byte clock is exactly 48 MHz / divisor
 * and never faster than computed. An SCK phase is `phase` whole bytes, so
 * SCK = 48 MHz / (divisor x 2 x phase): 1.5 MHz at the fastest. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libusb.h>

#include "syncbb_priv.h"

#define SIO_SET_BAUDRATE 3

static const char *pin_name(int pin)
{
    static const char *const n[8] = {"TXD", "RXD", "RTS#", "CTS#", "DTR#", "DSR#", "DCD#", "RI#"};
    return pin >= 0 && pin < 8 ? n[pin] : "?";
}

static int check_pins(const ft_wire_opts *o, ft_err *err)
{
    const int fixed[4] = {o->reset_pin, o->sck_pin, o->sdo_pin, o->sdi_pin};
    const char *what[4] = {"reset", "sck", "sdo", "sdi"};
    uint16_t used = 0;
    for (int i = 0; i < 4; i++) {
        if (fixed[i] < 0 || fixed[i] > 7)
            return ft_err_set(err, FT_E_USAGE, "%s pin %d: a bit-bang adapter has pins 0-7 (D0-D7: TXD RXD "
                              "RTS# CTS# DTR# DSR# DCD# RI#)", what[i], fixed[i]);
        if (used >> fixed[i] & 1)
            return ft_err_set(err, FT_E_USAGE, "%s pin %d (%s) is also used for another signal", what[i],
                              fixed[i], pin_name(fixed[i]));
        used |= (uint16_t)(1u << fixed[i]);
    }
    if (o->buffer_pin >= 0) {
        if (o->buffer_pin > 7 || (used >> o->buffer_pin & 1))
            return ft_err_set(err, FT_E_USAGE, "buffer pin %d: expected a free pin 0-7", o->buffer_pin);
        used |= (uint16_t)(1u << o->buffer_pin);
    }
    if ((o->buff_pins & used) || (o->buff_pins & 0xff00))
        return ft_err_set(err, FT_E_USAGE, "buffer pins 0x%04x: expected free pins 0-7", o->buff_pins);
    used |= o->buff_pins;
    for (int i = 0; i < FT_LEDS; i++) {
        if (o->led_pin[i] < 0)
            continue;
        if (o->led_pin[i] > 7 || (used >> o->led_pin[i] & 1))
            return ft_err_set(err, FT_E_USAGE, "LED pin %d: expected a free pin 0-7", o->led_pin[i]);
        used |= (uint16_t)(1u << o->led_pin[i]);
    }
    if (o->invert & 0xff00)
        return ft_err_set(err, FT_E_USAGE, "inverted pins 0x%04x: a bit-bang adapter has pins 0-7", o->invert);
    return FT_OK;
}

/* ---- the clock ---- */

static int send_divisor(sb *s, uint32_t div8)
{
    static const uint8_t code_of_eighths[8] = {0, 3, 2, 4, 1, 5, 6, 7};
    uint32_t enc = (div8 >> 3) | (uint32_t)code_of_eighths[div8 & 7] << 14;
    int r = libusb_control_transfer(s->ftdi->usb_dev, 0x40, SIO_SET_BAUDRATE, (uint16_t)(enc & 0xffff),
                                    (uint16_t)(enc >> 16), NULL, 0, (unsigned)s->o.timeout_ms);
    if (r < 0)
        return sb_lost(s, "setting the byte clock failed", r);
    return FT_OK;
}

/* The divisor (in eighths) and phase for the fastest SCK not above hz. */
static void choose(uint32_t hz, uint32_t *div8, uint32_t *phase)
{
    if (hz == 0)
        hz = 1;
    for (uint32_t p = 1;; p++) {
        /* SCK = 48 MHz * 8 / (div8 * 2 * p) <= hz */
        uint64_t d = ((uint64_t)SB_BYTE_BASE_HZ * 4u + (uint64_t)hz * p - 1) / ((uint64_t)hz * p);
        if (d < SB_DIV8_MIN)
            d = SB_DIV8_MIN;
        if (d <= SB_DIV8_MAX || p == SB_PHASE_MAX) {
            *div8 = d > SB_DIV8_MAX ? SB_DIV8_MAX : (uint32_t)d;
            *phase = p;
            return;
        }
    }
}

static uint32_t sck_of(uint32_t div8, uint32_t phase)
{
    /* rounded up: never below the true rate, which is itself <= the ask */
    uint64_t den = (uint64_t)div8 * phase;
    return (uint32_t)(((uint64_t)SB_BYTE_BASE_HZ * 4u + den - 1) / den);
}

static uint32_t sb_set_clock(sb *s, uint32_t hz)
{
    uint32_t div8, phase;
    choose(hz, &div8, &phase);
    uint32_t sck = sck_of(div8, phase);
    if (sck > hz && hz >= SB_CLOCK_MIN_HZ) /* cannot happen: rounding guard */
        div8++, sck = sck_of(div8, phase);
    /* bytes already queued go out at the old rate */
    if (sb_flush(s))
        return s->sck;
    if (div8 != s->div8 && send_divisor(s, div8))
        return s->sck;
    s->div8 = div8;
    s->phase = phase;
    s->sck = sck;
    s->byte_hz = (uint32_t)((uint64_t)SB_BYTE_BASE_HZ * 8u / div8);
    sb_trace(s, "SCK %.4g kHz asked, %.4g kHz set (48 MHz / %.3f = %.4g kHz bytes, %u per phase)", hz / 1e3,
             sck / 1e3, div8 / 8.0, s->byte_hz / 1e3, phase);
    return s->sck;
}

/* ---- pins ---- */

static void set_bit(uint8_t *v, uint8_t m, bool high)
{
    *v = high ? (uint8_t)(*v | m) : (uint8_t)(*v & ~m);
}

static void sb_reset(sb *s, bool asserted)
{
    sb_sck_low(s);
    set_bit(&s->level, s->m_reset, !asserted);
    sb_put_level(s);
}

static void sb_led(sb *s, int led, bool on)
{
    if (led < 0 || led >= FT_LEDS || s->o.led_pin[led] < 0)
        return;
    sb_sck_low(s);
    set_bit(&s->level, (uint8_t)(1u << s->o.led_pin[led]), on != s->o.led_low[led]);
    sb_put_level(s);
}

static void sb_pin(sb *s, int pin, bool high)
{
    if (pin < 0 || pin > 7)
        return;
    uint8_t m = (uint8_t)(1u << pin);
    if ((m & (s->m_reset | s->m_sck | s->m_sdo | s->m_sdi)))
        return;
    sb_sck_low(s);
    set_bit(&s->level, m, high);
    if (!(s->dir & m)) {
        /* a new output: the direction mask goes with SET_BITMODE */
        if (sb_flush(s))
            return;
        s->dir |= m;
        sb_put_level(s);
        if (sb_flush(s))
            return;
        sb_to_sync(s, s->dir);
        return;
    }
    sb_put_level(s);
}

/* ---- open and close ---- */

static void free_all(sb *s)
{
    sb_free_xfers(s);
    if (s->ftdi) {
        if (s->usb_open)
            ftdi_usb_close(s->ftdi);
        ftdi_free(s->ftdi);
    }
    free(s->q);
    free(s->dst);
    free(s->marks);
    free(s->smp);
    free(s->rbuf);
    free(s);
}

static int open_usb(sb *s, ft_err *err)
{
    const ft_wire_opts *o = &s->o;
    int rc = -3;
    char what[128];
    if (o->bus >= 0 && o->address >= 0) {
        snprintf(what, sizeof what, "USB bus %d device %d", o->bus, o->address);
        rc = ftdi_usb_open_bus_addr(s->ftdi, (uint8_t)o->bus, (uint8_t)o->address);
    } else {
        uint16_t vid = o->vid ? o->vid : 0x0403;
        /* avrdude's entries name 0403:6001; an FT231X/FT230X is wired the same */
        uint16_t pids[2] = {o->pid ? o->pid : 0x6001, 0};
        if (vid == 0x0403 && pids[0] == 0x6001)
            pids[1] = 0x6015;
        snprintf(what, sizeof what, "%04x:%04x%s%s%s", vid, pids[0], pids[1] ? " or 0403:6015" : "",
                 o->serial ? " serial " : "", o->serial ? o->serial : "");
        for (int i = 0; i < 2 && pids[i] && rc == -3; i++)
            rc = ftdi_usb_open_desc_index(s->ftdi, vid, pids[i], NULL, o->serial, 0);
    }
    if (rc == 0) {
        s->usb_open = true;
        return FT_OK;
    }
    const char *why = ftdi_get_error_string(s->ftdi);
    if (rc == -3 || rc == -1 || (o->bus >= 0 && rc == -2))
        return ft_err_set(err, FT_E_NODEV, "no adapter found: looked on USB for an FT232R/FT231X/FT230X "
                          "(%s). Check that it is plugged in (`lsusb -d 0403:` lists FTDI chips), the -c "
                          "programmer and -P serial, and that the USB cable carries data (-P ? lists adapters)",
                          what);
    if (rc == -4 || rc == -8)
        return ft_err_set(err, FT_E_NODEV, "found %s but could not open it (%s): permission denied? install "
                          "60-ftisp.rules in /etc/udev/rules.d or run as root", what, why);
    if (rc == -5 || rc == -6)
        return ft_err_set(err, FT_E_NODEV, "found %s but could not claim it (%s): is another program (a "
                          "serial terminal, ftdi_sio) using it?", what, why);
    return ft_err_set(err, FT_E_NODEV, "could not open %s: %s (libftdi %d)", what, why, rc);
}

static void describe(sb *s)
{
    int bus = -1, addr = -1;
    s->serial[0] = '\0';
    libusb_device_handle *h = s->ftdi->usb_dev;
    uint16_t pid = 0;
    if (h) {
        libusb_device *d = libusb_get_device(h);
        struct libusb_device_descriptor dd;
        bus = libusb_get_bus_number(d);
        addr = libusb_get_device_address(d);
        if (libusb_get_device_descriptor(d, &dd) == 0) {
            pid = dd.idProduct;
            if (dd.iSerialNumber &&
                libusb_get_string_descriptor_ascii(h, dd.iSerialNumber, (unsigned char *)s->serial,
                                                   sizeof s->serial) < 0)
                s->serial[0] = '\0';
        }
    }
    s->chip = "FTDI";
    s->fifo_out = 128;
    s->fifo_in = 256;
    switch (s->ftdi->type) {
    case TYPE_R: s->chip = "FT232R"; break;
    case TYPE_230X: s->chip = pid == 0x6015 ? "FT231X/FT230X" : "FT-X"; s->fifo_out = s->fifo_in = 512; break;
    default: break;
    }
    snprintf(s->desc, sizeof s->desc, "%s%s%s (usb %d/%d, bit-bang)", s->chip, s->serial[0] ? " serial " : "",
             s->serial, bus, addr);
}

/* Writes three bytes toggling SDO and checks the samples: one per byte, each
 * showing the byte before it. Proves the chip is in synchronous mode and
 * that this bridge reads MISO from the right sample. */
static int self_test(sb *s)
{
    uint8_t probe[3], got[3] = {0};
    uint8_t base = (uint8_t)(s->level & ~(s->m_sck | s->m_sdo));
    probe[0] = (uint8_t)((base | s->m_sdo) ^ s->inv);
    probe[1] = (uint8_t)(base ^ s->inv);
    probe[2] = (uint8_t)(base ^ s->inv);
    int w = ftdi_write_data(s->ftdi, probe, 3);
    if (w != 3)
        return sb_lost(s, "USB write failed during the bit-bang self-test", w);
    uint64_t deadline = sb_monotonic_us() + (uint64_t)s->o.timeout_ms * 1000u;
    int n = 0;
    while (n < 3) {
        int k = 0;
        int r = libusb_bulk_transfer(s->ftdi->usb_dev, (unsigned char)s->ftdi->out_ep, s->rbuf, 64, &k,
                                     (unsigned)s->o.timeout_ms);
        if (r < 0 && r != LIBUSB_ERROR_TIMEOUT)
            return sb_lost(s, "USB read failed during the bit-bang self-test", r);
        for (int i = 2; i < k && n < 3; i++)
            got[n++] = s->rbuf[i];
        if (n < 3 && sb_monotonic_us() > deadline)
            break;
    }
    if (n != 3 || !((got[1] ^ s->inv) & s->m_sdo) || ((got[2] ^ s->inv) & s->m_sdo))
        return sb_fail(s, FT_E_LOST, "%s: synchronous bit-bang self-test failed (%d samples for 3 bytes, "
                       "SDO pin %d read %d then %d, expected 1 then 0): is it an FT232R or FT-X, and is "
                       "nothing else driving %s?", s->desc, n, s->o.sdo_pin,
                       n > 1 ? !!((got[1] ^ s->inv) & s->m_sdo) : -1,
                       n > 2 ? !!((got[2] ^ s->inv) & s->m_sdo) : -1, pin_name(s->o.sdo_pin));
    s->q_first += 3;
    s->smp_first = s->rcvd = s->q_first;
    return FT_OK;
}

static int setup(sb *s, ft_err *err)
{
    struct ftdi_context *f = s->ftdi;
    int rc;
    if (f->type == TYPE_232H || f->type == TYPE_2232H || f->type == TYPE_4232H)
        return ft_err_set(err, FT_E_USAGE, "%s is an MPSSE chip: program through it with an MPSSE "
                          "programmer (-c ft232h, -c 2232h, ...), not a bit-bang one", s->desc);
    if (f->type != TYPE_R && f->type != TYPE_230X)
        return ft_err_set(err, FT_E_NODEV, "%s: not an FT232R or FT-X chip: ftisp drives only those in "
                          "bit-bang mode", s->desc);
    if (strcmp(s->chip, "FT231X/FT230X") == 0) {
        /* an FT230X has only D0-D3; whether D4-D7 exist cannot be asked, so
         * only say so when something fails */
    }
    s->m_reset = (uint8_t)(1u << s->o.reset_pin);
    s->m_sck = (uint8_t)(1u << s->o.sck_pin);
    s->m_sdo = (uint8_t)(1u << s->o.sdo_pin);
    s->m_sdi = (uint8_t)(1u << s->o.sdi_pin);
    s->inv = (uint8_t)s->o.invert;
    s->dir = (uint8_t)(s->m_reset | s->m_sck | s->m_sdo | s->o.buff_pins);
    /* RESET released, SCK and SDO low, buffers enabled, LEDs off */
    s->level = (uint8_t)(s->m_reset | (s->o.buff_pins & s->o.buff_high));
    if (s->o.buffer_pin >= 0)
        s->dir |= (uint8_t)(1u << s->o.buffer_pin);   /* active low: driven low */
    for (int i = 0; i < FT_LEDS; i++)
        if (s->o.led_pin[i] >= 0) {
            s->dir |= (uint8_t)(1u << s->o.led_pin[i]);
            if (s->o.led_low[i])
                s->level |= (uint8_t)(1u << s->o.led_pin[i]);
        }
    s->window = s->fifo_in + s->fifo_out;
    /* two SET_BITMODE requests (1 to 2 ms each) against the IN packets
     * saved (64 samples, about 1/19 ms, per 64 bytes): worth it from about
     * 4 KiB on; FTISP_SYNCBB_ASYNC=0 keeps every byte synchronous */
    const char *am = getenv("FTISP_SYNCBB_ASYNC");
    s->async_min = am && strcmp(am, "0") == 0 ? 0 : 4096;
    uint8_t first = (uint8_t)(s->level ^ s->inv);
    /* The output latch keeps its value across modes (0xFF after power-up):
     * load it with the idle levels while every pin is still an input, so
     * that entering bit-bang drives no pulse (an inverted RESET line would
     * otherwise reset the target). */
    if ((rc = ftdi_usb_reset(f)) < 0 || (rc = ftdi_set_latency_timer(f, 1)) < 0 ||
        (rc = ftdi_tcioflush(f)) < 0 || (rc = ftdi_write_data_set_chunksize(f, 65536)) < 0 ||
        (rc = ftdi_set_bitmode(f, 0, BITMODE_BITBANG)) < 0 || (rc = ftdi_write_data(f, &first, 1)) != 1 ||
        (rc = ftdi_set_bitmode(f, s->dir, BITMODE_SYNCBB)) < 0 || (rc = ftdi_tcioflush(f)) < 0)
        return ft_err_set(err, FT_E_LOST, "%s: setting up bit-bang mode failed: %s (libftdi %d)", s->desc,
                          ftdi_get_error_string(f), rc);
    s->div8 = 0;
    sb_set_clock(s, 100000);
    if (!s->err.code)
        self_test(s);
    if (s->err.code)
        return sb_take_error(s, err);
    return FT_OK;
}

static int sb_release(sb *s, ft_err *err)
{
    if (!s || !s->usb_open || s->released)
        return FT_OK;
    s->released = true;
    ft_err ignore = {0};
    sb_take_error(s, &ignore);   /* the caller had its chance to report it */
    s->hold_interrupts++;   /* after a signal, above all: RESET must go */
    /* RESET released (target runs), then every pin an input: the
     * target's pull-up keeps RESET high and buffers disable */
    sb_reset(s, false);
    sb_flush(s);
    int r;
    if (s->inv & s->m_reset) {
        /* through an inverter a let-go pin (pulled up) would hold the
         * target in reset: keep driving RESET released, nothing else */
        r = ftdi_set_bitmode(s->ftdi, s->m_reset, BITMODE_BITBANG);
    } else {
        r = ftdi_set_bitmode(s->ftdi, 0, BITMODE_SYNCBB);
        if (r >= 0)
            r = ftdi_set_bitmode(s->ftdi, 0, BITMODE_RESET);
    }
    if (r < 0)
        sb_fail(s, FT_E_LOST, "adapter lost: %s: letting go of the pins failed (%d); was it unplugged?", s->desc, r);
    return sb_take_error(s, err);
}

static void sb_close(sb *s)
{
    if (!s)
        return;
    ft_err ignore = {0};
    sb_release(s, &ignore);
    free_all(s);
}

/* ---- the wire ---- */

static void w_close(void *b) { sb_close(b); }
static int w_release(void *b, ft_err *err) { return sb_release(b, err); }
static const char *w_describe(const void *b) { return ((const sb *)b)->desc; }
static const char *w_serial(const void *b) { return ((const sb *)b)->serial; }
static uint32_t w_set_clock(void *b, uint32_t hz) { return sb_set_clock(b, hz); }
static uint32_t w_clock(const void *b) { return ((const sb *)b)->sck; }
static void w_reset(void *b, bool asserted) { sb_reset(b, asserted); }
static void w_led(void *b, int led, bool on) { sb_led(b, led, on); }
static void w_pin(void *b, int pin, bool high) { sb_pin(b, pin, high); }
static void w_shift(void *b, const uint8_t *out, uint8_t *in, size_t n) { sb_shift(b, out, in, n); }
static int w_flush(void *b) { return sb_flush(b); }
static uint64_t w_send(void *b) { return sb_send(b); }
static int w_wait(void *b, uint64_t ticket) { return sb_wait(b, ticket); }
static int w_sleep_us(void *b, uint32_t us) { return sb_sleep_us(b, us); }
static int w_delay_us(void *b, uint32_t us) { return sb_delay_us(b, us); }
static void w_hold(void *b, bool hold) { ((sb *)b)->hold_interrupts += hold ? 1 : -1; }
static int w_check_interrupt(void *b) { return sb_check_interrupt(b); }
static int w_error(const void *b) { return ((const sb *)b)->err.code; }
static int w_take_error(void *b, ft_err *err) { return sb_take_error(b, err); }
static void w_stats(const void *b, ft_wire_stats *st) { *st = ((const sb *)b)->st; }
static void w_trace(void *b, ft_wire_trace_fn fn, void *ctx)
{
    ((sb *)b)->trace = fn;
    ((sb *)b)->trace_ctx = ctx;
}

static const ft_wire_ops syncbb_ops = {
    .close = w_close, .release = w_release, .describe = w_describe, .serial = w_serial,
    .set_clock = w_set_clock, .clock = w_clock,
    .reset = w_reset, .led = w_led, .pin = w_pin,
    .shift = w_shift, .flush = w_flush, .send = w_send, .wait = w_wait, .sleep_us = w_sleep_us,
    .delay_us = w_delay_us,
    .hold_interrupts = w_hold, .check_interrupt = w_check_interrupt,
    .error = w_error, .take_error = w_take_error,
    .get_stats = w_stats, .set_trace = w_trace,
};

static int ft_syncbb_wire_open(const ft_wire_opts *o, const ft_wire_ops **ops, void **b, ft_wire_caps *caps,
                               ft_err *err)
{
    int rc = check_pins(o, err);
    if (rc)
        return rc;
    sb *s = calloc(1, sizeof *s);
    if (!s)
        return ft_err_set(err, FT_E_FAIL, "out of memory");
    s->o = *o;
    if (s->o.timeout_ms <= 0)
        s->o.timeout_ms = 1000;
    s->ftdi = ftdi_new();
    s->rbuf = malloc(4096);
    if (!s->ftdi || !s->rbuf) {
        free_all(s);
        return ft_err_set(err, FT_E_FAIL, "out of memory");
    }
    s->ftdi->usb_read_timeout = s->o.timeout_ms;
    s->ftdi->usb_write_timeout = s->o.timeout_ms;
    snprintf(s->desc, sizeof s->desc, "FTDI bit-bang adapter");
    rc = open_usb(s, err);
    if (rc == FT_OK) {
        describe(s);
        rc = setup(s, err);
    }
    if (rc) {
        free_all(s);
        return rc;
    }
    *ops = &syncbb_ops;
    *b = s;
    *caps = (ft_wire_caps){
        /* SPI bytes whose samples fit in the chip's FIFOs at once */
        .max_batch = s->window / 16u,
        .clock_min_hz = SB_CLOCK_MIN_HZ,
        .clock_max_hz = SB_BYTE_BASE_HZ / SB_DIV8_MIN * 8u / 2u,
        /* a poll needs samples back, so the chip must be synchronous: two
         * SET_BITMODE requests (1-2 ms each) per page write; waiting tWD
         * with the chip asynchronous streams the loads, writes and waits of
         * a whole write phase after one */
        .timed_wait_cheaper = s->async_min != 0,
    };
    return FT_OK;
}

static const ft_wire_chip syncbb_chips[] = {
    {0x0403, 0x6001, "FT232R"},
    {0x0403, 0x6015, "FT231X/FT230X"},
    {0, 0, NULL},
};

const ft_bridge ft_bridge_syncbb = {
    .type = "ftdi_syncbb",
    .desc = "FT232R, FT231X, FT230X in synchronous bit-bang",
    .how = "bit-bang (-c arduino-ft232r, ft232r, ...)",
    .default_programmer = "arduino-ft232r",
    .chips = syncbb_chips,
    .open = ft_syncbb_wire_open,
};
