/* The programmer list: ftisp's built-in boards (avrdude's avrftdi entries,
 * same ids, same wiring) plus what -C files and ~/.avrduderc add. */
#include "ftisp/progdb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void ft_programmer_blank(ft_programmer *p)
{
    memset(p, 0, sizeof *p);
    p->reset_pin = 3;
    p->sck_pin = 0;
    p->sdo_pin = 1;
    p->sdi_pin = 2;
    for (int i = 0; i < FT_LEDS; i++)
        p->led_pin[i] = -1;
}

bool ft_programmer_drivable(const ft_programmer *p)
{
    return strcmp(p->type, "avrftdi") == 0 || strcmp(p->type, "ftdi_syncbb") == 0 ||
           strcmp(p->type, "dryrun") == 0;
}

#define LOW(pin) ((uint16_t)(1u << (pin)))

typedef struct builtin {
    const char *id, *desc;
    uint16_t vid, pid;
    int channel, reset;
    uint16_t buff, buff_high;
    int led[FT_LEDS];         /* rdy err pgm vfy, -1 none; all ~ (active low) here */
} builtin;

#define NOLED {-1, -1, -1, -1}
static const builtin BUILTIN[] = {
    {"ft232h", "FT232H board (AD0 SCK, AD1 SDO, AD2 SDI, AD3 RESET)", 0x0403, 0x6014, 0, 3, 0, 0, NOLED},
    {"um232h", "FTDI UM232H module (J2-7 SCK, J2-8 SDO, J2-9 SDI, J2-10 RESET)", 0x0403, 0x6014, 0, 3, 0, 0, NOLED},
    {"c232hm", "FTDI C232HM cable (orange SCK, yellow SDO, green SDI, brown RESET)", 0x0403, 0x6014, 0, 3, 0, 0, NOLED},
    {"2232h", "FT2232H board, channel A (AD0-AD2 SPI, AD3 RESET)", 0x0403, 0x6010, 0, 3, 0, 0, NOLED},
    {"ft2232h", "FT2232H board, channel A (-x channel=B for B)", 0x0403, 0x6010, 0, 3, 0, 0, NOLED},
    {"avrftdi", "avrdude's generic FT2232H programmer, channel A", 0x0403, 0x6010, 0, 3, 0, 0, NOLED},
    {"2232hio", "2232hio: FT2232H with a 74AC244 buffer (~AD4) and LEDs", 0x0403, 0x6010, 0, 3, LOW(4), 0,
     {14, 11, 13, 12}},
    {"tigard", "Tigard board, channel B (BD0-BD2 SPI, BD5 RESET)", 0x0403, 0x6010, 1, 5, 0, 0, NOLED},
    {"avrisp-u", "Kanda AVRISP-U (RESET AD4, buffer ~AD5, PGM LED ~AC2)", 0x0403, 0x6010, 0, 4, LOW(5), 0,
     {-1, -1, 10, -1}},
    {"4232h", "FT4232H board, channel A", 0x0403, 0x6011, 0, 3, 0, 0, NOLED},
    {"ft4232h", "FT4232H board, channel A (-x channel=B for B)", 0x0403, 0x6011, 0, 3, 0, 0, NOLED},
    {"jtagkey", "Amontec JTAGKey (buffer ~AD4; TMS RESET, TCK SCK, TDI SDO, TDO SDI)", 0x0403, 0xcff8, 0, 3,
     LOW(4), 0, NOLED},
    {"o-link", "O-Link/OpenJTAG v3.1 (JTAGKey wiring)", 0x1457, 0x5118, 0, 3, LOW(4), 0, NOLED},
    {"openmoko", "Openmoko debug board v3", 0x1457, 0x5118, 0, 3, 0, 0, NOLED},
    {"lm3s811", "Luminary Micro LM3S811 eval board rev. A (buffer AD7 high)", 0x0403, 0xbcd9, 0, 3, LOW(7),
     LOW(7), NOLED},
    {"tumpa", "TIAO USB Multi-Protocol Adapter, first SPI connector", 0x0403, 0x8a98, 0, 3, 0, 0, NOLED},
    {"tumpa-b", "TIAO USB Multi-Protocol Adapter, second SPI connector", 0x0403, 0x8a98, 1, 3, 0, 0, NOLED},
    {"ktlink", "Kristech KT-LINK (RESET AC0, buffers AD5 ~AC2 ~AC5 ~AC6, RDY LED ~AC7)", 0x0403, 0xbbe2, 0, 8,
     LOW(5) | LOW(10) | LOW(13) | LOW(14), LOW(5), {15, -1, -1, -1}},
    {"digilent-hs2", "Digilent JTAG-HS2 (buffers AD5 AD6 AD7 high)", 0x0403, 0x6014, 0, 3,
     LOW(5) | LOW(6) | LOW(7), LOW(5) | LOW(6) | LOW(7), NOLED},
    {"flyswatter2", "TinCan Tools Flyswatter 2 (buffer ~AD6, RDY ~AC3, PGM ~AC4)", 0x0403, 0x6010, 0, 3, LOW(6),
     0, {11, -1, 12, -1}},
};

/* avrdude's ftdi_syncbb entries (FT232R/FT245R/FT-X in synchronous bit-bang):
 * pins D0-D7 = TXD RXD RTS# CTS# DTR# DSR# DCD# RI# */
typedef struct builtin_bb {
    const char *id, *desc;
    int reset, sck, sdo, sdi;
} builtin_bb;

static const builtin_bb BUILTIN_BB[] = {
    {"arduino-ft232r", "Arduino Diecimila/Duemilanove FT232R, X3 pads (RI RESET, DSR SCK, DCD SDO, CTS SDI)", 7,
     5, 6, 3},
    {"diecimila", "Arduino Diecimila FT232R (as arduino-ft232r)", 7, 5, 6, 3},
    {"ft232r", "FT232R board (DTR RESET, TXD SCK, RTS SDO, RXD SDI)", 4, 0, 2, 1},
    {"ft245r", "FT245R board (D4 RESET, D0 SCK, D2 SDO, D1 SDI)", 4, 0, 2, 1},
    {"bwmega", "BitWizard ftdi_atmega (RI RESET, DCD SCK, CTS SDO, DSR SDI)", 7, 6, 3, 5},
    {"uncompatino", "uncompatino (RI RESET, DSR SCK, DCD SDO, CTS SDI)", 7, 5, 6, 3},
    {"ttl232r", "FTDI TTL-232R cable with ICSP adapter (TXD RESET, RXD SCK, CTS SDO, RTS SDI)", 0, 1, 3, 2},
};

static int put_bitbang(ft_progdb *db, ft_err *err)
{
    for (size_t i = 0; i < sizeof BUILTIN_BB / sizeof BUILTIN_BB[0]; i++) {
        const builtin_bb *b = &BUILTIN_BB[i];
        ft_programmer p;
        ft_programmer_blank(&p);
        snprintf(p.id, sizeof p.id, "%s", b->id);
        snprintf(p.desc, sizeof p.desc, "%s", b->desc);
        snprintf(p.type, sizeof p.type, "ftdi_syncbb");
        snprintf(p.source, sizeof p.source, "built in");
        p.vid = 0x0403;
        p.pid = 0x6001;
        p.reset_pin = b->reset;
        p.sck_pin = b->sck;
        p.sdo_pin = b->sdo;
        p.sdi_pin = b->sdi;
        int rc = ft_progdb_put(db, &p, err);
        if (rc != FT_OK)
            return rc;
    }
    return FT_OK;
}

int ft_progdb_init(ft_progdb *db, ft_err *err)
{
    memset(db, 0, sizeof *db);
    for (size_t i = 0; i < sizeof BUILTIN / sizeof BUILTIN[0]; i++) {
        const builtin *b = &BUILTIN[i];
        ft_programmer p;
        ft_programmer_blank(&p);
        snprintf(p.id, sizeof p.id, "%s", b->id);
        snprintf(p.desc, sizeof p.desc, "%s", b->desc);
        snprintf(p.type, sizeof p.type, "avrftdi");
        snprintf(p.source, sizeof p.source, "built in");
        p.vid = b->vid;
        p.pid = b->pid;
        p.channel = b->channel;
        p.reset_pin = b->reset;
        p.buff_pins = b->buff;
        p.buff_high = b->buff_high;
        for (int k = 0; k < FT_LEDS; k++) {
            p.led_pin[k] = b->led[k];
            p.led_low[k] = b->led[k] >= 0;
        }
        if (strcmp(p.id, "avrisp-u") == 0)
            snprintf(p.serial, sizeof p.serial, "AVR");
        int rc = ft_progdb_put(db, &p, err);
        if (rc != FT_OK)
            return rc;
    }
    int rcb = put_bitbang(db, err);
    if (rcb != FT_OK)
        return rcb;
    ft_programmer d;
    ft_programmer_blank(&d);
    snprintf(d.id, sizeof d.id, "dryrun");
    snprintf(d.desc, sizeof d.desc, "no adapter: the part's memories in host memory, factory fuses");
    snprintf(d.type, sizeof d.type, "dryrun");
    snprintf(d.source, sizeof d.source, "built in");
    return ft_progdb_put(db, &d, err);
}

void ft_progdb_free(ft_progdb *db)
{
    free(db->v);
    memset(db, 0, sizeof *db);
}

int ft_progdb_put(ft_progdb *db, const ft_programmer *p, ft_err *err)
{
    for (int i = 0; i < db->n; i++)
        if (strcasecmp(db->v[i].id, p->id) == 0) {
            db->v[i] = *p;
            return FT_OK;
        }
    if (db->n == db->cap) {
        int cap = db->cap ? db->cap * 2 : 32;
        ft_programmer *v = realloc(db->v, (size_t)cap * sizeof *v);
        if (!v)
            return ft_err_set(err, FT_E_FAIL, "out of memory");
        db->v = v;
        db->cap = cap;
    }
    db->v[db->n++] = *p;
    return FT_OK;
}

const ft_programmer *ft_progdb_find(const ft_progdb *db, const char *id)
{
    for (int i = 0; i < db->n; i++)
        if (strcasecmp(db->v[i].id, id) == 0)
            return &db->v[i];
    return NULL;
}
