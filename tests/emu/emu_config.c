/* Settings from the environment (see README.md). Read once per process; a
 * malformed setting stops the program with a message: a test that sets
 * something must get it. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "emu_internal.h"

emu_cfg emu_cfg_g;

void emu_die_config(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("ftemu: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(70);
}

void emu_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("ftemu: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static long num(const char *name, const char *s, long lo, long hi)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 0);
    if (errno || end == s || *end || v < lo || v > hi)
        emu_die_config("%s: expected a number %ld..%ld, found \"%s\"", name, lo, hi, s);
    return v;
}

static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

static int pin_of(const char *name, const char *s)
{
    if (!strncasecmp(s, "AD", 2))
        return (int)num(name, s + 2, 0, 7);
    if (!strncasecmp(s, "AC", 2))
        return 8 + (int)num(name, s + 2, 0, 7);
    emu_die_config("%s: expected ADn or ACn, found \"%s\"", name, s);
}

static void parse_adapters(const char *s)
{
    emu_cfg *c = &emu_cfg_g;
    char buf[512];
    snprintf(buf, sizeof buf, "%s", s);
    c->nadapters = 0;
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (c->nadapters == EMU_MAX_ADAPTERS)
            emu_die_config("FTEMU_ADAPTERS: at most %d adapters", EMU_MAX_ADAPTERS);
        emu_adapter_cfg *a = &c->adapters[c->nadapters++];
        char *kind = tok, *ser = strchr(tok, ':'), *part = NULL;
        if (ser) {
            *ser++ = '\0';
            part = strchr(ser, ':');
            if (part)
                *part++ = '\0';
        }
        if (!strcasecmp(kind, "ft232h"))
            a->kind = EMU_FT232H;
        else if (!strcasecmp(kind, "ft2232h"))
            a->kind = EMU_FT2232H;
        else if (!strcasecmp(kind, "ft4232h"))
            a->kind = EMU_FT4232H;
        else if (!strcasecmp(kind, "ft232r"))
            a->kind = EMU_FT232R;
        else if (!strcasecmp(kind, "ft231x"))
            a->kind = EMU_FT231X;
        else if (!strcasecmp(kind, "ft230x"))
            a->kind = EMU_FT230X;
        else
            emu_die_config("FTEMU_ADAPTERS: expected ft232h, ft2232h, ft4232h, ft232r, ft231x or ft230x, "
                           "found \"%s\"", kind);
        snprintf(a->serial, sizeof a->serial, "%s", ser && *ser ? ser : "FTEMU001");
        snprintf(a->part, sizeof a->part, "%s", part ? part : "");
    }
    if (c->nadapters == 0)
        emu_die_config("FTEMU_ADAPTERS: no adapter in \"%s\"", s);
}

/* FTEMU_SYNCBB_PINS=reset,sck,sdo,sdi: D0-D7 numbers as avrdude writes
 * them, `~` before one whose line has an inverter. */
static void parse_bb_pins(const char *s)
{
    emu_cfg *c = &emu_cfg_g;
    char buf[128];
    snprintf(buf, sizeof buf, "%s", s);
    int n = 0;
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (n == 4)
            emu_die_config("FTEMU_SYNCBB_PINS: expected reset,sck,sdo,sdi (4 pins), found \"%s\"", s);
        c->bb_inv[n] = *tok == '~';
        c->bb_pin[n] = (int)num("FTEMU_SYNCBB_PINS", tok + c->bb_inv[n], 0, 7);
        n++;
    }
    if (n != 4)
        emu_die_config("FTEMU_SYNCBB_PINS: expected reset,sck,sdo,sdi (4 pins), found \"%s\"", s);
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < i; j++)
            if (c->bb_pin[i] == c->bb_pin[j])
                emu_die_config("FTEMU_SYNCBB_PINS: pin %d used twice in \"%s\"", c->bb_pin[i], s);
}

static void parse_fault(const char *s)
{
    emu_cfg *c = &emu_cfg_g;
    char buf[512];
    snprintf(buf, sizeof buf, "%s", s);
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (!strcmp(tok, "nodevice"))
            c->fault_nodevice = true;
        else if (!strcmp(tok, "no_target"))
            c->fault_no_target = true;
        else if (!strncmp(tok, "unplug_after=", 13))
            c->fault_unplug_after = num("FTEMU_FAULT unplug_after", tok + 13, 0, 1L << 40);
        else if (!strncmp(tok, "signal_after=", 13)) {
            char *sig = strchr(tok + 13, ':');
            if (!sig || c->nsignals == 4)
                emu_die_config("FTEMU_FAULT signal_after: expected N:SIG (INT, TERM, HUP or a "
                               "number), at most 4, found \"%s\"", tok + 13);
            *sig++ = '\0';
            c->signal_after[c->nsignals] = num("FTEMU_FAULT signal_after", tok + 13, 0, 1L << 40);
            int n = !strcmp(sig, "INT") ? SIGINT : !strcmp(sig, "TERM") ? SIGTERM : !strcmp(sig, "HUP") ? SIGHUP
                    : (int)num("FTEMU_FAULT signal_after signal", sig, 1, 64);
            c->signal_num[c->nsignals++] = n;
        } else if (!strncmp(tok, "miso_flip=", 10)) {
            if (c->nmiso_flips == 8)
                emu_die_config("FTEMU_FAULT: at most 8 miso_flip faults");
            char *bit = strchr(tok + 10, ':');
            if (bit)
                *bit++ = '\0';
            c->miso_flip_at[c->nmiso_flips] = num("FTEMU_FAULT miso_flip", tok + 10, 1, 1L << 40);
            c->miso_flip_mask[c->nmiso_flips++] =
                (uint8_t)(1u << (bit ? num("FTEMU_FAULT miso_flip bit", bit, 0, 7) : 0));
        } else if (!strncmp(tok, "signature=", 10)) {
            long v = strtol(tok + 10, NULL, 16);
            if (strlen(tok + 10) != 6)
                emu_die_config("FTEMU_FAULT signature: expected 6 hex digits, found \"%s\"", tok + 10);
            c->fault_sig = true;
            c->sig[0] = (uint8_t)(v >> 16);
            c->sig[1] = (uint8_t)(v >> 8);
            c->sig[2] = (uint8_t)v;
        } else
            emu_die_config("FTEMU_FAULT: expected nodevice, unplug_after=N, no_target, miso_flip=N[:BIT], "
                           "signal_after=N:SIG or signature=XXXXXX, found \"%s\"", tok);
    }
}

void emu_config_load(void)
{
    emu_cfg *c = &emu_cfg_g;
    const char *v;
    memset(c, 0, sizeof *c);
    snprintf(c->part, sizeof c->part, "%s", env("FTEMU_PART") ? env("FTEMU_PART") : "m328p");
    c->xtal_hz = 16000000;
    if ((v = env("FTEMU_FCK")))
        c->xtal_hz = (uint32_t)num("FTEMU_FCK", v, 1, 100000000);
    /* Off nominal by default, the way a factory-calibrated RC may be (+-10 %)
     * and the uncalibrated 128 kHz oscillator often is, so that every test
     * programs a chip slower than its fuses' nominal clock. */
    c->rc_pct = (v = env("FTEMU_RC_PCT")) ? (int)num("FTEMU_RC_PCT", v, -50, 50) : -10;
    c->osc128_pct = (v = env("FTEMU_OSC128_PCT")) ? (int)num("FTEMU_OSC128_PCT", v, -90, 50) : -40;
    if ((v = env("FTEMU_FUSES"))) {
        unsigned f[3];
        int n = sscanf(v, "%x,%x,%x", &f[0], &f[1], &f[2]);
        if (n < 1 || f[0] > 255 || (n > 1 && f[1] > 255) || (n > 2 && f[2] > 255))
            emu_die_config("FTEMU_FUSES: expected lfuse[,hfuse[,efuse]] in hex, found \"%s\"", v);
        c->fuses_given = n;
        for (int i = 0; i < n; i++)
            c->fuses[i] = (uint8_t)f[i];
    }
    if ((v = env("FTEMU_LOCK"))) {
        c->lock_set = true;
        c->lock = (uint8_t)num("FTEMU_LOCK", v, 0, 255);
    }
    c->flash_file = env("FTEMU_FLASH");
    c->eeprom_file = env("FTEMU_EEPROM");
    c->out_dir = env("FTEMU_OUT");
    c->state_dir = env("FTEMU_STATE");
    c->parts_file = env("FTISP_PARTS");
    c->fault_unplug_after = -1;
    if ((v = env("FTEMU_FAULT")))
        parse_fault(v);
    parse_adapters(env("FTEMU_ADAPTERS") ? env("FTEMU_ADAPTERS") : "ft232h:FTEMU001");
    c->host_time = !(v = env("FTEMU_HOST_TIME")) || strcmp(v, "0") != 0;
    c->fsync_us = -1;
    if ((v = env("FTEMU_FSYNC_MS"))) {
        char *end;
        double ms = strtod(v, &end);
        if (*end || !(ms >= 0 && ms <= 10000))
            emu_die_config("FTEMU_FSYNC_MS: expected milliseconds 0..10000 per fsync, found \"%s\"", v);
        c->fsync_us = (long)(ms * 1000 + 0.5);
    }
    c->busy_scale = 0.82;
    if ((v = env("FTEMU_BUSY_SCALE"))) {
        char *end;
        c->busy_scale = strtod(v, &end);
        if (*end || c->busy_scale <= 0 || c->busy_scale > 10)
            emu_die_config("FTEMU_BUSY_SCALE: expected a factor in (0,10], found \"%s\"", v);
    }
    static const char *const twd[4] = {"FTEMU_TWD_FLASH_US", "FTEMU_TWD_EEPROM_US", "FTEMU_TWD_ERASE_US",
                                       "FTEMU_TWD_FUSE_US"};
    for (int i = 0; i < 4; i++)
        c->twd_us[i] = (v = env(twd[i])) ? num(twd[i], v, 0, 10000000) : -1;
    c->pin_sck = 0;
    c->pin_mosi = 1;
    c->pin_miso = 2;
    c->pin_reset = (v = env("FTEMU_RESET_PIN")) ? pin_of("FTEMU_RESET_PIN", v) : 3;
    if (c->pin_reset <= 2)
        emu_die_config("FTEMU_RESET_PIN: AD0-AD2 carry SCK/MOSI/MISO");
    /* avrdude's arduino-ft232r: reset 7 (RI), sck 5 (DSR), sdo 6 (DCD), sdi 3 (CTS) */
    parse_bb_pins((v = env("FTEMU_SYNCBB_PINS")) ? v : "7,5,6,3");
    c->bb_max_hz = (v = env("FTEMU_SYNCBB_MAX_HZ")) ? (uint32_t)num("FTEMU_SYNCBB_MAX_HZ", v, 1000, 48000000)
                                                     : 3000000;
    c->trace = (v = env("FTEMU_TRACE")) ? (int)num("FTEMU_TRACE", v, 0, 9) : 0;
}
