/* The MPSSE bridge behind the wire interface: each wire call is the
 * ft_mpsse call of the same name. */
#include "mpsse_priv.h"

static void w_close(void *b) { ft_mpsse_close(b); }
static int w_release(void *b, ft_err *err) { return ft_mpsse_release(b, err); }
static const char *w_describe(const void *b) { return ft_mpsse_describe(b); }
static const char *w_serial(const void *b) { return ft_mpsse_serial(b); }
static uint32_t w_set_clock(void *b, uint32_t hz) { return ft_mpsse_set_sck(b, hz); }
static uint32_t w_clock(const void *b) { return ft_mpsse_sck(b); }
static void w_reset(void *b, bool asserted) { ft_mpsse_reset(b, asserted); }
static void w_led(void *b, int led, bool on) { ft_mpsse_led(b, led, on); }
static void w_pin(void *b, int pin, bool high) { ft_mpsse_pin(b, pin, high); }
static void w_shift(void *b, const uint8_t *out, uint8_t *in, size_t n) { ft_mpsse_spi(b, out, in, n); }
static int w_flush(void *b) { return ft_mpsse_flush(b); }
static uint64_t w_send(void *b) { return ft_mpsse_send(b); }
static int w_wait(void *b, uint64_t ticket) { return ft_mpsse_wait(b, ticket); }
static int w_sleep_us(void *b, uint32_t us) { return ft_mpsse_sleep_us(b, us); }
static void w_hold(void *b, bool hold) { ft_mpsse_hold_interrupts(b, hold); }
static int w_check_interrupt(void *b) { return ft_mpsse_check_interrupt(b); }
static int w_error(const void *b) { return ft_mpsse_error(b); }
static int w_take_error(void *b, ft_err *err) { return ft_mpsse_take_error(b, err); }
static void w_stats(const void *b, ft_wire_stats *s) { ft_mpsse_get_stats(b, s); }
static void w_trace(void *b, ft_wire_trace_fn fn, void *ctx) { ft_mpsse_set_trace(b, fn, ctx); }

static const ft_wire_ops mpsse_ops = {
    .close = w_close, .release = w_release, .describe = w_describe, .serial = w_serial,
    .set_clock = w_set_clock, .clock = w_clock,
    .reset = w_reset, .led = w_led, .pin = w_pin,
    .shift = w_shift, .flush = w_flush, .send = w_send, .wait = w_wait, .sleep_us = w_sleep_us,
    .hold_interrupts = w_hold, .check_interrupt = w_check_interrupt,
    .error = w_error, .take_error = w_take_error,
    .get_stats = w_stats, .set_trace = w_trace,
};

static int ft_mpsse_wire_open(const ft_wire_opts *o, const ft_wire_ops **ops, void **b, ft_wire_caps *caps,
                              ft_err *err)
{
    ft_mpsse *m = NULL;
    int rc = ft_mpsse_open(&m, o, err);
    if (rc != FT_OK)
        return rc;
    *ops = &mpsse_ops;
    *b = m;
    *caps = (ft_wire_caps){
        .max_batch = ft_mpsse_fifo_size(m),
        .clock_min_hz = FT_MPSSE_SCK_MIN_HZ,
        .clock_max_hz = 30000000u,
    };
    return FT_OK;
}

const ft_bridge ft_bridge_mpsse = {
    .type = "avrftdi",
    .desc = "FTDI FT232H, FT2232H, FT4232H in MPSSE mode",
    .how = "MPSSE (-c ft232h, ...)",
    .default_programmer = "ft232h",
    .chips = mp_chips,
    .open = ft_mpsse_wire_open,
};
