/* Programmers (-c): ftisp's built-in FTDI boards and the avrdude.conf-style
 * `programmer` entries read from -C files and ~/.avrduderc. Every entry keeps
 * its type, its pins as written (pins[]) and its USB ids, whatever the type;
 * entries are judged only when selected. Entries of avrdude's type "avrftdi"
 * (FT2232H, FT4232H, FT232H boards in MPSSE mode, ISP wiring) can be driven:
 * for them the MPSSE fields (reset_pin, buff_pins, led_pin...) are derived
 * from pins[], and what does not fit the MPSSE engine is kept in `problem`.
 * "ftdi_syncbb" entries (FT232R/FT245R bit-bang) are kept with their pins
 * for the bit-bang bridge; other types only so that -c names what they are. */
#ifndef FTISP_PROGDB_H
#define FTISP_PROGDB_H

#include <stdbool.h>
#include <stdint.h>

#include "ftisp/err.h"
#include "ftisp/wire.h"

/* Pin functions of an avrdude programmer entry. */
enum ft_pin_fn {
    FT_PIN_RESET, FT_PIN_SCK, FT_PIN_SDO, FT_PIN_SDI, FT_PIN_BUFF, FT_PIN_VCC,
    FT_PIN_RDYLED, FT_PIN_ERRLED, FT_PIN_PGMLED, FT_PIN_VFYLED, FT_PIN_FNS
};
#define FT_PINS_MAX 8
typedef struct ft_pins {
    int n;                    /* 0: not given (or `key = ;`) */
    int pin[FT_PINS_MAX];     /* as numbered in the file (bit-bang: D0-D7 are 0-7) */
    bool low[FT_PINS_MAX];    /* ~: inverted */
} ft_pins;

typedef struct ft_programmer {
    char id[32];
    char desc[96];
    char type[24];            /* "avrftdi", "dryrun", "ftdi_syncbb", "usbasp"...; "" none given */
    uint16_t vid, pid;        /* pid: the first of pids */
    uint16_t pids[8];         /* usbpid's list */
    int npids;
    char usbdev[8];           /* usbdev as written, "" none */
    ft_pins pins[FT_PIN_FNS]; /* every type: pins as written */
    char problem[320];        /* avrftdi: why the MPSSE cannot use these pins ("" fine) */
    int channel;              /* usbdev: 0 = A, 1 = B */
    char serial[64];          /* usbsn, "" for any */
    int reset_pin;            /* 3..15 (ADBUS3-7, ACBUS0-7); bit-bang: 0-7 (D0-D7) */
    int sck_pin, sdo_pin, sdi_pin; /* 0, 1, 2 on MPSSE; any of D0-D7 for ftdi_syncbb */
    uint16_t invert;          /* pins written ~ (through an inverter): ftdi_syncbb only */
    uint16_t buff_pins;       /* buffer-enable pins, driven while ftisp owns the adapter */
    uint16_t buff_high;       /* ...high where set here (no ~), else low */
    int led_pin[FT_LEDS];     /* -1: none */
    bool led_low[FT_LEDS];    /* ~: lit when driven low */
    char source[96];          /* "built in" or file:line */
} ft_programmer;

typedef struct ft_progdb {
    int n, cap;
    ft_programmer *v;
    char default_id[32];      /* default_programmer */
    double default_bitclock;  /* default_bitclock, microseconds; 0 none */
} ft_progdb;

/* The built-in programmers. */
int ft_progdb_init(ft_progdb *db, ft_err *err);
void ft_progdb_free(ft_progdb *db);
/* Adds an entry, replacing one with the same id (case-insensitive). */
int ft_progdb_put(ft_progdb *db, const ft_programmer *p, ft_err *err);
const ft_programmer *ft_progdb_find(const ft_progdb *db, const char *id);
/* A blank entry: no pins, reset on AD3. */
void ft_programmer_blank(ft_programmer *p);
/* For avrftdi entries: derives channel, reset_pin, buff_pins/buff_high and
 * the LEDs from usbdev and pins[], or describes in p->problem (prefixed with
 * p->source) why an FTDI MPSSE cannot be wired so. Other types: nothing. */
void ft_programmer_derive(ft_programmer *p);
/* A one-line description of a programmer type ("usbasp" -> "USBasp, ...")
 * or NULL when ftisp does not know it. */
const char *ft_programmer_type_desc(const char *type);

#endif
