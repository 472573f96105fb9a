/* Programmers (-c): ftisp's built-in FTDI MPSSE boards and the
 * avrdude.conf-style `programmer` entries read from -C files and
 * ~/.avrduderc. Only entries of avrdude's type "avrftdi" (FT2232H, FT4232H,
 * FT232H boards in MPSSE mode, ISP wiring) can be driven; other entries are
 * kept only so that -c names what they are. */
#ifndef FTISP_PROGDB_H
#define FTISP_PROGDB_H

#include <stdbool.h>
#include <stdint.h>

#include "ftisp/err.h"
#include "ftisp/wire.h"

typedef struct ft_programmer {
    char id[32];
    char desc[96];
    char type[24];            /* "avrftdi", "ftdi_syncbb", "dryrun"; anything else cannot be driven */
    uint16_t vid, pid;
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
bool ft_programmer_drivable(const ft_programmer *p);

#endif
