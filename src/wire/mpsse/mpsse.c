/* Opening, configuring and closing an FT232H/FT2232H/FT4232H channel for
 * MPSSE SPI (FTDI AN_135's sequence: reset, purge, latency, bitmode reset,
 * bitmode MPSSE, bad-opcode sync check). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libusb.h>

#include "mpsse_priv.h"

const ft_wire_chip mp_chips[] = {
    {0x0403, 0x6014, "FT232H"},
    {0x0403, 0x6010, "FT2232H"},
    {0x0403, 0x6011, "FT4232H"},
    {0, 0, NULL},
};

const char *ft_mpsse_describe(const ft_mpsse *m)
{
    return m->desc[0] ? m->desc : "FTDI adapter";
}

const char *ft_mpsse_serial(const ft_mpsse *m)
{
    return m->serial;
}

size_t ft_mpsse_fifo_size(const ft_mpsse *m)
{
    return m->fifo;
}

static void free_all(ft_mpsse *m)
{
    if (m->ftdi) {
        if (m->usb_open)
            ftdi_usb_close(m->ftdi);
        ftdi_free(m->ftdi);
    }
    free(m->cmd);
    free(m->dst);
    free(m->seg);
    free(m->rbuf);
    free(m);
}

static int check_pins(const ft_mpsse_opts *o, ft_err *err)
{
    if (o->sck_pin != 0 || o->sdo_pin != 1 || o->sdi_pin != 2)
        return ft_err_set(err, FT_E_USAGE, "sck %d, sdo %d, sdi %d: the MPSSE engine has them on AD0, AD1 "
                          "and AD2 (0, 1, 2)", o->sck_pin, o->sdo_pin, o->sdi_pin);
    if (o->invert)
        return ft_err_set(err, FT_E_USAGE, "inverted pins (~) are not supported on an MPSSE adapter");
    if (o->reset_pin < 3 || o->reset_pin > 15)
        return ft_err_set(err, FT_E_USAGE,
                          "reset pin %d: expected 3..15 (AD0..AD2 carry SCK, SDO and SDI)", o->reset_pin);
    if (o->buffer_pin != -1 && (o->buffer_pin < 3 || o->buffer_pin > 15 || o->buffer_pin == o->reset_pin))
        return ft_err_set(err, FT_E_USAGE,
                          "buffer pin %d: expected 3..15 and not the reset pin %d", o->buffer_pin,
                          o->reset_pin);
    uint16_t used = (uint16_t)(7u | 1u << o->reset_pin | (o->buffer_pin >= 0 ? 1u << o->buffer_pin : 0));
    if (o->buff_pins & used)
        return ft_err_set(err, FT_E_USAGE, "buffer pins 0x%04x: AD0-AD2, RESET (%d) and -x buff are taken",
                          o->buff_pins, o->reset_pin);
    used |= o->buff_pins;
    for (int i = 0; i < 4; i++) {
        if (o->led_pin[i] < 0)
            continue;
        if (o->led_pin[i] > 15 || (used >> o->led_pin[i] & 1))
            return ft_err_set(err, FT_E_USAGE, "LED pin %d: expected a free pin 3..15", o->led_pin[i]);
        used |= (uint16_t)(1u << o->led_pin[i]);
    }
    if (o->channel < 0 || o->channel > 1)
        return ft_err_set(err, FT_E_USAGE, "channel %d: expected A or B (MPSSE channels)", o->channel);
    return FT_OK;
}

/* The FTDI adapters on the bus, for a message: "FT232H serial X (usb 1/4)".
 * Sets *only_232h when every one of them is a single-channel FT232H. */
static void list_found(struct ftdi_context *f, char *buf, size_t len, bool *only_232h)
{
    struct ftdi_device_list *list = NULL, *d;
    size_t n = 0;
    buf[0] = '\0';
    *only_232h = false;
    if (ftdi_usb_find_all(f, &list, 0, 0) <= 0) {
        snprintf(buf, len, "none");
        return;
    }
    *only_232h = true;
    for (d = list; d && n < len; d = d->next) {
        struct libusb_device_descriptor dd;
        const char *chip = "FTDI";
        bool known = libusb_get_device_descriptor(d->dev, &dd) == 0;
        for (const ft_wire_chip *c = mp_chips; known && c->pid; c++)
            if (dd.idVendor == c->vid && dd.idProduct == c->pid)
                chip = c->name;
        if (strcmp(chip, "FT232H") != 0)
            *only_232h = false;
        char serial[64] = "";
        if (ftdi_usb_get_strings(f, d->dev, NULL, 0, NULL, 0, serial, sizeof serial) < 0 || !serial[0])
            snprintf(serial, sizeof serial, "(none)");
        n += (size_t)snprintf(buf + n, len - n, "%s%s serial %s (usb %d/%d)", n ? ", " : "", chip, serial,
                              libusb_get_bus_number(d->dev), libusb_get_device_address(d->dev));
    }
    ftdi_list_free(&list);
}

static int open_usb(ft_mpsse *m, ft_err *err)
{
    const ft_mpsse_opts *o = &m->o;
    int rc = -3;
    char what[96];
    if (o->bus >= 0 && o->address >= 0) {
        snprintf(what, sizeof what, "USB bus %d device %d", o->bus, o->address);
        rc = ftdi_usb_open_bus_addr(m->ftdi, (uint8_t)o->bus, (uint8_t)o->address);
    } else if (o->vid || o->pid) {
        snprintf(what, sizeof what, "%04x:%04x%s%s", o->vid ? o->vid : 0x0403, o->pid ? o->pid : 0x6014,
                 o->serial ? " serial " : "", o->serial ? o->serial : "");
        rc = ftdi_usb_open_desc_index(m->ftdi, o->vid ? o->vid : 0x0403, o->pid ? o->pid : 0x6014, NULL,
                                      o->serial, 0);
    } else {
        snprintf(what, sizeof what, "an FT232H, FT2232H or FT4232H (0403:6014/6010/6011)%s%s",
                 o->serial ? " with serial " : "", o->serial ? o->serial : "");
        for (const ft_wire_chip *c = mp_chips; c->pid && rc == -3; c++)
            rc = ftdi_usb_open_desc_index(m->ftdi, c->vid, c->pid, NULL, o->serial, 0);
    }
    if (rc == 0) {
        m->usb_open = true;
        return FT_OK;
    }
    const char *why = ftdi_get_error_string(m->ftdi);
    char found[256];
    bool only_232h;
    if (rc == -3 || rc == -1 || (o->bus >= 0 && rc == -2)) {
        list_found(m->ftdi, found, sizeof found, &only_232h);
        return ft_err_set(err, FT_E_NODEV, "no adapter found: looked on USB for %s; found: %s. Check that it is "
                          "plugged in (`lsusb -d 0403:` lists FTDI chips), the -c programmer and -P "
                          "serial, and that the USB cable carries data", what, found);
    }
    if (rc == -4 || rc == -8)
        return ft_err_set(err, FT_E_NODEV,
                          "found %s but could not open it (%s): permission denied? install "
                          "60-ftisp.rules in /etc/udev/rules.d or run as root",
                          what, why);
    if ((rc == -5 || rc == -6) && o->channel == 1) {
        list_found(m->ftdi, found, sizeof found, &only_232h);
        if (only_232h)
            return ft_err_set(err, FT_E_USAGE, "-x channel=B: the FT232H has one channel (A); channel B needs "
                              "an FT2232H or FT4232H (found: %s)", found);
    }
    if (rc == -5 || rc == -6)
        return ft_err_set(err, FT_E_NODEV, "found %s but could not claim it (%s): is another program using it?",
                          what, why);
    return ft_err_set(err, FT_E_NODEV, "could not open %s: %s (libftdi %d)", what, why, rc);
}

static void describe(ft_mpsse *m)
{
    const char *chip = "FTDI";
    switch (m->ftdi->type) {
    case TYPE_232H: chip = "FT232H"; m->fifo = 1024; break;
    case TYPE_2232H: chip = "FT2232H"; m->fifo = 4096; break;
    case TYPE_4232H: chip = "FT4232H"; m->fifo = 2048; break;
    default: break;
    }
    int bus = -1, addr = -1;
    m->serial[0] = '\0';
    libusb_device_handle *h = m->ftdi->usb_dev;
    if (h) {
        libusb_device *d = libusb_get_device(h);
        struct libusb_device_descriptor dd;
        bus = libusb_get_bus_number(d);
        addr = libusb_get_device_address(d);
        if (libusb_get_device_descriptor(d, &dd) == 0 && dd.iSerialNumber)
            if (libusb_get_string_descriptor_ascii(h, dd.iSerialNumber, (unsigned char *)m->serial,
                                                   sizeof m->serial) < 0)
                m->serial[0] = '\0';
    }
    snprintf(m->desc, sizeof m->desc, "%s%s%s (usb %d/%d%s)", chip, m->serial[0] ? " serial " : "",
             m->serial, bus, addr,
             m->ftdi->type == TYPE_232H ? "" : m->o.channel ? ", channel B" : ", channel A");
}

/* Sends a bad opcode and expects 0xFA and the opcode back: proves the MPSSE
 * parses our stream from its first byte. Bytes before the answer are stale
 * output from before the reset and are skipped. */
static int sync_check(ft_mpsse *m, uint8_t bad)
{
    uint8_t c[2] = {bad, MP_SEND_IMMEDIATE};
    uint64_t start = mp_monotonic_us(), deadline = start + (uint64_t)m->o.timeout_ms * 1000u;
    uint64_t resend = 0;
    uint8_t prev = 0, b;
    int seen = 0;
    /* a byte that reached the chip before the mode switch settled is lost:
     * ask again now and then */
    while (mp_monotonic_us() <= deadline && seen < 256) {
        if (mp_monotonic_us() >= resend) {
            int w = ftdi_write_data(m->ftdi, c, 2);
            if (w != 2)
                return mp_fail(m, FT_E_LOST, "adapter lost: %s: USB write failed during sync (libftdi %d); was "
                               "it unplugged?",
                               ft_mpsse_describe(m), w);
            resend = mp_monotonic_us() + 100000;
        }
        int r = ftdi_read_data(m->ftdi, &b, 1);
        if (r < 0)
            return mp_fail(m, FT_E_LOST, "adapter lost: %s: USB read failed during sync (libftdi %d); was it "
                           "unplugged?", ft_mpsse_describe(m), r);
        if (r == 0)
            continue;
        seen++;
        if (prev == 0xFA && b == bad) {
            /* answers to earlier tries may follow: drop them */
            ftdi_tcioflush(m->ftdi);
            return FT_OK;
        }
        prev = b;
    }
    return mp_fail(m, FT_E_LOST,
                   "%s: MPSSE not in sync (bad opcode 0x%02X not answered with FA %02X): "
                   "unplug and replug the adapter",
                   ft_mpsse_describe(m), bad, bad);
}

static int setup(ft_mpsse *m, ft_err *err)
{
    struct ftdi_context *f = m->ftdi;
    int rc;
    if (f->type != TYPE_232H && f->type != TYPE_2232H && f->type != TYPE_4232H) {
        return ft_err_set(err, FT_E_NODEV, "%s has no MPSSE engine: ftisp needs an FT232H, FT2232H or FT4232H",
                          ft_mpsse_describe(m));
    }
    if (f->type == TYPE_232H && m->o.channel != 0)
        return ft_err_set(err, FT_E_USAGE, "%s has only channel A", ft_mpsse_describe(m));
    if ((rc = ftdi_usb_reset(f)) < 0 || (rc = ftdi_set_latency_timer(f, 1)) < 0 ||
        (rc = ftdi_tcioflush(f)) < 0 || (rc = ftdi_set_bitmode(f, 0, BITMODE_RESET)) < 0)
        return ft_err_set(err, FT_E_LOST, "%s: setting up USB failed: %s (libftdi %d)", ft_mpsse_describe(m),
                          ftdi_get_error_string(f), rc);

    m->lo_dir = MP_PIN_SCK | MP_PIN_SDO;
    m->lo_val = 0;
    m->hi_val = m->hi_dir = 0;
    int rp = m->o.reset_pin, bp = m->o.buffer_pin;
    if (rp < 8) {
        m->lo_dir |= (uint8_t)(1u << rp);
        m->lo_val |= (uint8_t)(1u << rp);
    } else {
        m->hi_dir |= (uint8_t)(1u << (rp - 8));
        m->hi_val |= (uint8_t)(1u << (rp - 8));
    }
    if (bp >= 0) /* active low: driven low (enabled) while we own the pins */
        *(bp < 8 ? &m->lo_dir : &m->hi_dir) |= (uint8_t)(1u << (bp & 7));
    /* buffers enabled, LEDs off (the inactive level) */
    uint16_t drive = m->o.buff_pins, high = m->o.buff_high;
    for (int i = 0; i < 4; i++)
        if (m->o.led_pin[i] >= 0) {
            drive |= (uint16_t)(1u << m->o.led_pin[i]);
            if (m->o.led_low[i])
                high |= (uint16_t)(1u << m->o.led_pin[i]);
        }
    m->lo_dir |= (uint8_t)drive;
    m->hi_dir |= (uint8_t)(drive >> 8);
    m->lo_val |= (uint8_t)(high & drive);
    m->hi_val |= (uint8_t)((high & drive) >> 8);

    if ((rc = ftdi_set_bitmode(f, m->lo_dir, BITMODE_MPSSE)) < 0)
        return ft_err_set(err, FT_E_LOST, "%s: entering MPSSE mode failed: %s (libftdi %d)",
                          ft_mpsse_describe(m), ftdi_get_error_string(f), rc);
    /* AN_135 lets the engine settle before talking to it; the sync check
     * below retries, so a short pause does */
    struct timespec ts = {0, 5 * 1000 * 1000};
    nanosleep(&ts, NULL);
    ftdi_tcioflush(f);
    if (sync_check(m, 0xAA) || sync_check(m, 0xAB))
        return ft_mpsse_take_error(m, err);

    uint8_t c[] = {MP_DIV5_OFF, MP_ADAPTIVE_OFF, MP_3PHASE_OFF, MP_LOOPBACK_OFF};
    mp_put(m, c, sizeof c);
    ft_mpsse_set_sck(m, 100000);
    mp_set_pins(m);
    if (ft_mpsse_flush(m))
        return ft_mpsse_take_error(m, err);
    return FT_OK;
}

int ft_mpsse_open(ft_mpsse **out, const ft_mpsse_opts *o, ft_err *err)
{
    *out = NULL;
    if (!o)
        return ft_err_set(err, FT_E_USAGE, "internal: no adapter options");
    int rc = check_pins(o, err);
    if (rc)
        return rc;
    ft_mpsse *m = calloc(1, sizeof *m);
    if (!m)
        return ft_err_set(err, FT_E_FAIL, "out of memory");
    m->o = *o;
    if (m->o.timeout_ms <= 0)
        m->o.timeout_ms = 1000;
    m->fifo = 1024;
    m->ftdi = ftdi_new();
    m->rbuf = malloc(4096);
    if (!m->ftdi || !m->rbuf) {
        free_all(m);
        return ft_err_set(err, FT_E_FAIL, "out of memory");
    }
    m->ftdi->usb_read_timeout = m->o.timeout_ms;
    m->ftdi->usb_write_timeout = m->o.timeout_ms;
    ftdi_set_interface(m->ftdi, m->o.channel ? INTERFACE_B : INTERFACE_A);
    rc = open_usb(m, err);
    if (rc == FT_OK) {
        describe(m);
        rc = setup(m, err);
    }
    if (rc) {
        free_all(m);
        return rc;
    }
    *out = m;
    return FT_OK;
}

int ft_mpsse_release(ft_mpsse *m, ft_err *err)
{
    if (!m || !m->usb_open || m->released)
        return FT_OK;
    m->released = true;
    ft_err ignore = {0};
    ft_mpsse_take_error(m, &ignore);   /* the caller had its chance to report it */
    m->hold_interrupts++;   /* after a signal, above all: RESET must go */
    /* RESET high first (target runs), then every pin an input: the
     * target's own pull-up keeps RESET high and the buffer disables */
    ft_mpsse_reset(m, false);
    ft_mpsse_flush(m);
    m->lo_dir = m->hi_dir = 0;
    m->lo_val = m->hi_val = 0;
    mp_set_pins(m);
    ft_mpsse_flush(m);
    return ft_mpsse_take_error(m, err);
}

void ft_mpsse_close(ft_mpsse *m)
{
    if (!m)
        return;
    if (m->usb_open) {
        ft_err ignore = {0};
        ft_mpsse_release(m, &ignore);
        ftdi_set_bitmode(m->ftdi, 0, BITMODE_RESET);
    }
    free_all(m);
}
