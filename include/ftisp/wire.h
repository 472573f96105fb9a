/* The wire: what a protocol (isp) needs from a USB bridge, and nothing of
 * FTDI. A bridge clocks bytes out and in on its serial lines, drives RESET
 * and spare pins, waits, sets its bit clock to a step it can make, and keeps
 * the first error it meets (sticky, as OpenOCD's mpsse.c does) until the
 * protocol takes it. Work is queued: nothing is guaranteed to have reached
 * the target, nor any reply to have arrived, before ft_wire_flush (or the
 * ft_wire_wait for a ticket) returns.
 *
 * Bridges live in src/wire/NAME/, each behind one struct of functions
 * (ft_wire_ops below) and described by its ft_bridge_NAME (ft_bridge
 * below); src/wire/bridges.def lists them, one line each. A bridge never
 * calls another. */
#ifndef FTISP_WIRE_H
#define FTISP_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ftisp/err.h"

struct ft_part;

typedef struct ft_wire ft_wire;
typedef struct ft_bridge ft_bridge;

/* Status LEDs some adapters have (avrdude's rdyled errled pgmled vfyled). */
enum ft_led { FT_LED_RDY, FT_LED_ERR, FT_LED_PGM, FT_LED_VFY, FT_LEDS };

/* How to find and wire the adapter. Pin numbers are the bridge's own (an
 * FT232H: 0-7 ADBUS, 8-15 ACBUS); the bridge checks them when it opens. */
typedef struct ft_wire_opts {
    uint16_t vid, pid;        /* 0: the bridge's usual IDs in its order */
    const char *serial;       /* NULL: any */
    int bus, address;         /* -1: any */
    int channel;              /* 0 = A, 1 = B (FT2232H/FT4232H) */
    int reset_pin;            /* pin driving target RESET; default 3 */
    int sck_pin, sdo_pin, sdi_pin; /* default 0, 1, 2 (fixed on MPSSE: AD0-AD2) */
    uint16_t invert;          /* pins with an inverter between adapter and target
                                 (avrdude's ~): driven and read inverted */
    int buffer_pin;           /* active-low buffer enable pin, -1: none */
    uint16_t buff_pins;       /* more buffer-enable pins (avrdude's buff), driven while open */
    uint16_t buff_high;       /* ...high where set here, low elsewhere */
    int led_pin[FT_LEDS];     /* enum ft_led; -1: none */
    bool led_low[FT_LEDS];    /* lit when driven low */
    int timeout_ms;           /* per USB call; default 1000 */
    const struct ft_part *part; /* the dry bridge's chip; others ignore it */
} ft_wire_opts;

void ft_wire_opts_default(ft_wire_opts *o);
/* -x KEY=PIN: a pin number lowest..15, decimal or 0x hex. */
int ft_wire_parse_pin(const char *key, const char *v, int lowest, int *pin, ft_err *err);

/* What the bridge can do. */
typedef struct ft_wire_caps {
    size_t max_batch;         /* bytes whose replies may be in flight at once */
    uint32_t clock_min_hz;    /* slowest bit clock it makes */
    uint32_t clock_max_hz;    /* fastest */
    bool host_memory;         /* the target is a chip in this process (no
                                 adapter, nothing survives the process) */
    bool timed_wait_cheaper;  /* polling costs more than waiting the datasheet's
                                 delay (ft_wire_delay_us) with nothing read back:
                                 the protocol may wait tWD instead of polling */
} ft_wire_caps;

/* Counters for -v and the benchmark. */
typedef struct ft_wire_stats {
    uint64_t writes, reads, bytes_out, bytes_in, flushes;
    uint64_t batches;         /* batches handed to USB */
    uint64_t spi_bytes;       /* bytes shifted on the target's wire */
} ft_wire_stats;

/* -vv: a line per USB batch and clock change, handed to fn (which may print
 * it; the wire never does). */
typedef void (*ft_wire_trace_fn)(void *ctx, const char *line);

/* Opens the bridge that drives programmer type `type` (progdb's type:
 * "avrftdi", "dryrun", ...). FT_E_USAGE for a type no bridge drives. */
int ft_wire_open(ft_wire **out, const char *type, const ft_wire_opts *o, ft_err *err);
/* The i-th bridge (0 first), NULL after the last. */
const ft_bridge *ft_wire_bridge(int i);
/* The bridge that drives programmer type `type`, NULL when none does. */
const ft_bridge *ft_wire_bridge_for(const char *type);
/* The programmer types the bridges drive, with what they are, in words. */
const char *ft_wire_types_driven(void);

/* One adapter found on USB. */
typedef struct ft_wire_found {
    const ft_bridge *bridge;
    const char *chip;   /* "FT232R" */
    uint16_t vid, pid;
    char serial[64];    /* "" when it has none: then bus and address */
    int bus, address;
} ft_wire_found;

/* Appends to out[*n] every adapter on USB that type's bridge drives (NULL:
 * any bridge's); an error when more than max - *n are there. */
int ft_wire_find(const char *type, ft_wire_found *out, int max, int *n, ft_err *err);
/* Releases RESET, lets go of the pins, frees. NULL is fine. */
void ft_wire_close(ft_wire *w);
/* Releases RESET and lets go of the pins now, even after a signal, and says
 * whether that reached the adapter: FT_E_LOST when it went away on the way
 * (RESET may then still be held). Errors from before are dropped: the
 * release is tried afresh. After it, only ft_wire_close. NULL is fine. */
int ft_wire_release(ft_wire *w, ft_err *err);

const char *ft_wire_describe(const ft_wire *w);   /* "FT232H serial FT1234" */
const char *ft_wire_serial(const ft_wire *w);     /* USB serial number or "" */
const ft_wire_caps *ft_wire_caps_of(const ft_wire *w);

/* The fastest bit clock the bridge makes not above hz (queued); returns it. */
uint32_t ft_wire_set_clock(ft_wire *w, uint32_t hz);
uint32_t ft_wire_clock(const ft_wire *w);

/* Pin changes, queued: RESET asserted (low at the target) or released; an
 * LED; a spare pin as an output. */
void ft_wire_reset(ft_wire *w, bool asserted);
void ft_wire_led(ft_wire *w, int led, bool on);
void ft_wire_pin(ft_wire *w, int pin, bool high);

/* Clocks n bytes out, most significant bit first (SPI mode 0); if in is not
 * NULL the n bytes clocked in are stored there by the flush or wait that
 * covers them (in must stay valid till then). */
void ft_wire_shift(ft_wire *w, const uint8_t *out, uint8_t *in, size_t n);

/* Sends everything queued and waits for every reply: a barrier. */
int ft_wire_flush(ft_wire *w);
/* Pipelining: hands the queue to the bridge without waiting (a ticket, 0 if
 * nothing was sent or an error is set); wait reads replies up to it. */
uint64_t ft_wire_send(ft_wire *w);
int ft_wire_wait(ft_wire *w, uint64_t ticket);
/* Flushes, then waits us microseconds (a delay the target needs). */
int ft_wire_sleep_us(ft_wire *w, uint32_t us);
/* Queues a wait: nothing queued later reaches the target until at least us
 * microseconds after everything queued before it has; no flush, no reply.
 * Bridges without a queued wait flush and sleep. A signal never cuts a wait
 * whose bytes before it were sent. */
int ft_wire_delay_us(ft_wire *w, uint32_t us);

/* Signals (ftisp/interrupt.h) stop the queue before its next batch unless
 * held (a write the target is busy with must be waited out). */
void ft_wire_hold_interrupts(ft_wire *w, bool hold);
int ft_wire_check_interrupt(ft_wire *w);

/* The sticky error, FT_OK if none; take copies it into err and clears it. */
int ft_wire_error(const ft_wire *w);
int ft_wire_take_error(ft_wire *w, ft_err *err);

void ft_wire_get_stats(const ft_wire *w, ft_wire_stats *s);
void ft_wire_set_trace(ft_wire *w, ft_wire_trace_fn fn, void *ctx);

/* ---- for bridges only ---- */

/* One bridge: its functions over its own state (void *). */
typedef struct ft_wire_ops {
    void (*close)(void *b);
    int (*release)(void *b, ft_err *err);   /* NULL: nothing to let go */
    const char *(*describe)(const void *b);
    const char *(*serial)(const void *b);
    uint32_t (*set_clock)(void *b, uint32_t hz);
    uint32_t (*clock)(const void *b);
    void (*reset)(void *b, bool asserted);
    void (*led)(void *b, int led, bool on);
    void (*pin)(void *b, int pin, bool high);
    void (*shift)(void *b, const uint8_t *out, uint8_t *in, size_t n);
    int (*flush)(void *b);
    uint64_t (*send)(void *b);
    int (*wait)(void *b, uint64_t ticket);
    int (*sleep_us)(void *b, uint32_t us);
    int (*delay_us)(void *b, uint32_t us);   /* NULL: sleep_us */
    void (*hold_interrupts)(void *b, bool hold);
    int (*check_interrupt)(void *b);
    int (*error)(const void *b);
    int (*take_error)(void *b, ft_err *err);
    void (*get_stats)(const void *b, ft_wire_stats *s);
    void (*set_trace)(void *b, ft_wire_trace_fn fn, void *ctx);
} ft_wire_ops;

/* A bridge's open function: fills *ops, *b and *caps. */
typedef int (*ft_wire_open_fn)(const ft_wire_opts *o, const ft_wire_ops **ops, void **b, ft_wire_caps *caps,
                               ft_err *err);

/* A USB chip a bridge drives. */
typedef struct ft_wire_chip {
    uint16_t vid, pid;
    const char *name;   /* "FT232H" */
} ft_wire_chip;

/* What the wire knows of a bridge: data, each bridge defining its own as
 * ft_bridge_NAME, listed in src/wire/bridges.def. */
struct ft_bridge {
    const char *type;      /* progdb's programmer type that selects it */
    const char *desc;      /* what it drives, for messages */
    const char *how;       /* -P ? says how it drives its chips */
    /* A station's adapter of this bridge takes this programmer's wiring
     * when -c names another bridge's programmer; NULL: never. */
    const char *default_programmer;
    const ft_wire_chip *chips;   /* ended by a zero pid; NULL: none on a bus */
    ft_wire_open_fn open;
};

#endif
