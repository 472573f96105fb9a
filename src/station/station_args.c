/* The station's options: adapters (-P several times, usb:all), --loop,
 * per-board data (--serial, --patch-cmd) and LED pins (-x led_*). */
#include "ftisp/station.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void ft_station_opts_init(ft_station_opts *o)
{
    memset(o, 0, sizeof *o);
    o->led_pass = o->led_fail = o->led_busy = -1;
    o->poll_hz = 4;
}

static int parse_u64(const char *s, uint64_t *v)
{
    char *end;
    errno = 0;
    if (!*s || *s == '-')
        return -1;
    unsigned long long x = strtoull(s, &end, 0);
    if (errno || *end)
        return -1;
    *v = x;
    return 0;
}

/* Splits "MEM:ADDR:rest" into the memory and address; *rest points after. */
static int mem_addr(const char *opt, const char *s, ft_patch_spec *p, const char **rest, ft_err *err)
{
    const char *c1 = strchr(s, ':');
    const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (!c1 || !c2 || c1 == s || (size_t)(c1 - s) >= sizeof p->memory)
        return ft_err_set(err, FT_E_USAGE, "%s %s: expected MEMORY:ADDRESS:... (flash or eeprom, then "
                          "an address such as 0x7ff0)", opt, s);
    memcpy(p->memory, s, (size_t)(c1 - s));
    p->memory[c1 - s] = '\0';
    for (char *q = p->memory; *q; q++)
        *q = (char)tolower((unsigned char)*q);
    if (strcmp(p->memory, "flash") != 0 && strcmp(p->memory, "eeprom") != 0)
        return ft_err_set(err, FT_E_USAGE, "%s %s: memory \"%s\": expected flash or eeprom", opt, s, p->memory);
    char num[32];
    size_t n = (size_t)(c2 - c1 - 1);
    uint64_t a;
    if (n == 0 || n >= sizeof num)
        return ft_err_set(err, FT_E_USAGE, "%s %s: expected an address after \"%s:\"", opt, s, p->memory);
    memcpy(num, c1 + 1, n);
    num[n] = '\0';
    if (parse_u64(num, &a) || a > 0xffffffu)
        return ft_err_set(err, FT_E_USAGE, "%s %s: address \"%s\": expected a number (0x7ff0, 32752)", opt,
                          s, num);
    p->addr = (uint32_t)a;
    *rest = c2 + 1;
    return FT_OK;
}

/* MEM:ADDR:ENC[:START[:STEP]]; ENC le1..le8, be1..be8, dec1..dec20, hex1..hex16. */
static int parse_serial(ft_patch_spec *p, const char *s, ft_err *err)
{
    const char *rest;
    int rc = mem_addr("--serial", s, p, &rest, err);
    if (rc != FT_OK)
        return rc;
    p->is_serial = true;
    p->start = 1;
    p->step = 1;
    char enc[16];
    size_t n = strcspn(rest, ":");
    if (n >= sizeof enc)
        n = sizeof enc - 1;
    memcpy(enc, rest, n);
    enc[n] = '\0';
    static const struct { const char *name; int enc, max; } E[] = {
        {"le", FT_SER_LE, 8}, {"be", FT_SER_BE, 8}, {"dec", FT_SER_DEC, 20}, {"hex", FT_SER_HEX, 16}};
    int found = -1;
    for (int i = 0; i < 4; i++) {
        size_t l = strlen(E[i].name);
        char *end;
        if (strncasecmp(enc, E[i].name, l) == 0 && isdigit((unsigned char)enc[l])) {
            long w = strtol(enc + l, &end, 10);
            if (*end || w < 1 || w > E[i].max)
                return ft_err_set(err, FT_E_USAGE, "--serial %s: width %s: %s takes 1 to %d", s, enc + l,
                                  E[i].name, E[i].max);
            p->enc = E[i].enc;
            p->width = (int)w;
            found = i;
        }
    }
    if (found < 0)
        return ft_err_set(err, FT_E_USAGE, "--serial %s: encoding \"%s\": expected leN or beN (binary, N 1-8 "
                          "bytes), decN (ASCII decimal, N digits) or hexN (ASCII hex)", s, enc);
    rest += strcspn(rest, ":");
    if (*rest == ':') {
        char num[32];
        rest++;
        n = strcspn(rest, ":");
        if (n == 0 || n >= sizeof num)
            return ft_err_set(err, FT_E_USAGE, "--serial %s: expected a start number", s);
        memcpy(num, rest, n);
        num[n] = '\0';
        if (parse_u64(num, &p->start))
            return ft_err_set(err, FT_E_USAGE, "--serial %s: start \"%s\": expected a number", s, num);
        rest += n;
        if (*rest == ':' && (parse_u64(rest + 1, &p->step) || p->step == 0))
            return ft_err_set(err, FT_E_USAGE, "--serial %s: step \"%s\": expected a number above 0", s,
                              rest + 1);
    }
    return FT_OK;
}

int ft_station_option(ft_station_opts *o, const char *name, const char *v, ft_err *err)
{
    if (strcmp(name, "port") == 0) {
        if (o->nports >= FT_STATION_MAX_PORTS)
            return ft_err_set(err, FT_E_USAGE, "-P: at most %d adapters", FT_STATION_MAX_PORTS);
        o->ports[o->nports++] = v;
        return FT_OK;
    }
    if (strcmp(name, "loop") == 0) {
        o->loop = true;
        return FT_OK;
    }
    if (strcmp(name, "serial") == 0 || strcmp(name, "patch-cmd") == 0) {
        if (o->npatches >= FT_STATION_MAX_PATCHES)
            return ft_err_set(err, FT_E_USAGE, "--%s: at most %d per-board patches", name,
                              FT_STATION_MAX_PATCHES);
        ft_patch_spec *p = &o->patches[o->npatches];
        memset(p, 0, sizeof *p);
        int rc;
        if (name[0] == 's') {
            for (int i = 0; i < o->npatches; i++)
                if (o->patches[i].is_serial)
                    return ft_err_set(err, FT_E_USAGE, "--serial: given twice; one serial number per board");
            rc = parse_serial(p, v, err);
        } else {
            const char *rest;
            rc = mem_addr("--patch-cmd", v, p, &rest, err);
            if (rc == FT_OK && !*rest)
                rc = ft_err_set(err, FT_E_USAGE, "--patch-cmd %s: expected a command after the address", v);
            p->cmd = rest;
        }
        if (rc == FT_OK)
            o->npatches++;
        return rc;
    }
    if (strcmp(name, "serial-file") == 0) {
        o->serial_file = v;
        return FT_OK;
    }
    if (strcmp(name, "serial-cmd") == 0) {
        o->serial_cmd = v;
        return FT_OK;
    }
    if (strcmp(name, "serial-reuse") == 0) {
        o->serial_reuse = true;
        return FT_OK;
    }
    if (strcmp(name, "poll") == 0) {
        char *end;
        double hz = strtod(v, &end);
        if (end == v || *end || !(hz >= 0.1 && hz <= 50))
            return ft_err_set(err, FT_E_USAGE, "--poll %s: expected polls per second, 0.1 to 50", v);
        o->poll_hz = hz;
        return FT_OK;
    }
    if (strcasecmp(name, "led_pass") == 0)
        return ft_wire_parse_pin(name, v, 4, &o->led_pass, err);
    if (strcasecmp(name, "led_fail") == 0)
        return ft_wire_parse_pin(name, v, 4, &o->led_fail, err);
    if (strcasecmp(name, "led_busy") == 0)
        return ft_wire_parse_pin(name, v, 4, &o->led_busy, err);
    return 1;
}

bool ft_station_wanted(const ft_station_opts *o)
{
    if (o->nports > 1 || o->loop || o->npatches > 0)
        return true;
    return o->nports == 1 && strcasecmp(o->ports[0], "usb:all") == 0;
}
