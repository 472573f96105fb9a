/* The wire's front: the table of bridges (bridges.def), finding their
 * adapters on USB, and calls passed to the bridge that was opened. Adding a
 * bridge is its own folder under src/wire/ and one line in bridges.def. */
#include "ftisp/wire.h"

#include <ftdi.h>
#include <libusb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BRIDGE(name) extern const ft_bridge ft_bridge_##name;
#include "bridges.def"
#undef BRIDGE

static const ft_bridge *const bridges[] = {
#define BRIDGE(name) &ft_bridge_##name,
#include "bridges.def"
#undef BRIDGE
};

struct ft_wire {
    const ft_wire_ops *ops;
    void *b;
    ft_wire_caps caps;
};

void ft_wire_opts_default(ft_wire_opts *o)
{
    memset(o, 0, sizeof *o);
    o->bus = -1;
    o->address = -1;
    o->reset_pin = 3;
    o->sck_pin = 0;
    o->sdo_pin = 1;
    o->sdi_pin = 2;
    o->buffer_pin = -1;
    for (int i = 0; i < FT_LEDS; i++)
        o->led_pin[i] = -1;
    o->timeout_ms = 1000;
}

int ft_wire_parse_pin(const char *key, const char *v, int lowest, int *pin, ft_err *err)
{
    char *end;
    long n = strtol(v, &end, 0);
    if (end == v || *end || n < lowest || n > 15)
        return ft_err_set(err, FT_E_USAGE, "-x %s=%s: expected a pin number %d to 15 (ADBUS%d-7, ACBUS0-7)",
                          key, v, lowest, lowest);
    *pin = (int)n;
    return FT_OK;
}

const ft_bridge *ft_wire_bridge(int i)
{
    return i >= 0 && (size_t)i < sizeof bridges / sizeof bridges[0] ? bridges[i] : NULL;
}

const char *ft_wire_types_driven(void)
{
    static char text[400];
    if (text[0])
        return text;
    size_t len = 0;
    for (int i = 0; ft_wire_bridge(i); i++)
        len += (size_t)snprintf(text + len, len < sizeof text ? sizeof text - len : 0, "%s\"%s\" (%s)",
                                i == 0 ? "" : ft_wire_bridge(i + 1) ? ", " : " and ", bridges[i]->type,
                                bridges[i]->desc);
    return text;
}

const ft_bridge *ft_wire_bridge_for(const char *type)
{
    for (int i = 0; type && ft_wire_bridge(i); i++)
        if (strcmp(bridges[i]->type, type) == 0)
            return bridges[i];
    return NULL;
}

int ft_wire_open(ft_wire **out, const char *type, const ft_wire_opts *o, ft_err *err)
{
    *out = NULL;
    const ft_bridge *br = ft_wire_bridge_for(type);
    if (!br)
        return ft_err_set(err, FT_E_USAGE, "programmer type %s: no bridge drives it", type ? type : "(none)");
    ft_wire *w = calloc(1, sizeof *w);
    if (!w)
        return ft_err_set(err, FT_E_FAIL, "out of memory");
    int rc = br->open(o, &w->ops, &w->b, &w->caps, err);
    if (rc != FT_OK) {
        free(w);
        return rc;
    }
    *out = w;
    return FT_OK;
}

void ft_wire_close(ft_wire *w)
{
    if (!w)
        return;
    w->ops->close(w->b);
    free(w);
}

int ft_wire_release(ft_wire *w, ft_err *err)
{
    return w && w->ops->release ? w->ops->release(w->b, err) : FT_OK;
}

const char *ft_wire_describe(const ft_wire *w) { return w->ops->describe(w->b); }
const char *ft_wire_serial(const ft_wire *w) { return w->ops->serial(w->b); }
const ft_wire_caps *ft_wire_caps_of(const ft_wire *w) { return &w->caps; }
uint32_t ft_wire_set_clock(ft_wire *w, uint32_t hz) { return w->ops->set_clock(w->b, hz); }
uint32_t ft_wire_clock(const ft_wire *w) { return w->ops->clock(w->b); }
void ft_wire_reset(ft_wire *w, bool asserted) { w->ops->reset(w->b, asserted); }
void ft_wire_shift(ft_wire *w, const uint8_t *out, uint8_t *in, size_t n) { w->ops->shift(w->b, out, in, n); }
int ft_wire_flush(ft_wire *w) { return w->ops->flush(w->b); }
uint64_t ft_wire_send(ft_wire *w) { return w->ops->send(w->b); }
int ft_wire_wait(ft_wire *w, uint64_t ticket) { return w->ops->wait(w->b, ticket); }
int ft_wire_sleep_us(ft_wire *w, uint32_t us) { return w->ops->sleep_us(w->b, us); }
int ft_wire_delay_us(ft_wire *w, uint32_t us)
{
    return w->ops->delay_us ? w->ops->delay_us(w->b, us) : w->ops->sleep_us(w->b, us);
}
void ft_wire_hold_interrupts(ft_wire *w, bool hold) { w->ops->hold_interrupts(w->b, hold); }
int ft_wire_check_interrupt(ft_wire *w) { return w->ops->check_interrupt(w->b); }
int ft_wire_error(const ft_wire *w) { return w->ops->error(w->b); }
int ft_wire_take_error(ft_wire *w, ft_err *err) { return w->ops->take_error(w->b, err); }
void ft_wire_get_stats(const ft_wire *w, ft_wire_stats *s) { w->ops->get_stats(w->b, s); }

/* LEDs, pins and traces are optional: NULL (no adapter) is fine. */
void ft_wire_led(ft_wire *w, int led, bool on)
{
    if (w)
        w->ops->led(w->b, led, on);
}

void ft_wire_pin(ft_wire *w, int pin, bool high)
{
    if (w)
        w->ops->pin(w->b, pin, high);
}

void ft_wire_set_trace(ft_wire *w, ft_wire_trace_fn fn, void *ctx)
{
    if (w)
        w->ops->set_trace(w->b, fn, ctx);
}

/* ---- finding adapters: the libftdi context is freed before returning, so
 * a station can fork and each process open its own ---- */

static int find_chip(struct ftdi_context *f, const ft_bridge *br, const ft_wire_chip *c, ft_wire_found *out,
                     int max, int *n, ft_err *err)
{
    struct ftdi_device_list *list = NULL;
    if (ftdi_usb_find_all(f, &list, c->vid, c->pid) < 0)
        return ft_err_set(err, FT_E_NODEV, "looking for adapters on USB: %s", ftdi_get_error_string(f));
    int rc = FT_OK;
    for (struct ftdi_device_list *d = list; d; d = d->next) {
        if (*n >= max) {
            rc = ft_err_set(err, FT_E_USAGE, "more than %d adapters found; name them with -P usb:SERIAL", max);
            break;
        }
        ft_wire_found *a = &out[(*n)++];
        memset(a, 0, sizeof *a);
        a->bridge = br;
        a->chip = c->name;
        a->vid = c->vid;
        a->pid = c->pid;
        char manuf[64] = "", desc[64] = "";
        ftdi_usb_get_strings(f, d->dev, manuf, sizeof manuf, desc, sizeof desc, a->serial, sizeof a->serial);
        a->bus = libusb_get_bus_number(d->dev);
        a->address = libusb_get_device_address(d->dev);
    }
    ftdi_list_free(&list);
    return rc;
}

int ft_wire_find(const char *type, ft_wire_found *out, int max, int *n, ft_err *err)
{
    struct ftdi_context *f = NULL;
    int rc = FT_OK;
    for (int i = 0; rc == FT_OK && ft_wire_bridge(i); i++) {
        const ft_bridge *br = bridges[i];
        if (!br->chips || (type && strcmp(type, br->type) != 0))
            continue;
        if (!f && !(f = ftdi_new()))
            return ft_err_set(err, FT_E_FAIL, "out of memory");
        for (const ft_wire_chip *c = br->chips; rc == FT_OK && c->pid; c++)
            rc = find_chip(f, br, c, out, max, n, err);
    }
    if (f)
        ftdi_free(f);
    return rc;
}
