/* The programmer list: ftisp's built-in boards (avrdude's avrftdi entries,
 * same ids, same wiring; its ftdi_syncbb entries, kept for the bit-bang
 * bridge) plus what -C files and ~/.avrduderc add. */
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

static void pin_set(ft_pins *ps, int pin, bool low)
{
    ps->n = 1;
    ps->pin[0] = pin;
    ps->low[0] = low;
}

#define PROBLEM(...) snprintf(p->problem, sizeof p->problem, __VA_ARGS__)

/* ftdi_syncbb: one pin each for RESET, SCK, SDO and SDI among D0-D7, ~
 * allowed (an inverter on the line); buffers and LEDs on the other pins. */
static void derive_bitbang(ft_programmer *p)
{
    static const char *const name[] = {"reset", "sck", "sdo", "sdi"};
    static const int fn[] = {FT_PIN_RESET, FT_PIN_SCK, FT_PIN_SDO, FT_PIN_SDI};
    int *dst[] = {&p->reset_pin, &p->sck_pin, &p->sdo_pin, &p->sdi_pin};
    uint16_t used = 0;
    p->invert = 0;
    for (int i = 0; i < 4; i++) {
        const ft_pins *ps = &p->pins[fn[i]];
        if (ps->n != 1) {
            PROBLEM("%s: %s: one pin 0-7 (D0-D7) expected, found %d", p->source, name[i], ps->n);
            return;
        }
        if (ps->pin[0] < 0 || ps->pin[0] > 7) {
            PROBLEM("%s: %s = %d: a bit-bang programmer has pins 0-7 (D0-D7)", p->source, name[i], ps->pin[0]);
            return;
        }
        if (used >> ps->pin[0] & 1) {
            PROBLEM("%s: %s = %d: pin already used", p->source, name[i], ps->pin[0]);
            return;
        }
        used |= (uint16_t)(1u << ps->pin[0]);
        *dst[i] = ps->pin[0];
        if (ps->low[0])
            p->invert |= (uint16_t)(1u << ps->pin[0]);
    }
    const ft_pins *b = &p->pins[FT_PIN_BUFF];
    p->buff_pins = p->buff_high = 0;
    for (int i = 0; i < b->n; i++) {
        if (b->pin[i] < 0 || b->pin[i] > 7 || (used >> b->pin[i] & 1)) {
            PROBLEM("%s: buff pin %d: expected a free pin 0-7", p->source, b->pin[i]);
            return;
        }
        p->buff_pins |= (uint16_t)(1u << b->pin[i]);
        if (!b->low[i])
            p->buff_high |= (uint16_t)(1u << b->pin[i]);
    }
    for (int k = 0; k < FT_LEDS; k++)
        p->led_pin[k] = -1;
}

void ft_programmer_derive(ft_programmer *p)
{
    p->problem[0] = '\0';
    if (strcmp(p->type, "ftdi_syncbb") == 0) {
        derive_bitbang(p);
        return;
    }
    if (strcmp(p->type, "avrftdi") != 0)
        return;
    p->sck_pin = 0, p->sdo_pin = 1, p->sdi_pin = 2, p->invert = 0;
    const char *src = p->source;
    if (!p->usbdev[0] || strcasecmp(p->usbdev, "A") == 0 || strcmp(p->usbdev, "0") == 0)
        p->channel = 0;
    else if (strcasecmp(p->usbdev, "B") == 0 || strcmp(p->usbdev, "1") == 0)
        p->channel = 1;
    else {
        PROBLEM("%s: usbdev \"%s\": expected \"A\" or \"B\" (the channels with MPSSE)", src, p->usbdev);
        return;
    }
    static const char *const spi[] = {"sck", "sdo", "sdi"};
    for (int f = FT_PIN_SCK; f <= FT_PIN_SDI; f++) {
        const ft_pins *ps = &p->pins[f];
        int want = f - FT_PIN_SCK;
        if (ps->n > 1 || (ps->n == 1 && (ps->pin[0] != want || ps->low[0]))) {
            PROBLEM("%s: %s = %s%d: the MPSSE engine has %s on pin %d", src, spi[want],
                    ps->n && ps->low[0] ? "~" : "", ps->pin[0], spi[want], want);
            return;
        }
    }
    const ft_pins *r = &p->pins[FT_PIN_RESET];
    p->reset_pin = 3;
    if (r->n > 1) {
        PROBLEM("%s: reset: one pin expected, found %d", src, r->n);
        return;
    }
    if (r->n == 1) {
        if (r->low[0]) {
            PROBLEM("%s: reset = ~%d: an inverted RESET line is not supported", src, r->pin[0]);
            return;
        }
        if (r->pin[0] < 3 || r->pin[0] > 15) {
            PROBLEM("%s: reset = %d: %s", src, r->pin[0],
                    r->pin[0] < 3 ? "AD0-AD2 carry SCK, SDO and SDI" : "expected a pin 3 to 15 (AD3-AD7, AC0-AC7)");
            return;
        }
        p->reset_pin = r->pin[0];
    }
    const ft_pins *b = &p->pins[FT_PIN_BUFF];
    p->buff_pins = p->buff_high = 0;
    for (int i = 0; i < b->n; i++) {
        if (b->pin[i] < 3 || b->pin[i] > 15) {
            PROBLEM("%s: buff pin %d: %s", src, b->pin[i],
                    b->pin[i] < 3 ? "AD0-AD2 carry SPI" : "expected a pin 3 to 15 (AD3-AD7, AC0-AC7)");
            return;
        }
        p->buff_pins |= (uint16_t)(1u << b->pin[i]);
        if (!b->low[i])
            p->buff_high |= (uint16_t)(1u << b->pin[i]);
    }
    static const char *const led[] = {"rdyled", "errled", "pgmled", "vfyled"};
    static const int ledfn[FT_LEDS] = {FT_PIN_RDYLED, FT_PIN_ERRLED, FT_PIN_PGMLED, FT_PIN_VFYLED};
    static const int ledidx[FT_LEDS] = {FT_LED_RDY, FT_LED_ERR, FT_LED_PGM, FT_LED_VFY};
    for (int k = 0; k < FT_LEDS; k++) {
        const ft_pins *l = &p->pins[ledfn[k]];
        p->led_pin[ledidx[k]] = -1;
        p->led_low[ledidx[k]] = false;
        if (!l->n)
            continue;
        if (l->pin[0] < 3 || l->pin[0] > 15) {
            PROBLEM("%s: %s pin %d: %s", src, led[k], l->pin[0],
                    l->pin[0] < 3 ? "AD0-AD2 carry SPI" : "expected a pin 3 to 15 (AD3-AD7, AC0-AC7)");
            return;
        }
        if (l->pin[0] == p->reset_pin) {
            PROBLEM("%s: RESET pin %d also used for an LED", src, p->reset_pin);
            return;
        }
        p->led_pin[ledidx[k]] = l->pin[0];
        p->led_low[ledidx[k]] = l->low[0];
    }
    if (p->buff_pins >> p->reset_pin & 1)
        PROBLEM("%s: RESET pin %d also used for a buffer", src, p->reset_pin);
}

static const struct {
    const char *type, *desc;
} TYPES[] = {
    {"avrftdi", "an FTDI FT2232H/FT4232H/FT232H in MPSSE mode"},
    {"dryrun", "no adapter: the part's memories in host memory"},
    {"ftdi_syncbb", "an FTDI FT232R/FT245R in synchronous bit-bang mode"},
    {"avrftdi_jtag", "an FTDI MPSSE adapter speaking JTAG"},
    {"usbasp", "a USBasp (an AVR with its own USB firmware)"},
    {"usbtiny", "a USBtiny (an AVR with its own USB firmware)"},
    {"arduino", "a bootloader on a serial port (STK500 version 1 protocol)"},
    {"stk500", "an STK500 (version 1 protocol) on a serial port"},
    {"stk500v2", "an STK500/AVRISP mkII speaking the STK500 version 2 protocol"},
    {"stk500generic", "an STK500 of either protocol version"},
    {"urclock", "the urboot bootloader on a serial port"},
    {"wiring", "a Wiring bootloader on a serial port"},
    {"avr910", "an AVR910 (AVR ISP) serial programmer"},
    {"butterfly", "an AVR109 (Butterfly) bootloader on a serial port"},
    {"par", "a parallel-port bit-bang cable"},
    {"serbb", "a serial-port bit-bang cable"},
    {"linuxgpio", "Linux GPIO lines bit-banged"},
    {"linuxspi", "a Linux SPI device"},
    {"buspirate", "a Bus Pirate"},
    {"buspirate_bb", "a Bus Pirate in bit-bang mode"},
    {"ch341a", "a CH341A USB bridge"},
    {"pickit2", "a Microchip PICkit 2"},
    {"pickit5", "a Microchip PICkit 5"},
    {"serialupdi", "a serial port wired for UPDI"},
    {"jtagmki", "an Atmel JTAG ICE mkI"},
    {"micronucleus", "the Micronucleus USB bootloader"},
    {"teensy", "the Teensy HalfKay bootloader"},
    {"flip1", "the Atmel FLIP (DFU) bootloader"},
    {"flip2", "the Atmel FLIP (DFU) bootloader"},
    {"xbee", "an XBee radio link to a bootloader"},
    {"serprog", "a flashrom serprog programmer"},
};

const char *ft_programmer_type_desc(const char *type)
{
    for (size_t i = 0; i < sizeof TYPES / sizeof TYPES[0]; i++)
        if (strcmp(TYPES[i].type, type) == 0)
            return TYPES[i].desc;
    if (strncmp(type, "jtagice3", 8) == 0 || strncmp(type, "jtagmkii", 8) == 0)
        return "an Atmel/Microchip debugger (JTAGICE mkII/3, Atmel-ICE, PICkit 4, SNAP...)";
    if (strncmp(type, "dragon", 6) == 0)
        return "an Atmel AVR Dragon";
    if (strncmp(type, "stk500", 6) == 0 || strncmp(type, "stk600", 6) == 0)
        return "an Atmel STK500/STK600 in high-voltage or parallel mode";
    return NULL;
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

/* avrdude's ftdi_syncbb entries (FT232R/FT245R bit-bang, D0-D7 = TXD RXD
 * RTS CTS DTR DSR DCD RI on an FT232R), same ids and pins. */
typedef struct syncbb {
    const char *id, *desc;
    uint16_t pid;
    int reset, sck, sdo, sdi;
} syncbb;

static const syncbb SYNCBB[] = {
    {"ft245r", "FT245R bit-bang (D4 RESET, D0 SCK, D2 SDO, D1 SDI)", 0x6001, 4, 0, 2, 1},
    {"ft232r", "FT232R bit-bang (DTR RESET, TXD SCK, RTS SDO, RXD SDI)", 0x6001, 4, 0, 2, 1},
    {"bwmega", "BitWizard ftdi_atmega (RI RESET, DCD SCK, CTS SDO, DSR SDI)", 0x6001, 7, 6, 3, 5},
    {"arduino-ft232r", "Arduino's FT232R X3 header (RI RESET, DSR SCK, DCD SDO, CTS SDI)", 0x6001, 7, 5, 6, 3},
    {"diecimila", "Arduino Diecimila's FT232R X3 header (as arduino-ft232r)", 0x6001, 7, 5, 6, 3},
    {"tc2030", "Tag-Connect TC2030 (CTS RESET, RTS SCK, TXD SDO, RXD SDI)", 0x6001, 3, 2, 0, 1},
    {"uncompatino", "uncompatino (RI RESET, DSR SCK, DCD SDO, CTS SDI)", 0x6001, 7, 5, 6, 3},
    {"ttl232r", "FTDI TTL232R-5V with ICSP adapter (TXD RESET, RXD SCK, CTS SDO, RTS SDI)", 0x6001, 0, 1, 3, 2},
};

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
        p.pids[0] = b->pid;
        p.npids = 1;
        snprintf(p.usbdev, sizeof p.usbdev, "%c", 'A' + b->channel);
        pin_set(&p.pins[FT_PIN_RESET], b->reset, false);
        pin_set(&p.pins[FT_PIN_SCK], 0, false);
        pin_set(&p.pins[FT_PIN_SDO], 1, false);
        pin_set(&p.pins[FT_PIN_SDI], 2, false);
        ft_pins *bp = &p.pins[FT_PIN_BUFF];
        for (int k = 3; k < 16; k++)
            if (b->buff >> k & 1) {
                bp->pin[bp->n] = k;
                bp->low[bp->n++] = !(b->buff_high >> k & 1);
            }
        static const int ledfn[FT_LEDS] = {FT_PIN_RDYLED, FT_PIN_ERRLED, FT_PIN_PGMLED, FT_PIN_VFYLED};
        for (int k = 0; k < FT_LEDS; k++)
            if (b->led[k] >= 0)
                pin_set(&p.pins[ledfn[k]], b->led[k], true);   /* all ~ (active low) here */
        if (strcmp(p.id, "avrisp-u") == 0)
            snprintf(p.serial, sizeof p.serial, "AVR");
        ft_programmer_derive(&p);
        int rc = ft_progdb_put(db, &p, err);
        if (rc != FT_OK)
            return rc;
    }
    for (size_t i = 0; i < sizeof SYNCBB / sizeof SYNCBB[0]; i++) {
        const syncbb *b = &SYNCBB[i];
        ft_programmer p;
        ft_programmer_blank(&p);
        snprintf(p.id, sizeof p.id, "%s", b->id);
        snprintf(p.desc, sizeof p.desc, "%s", b->desc);
        snprintf(p.type, sizeof p.type, "ftdi_syncbb");
        snprintf(p.source, sizeof p.source, "built in");
        p.vid = 0x0403;
        p.pid = b->pid;
        p.pids[0] = b->pid;
        p.npids = 1;
        pin_set(&p.pins[FT_PIN_RESET], b->reset, false);
        pin_set(&p.pins[FT_PIN_SCK], b->sck, false);
        pin_set(&p.pins[FT_PIN_SDO], b->sdo, false);
        pin_set(&p.pins[FT_PIN_SDI], b->sdi, false);
        ft_programmer_derive(&p);
        int rc = ft_progdb_put(db, &p, err);
        if (rc != FT_OK)
            return rc;
    }
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
