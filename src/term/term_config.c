/* `config`: fuse and lock bit settings by name, as avrdude's terminal has
 * it, on the part database's named settings and values (partdb_settings.c):
 *   config            every setting: "config <name>=<value name> # <number>"
 *   config -f         the same, each fuse byte's value before its settings
 *   config -a         every value each setting can take ("# conf" = not set)
 *   config -v         with each setting explained in words
 *   config <name>     settings matching a name, an initial string or a
 *                     wildcard pattern (* ? [...])
 *   config <name>=    the values it can take
 *   config <name>=<value>   sets it, by value name (or a unique initial
 *                     string or pattern of one) or number, at once, through
 *                     the same fuse safety checks as -U.
 * A part without named settings falls back to its datasheet bit groups
 * (CKSEL, SUT ...) with numbers only. */
#include "term_priv.h"

#include "ftisp/fuse_words.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct cfield {
    const ft_fuse *fuse;      /* the byte (a fuse or the lock byte) */
    const ft_field *field;
    char name[24];            /* lower case, as avrdude prints it */
    int shift;
} cfield;

static int shift_of(uint8_t mask)
{
    int s = 0;
    while (mask && !(mask & 1))
        mask >>= 1, s++;
    return s;
}

static int fields(const ft_part *p, cfield *out, int max)
{
    int n = 0;
    for (int i = 0; i <= p->nfuses; i++) {
        const ft_fuse *f = i < p->nfuses ? &p->fuses[i] : &p->lock;
        for (int k = 0; k < f->nfields && n < max; k++) {
            cfield *c = &out[n++];
            c->fuse = f;
            c->field = &f->fields[k];
            c->shift = shift_of(f->fields[k].mask);
            snprintf(c->name, sizeof c->name, "%s", f->fields[k].name);
            for (char *q = c->name; *q; q++)
                *q = (char)tolower((unsigned char)*q);
        }
    }
    return n;
}

static bool wild(const char *s) { return strpbrk(s, "*?[") != NULL; }

/* avrdude: a pattern with wildcards, else an exact name, else an initial
 * string (which may match several). */
static bool matches(const char *pat, const char *name, bool exact_only)
{
    if (wild(pat)) {
        char low[64];
        snprintf(low, sizeof low, "%s", pat);
        for (char *q = low; *q; q++)
            *q = (char)tolower((unsigned char)*q);
        return fnmatch(low, name, 0) == 0;   /* names are lower case */
    }
    if (strcasecmp(pat, name) == 0)
        return true;
    return !exact_only && strncasecmp(pat, name, strlen(pat)) == 0;
}

static int current(ft_term *t, const ft_fuse *f, uint8_t *v, ft_err *err)
{
    term_mem *tm = term_mem_get(t, f->name, err);
    if (!tm)
        return err->code;
    int rc = term_load(t, tm, err);
    if (rc == FT_OK)
        *v = term_byte(tm, 0);
    return rc;
}

static unsigned field_value(const cfield *c, uint8_t byte)
{
    return (unsigned)(byte & c->field->mask) >> c->shift;
}

static unsigned field_max(const cfield *c) { return (unsigned)c->field->mask >> c->shift; }

static void show(ft_term *t, const cfield *c, unsigned v, bool conf)
{
    char val[16];
    snprintf(val, sizeof val, "%u", v);
    fprintf(t->out, "%s %s=%-3s # %u\n", conf ? "# conf" : "config", c->name, val, v);
}

static void show_all_values(ft_term *t, const cfield *c, unsigned cur)
{
    for (unsigned v = 0; v <= field_max(c); v++)
        show(t, c, v, v != cur);
}

/* Whether an assignment tells what it did ("hfuse 0xd9 -> 0xd1", "already
 * 0xd9"): not at -qq, and not under the avrdude name, where avrdude's
 * `config name=value` prints nothing (scripts expect no output). */
static bool says_assignments(const ft_term *t)
{
    const ft_out *o = t->tg.out;
    return !o || (!o->avrdude && o->verbosity > -2);
}

static int set(ft_term *t, const cfield *c, const char *vs, ft_err *err)
{
    long v;
    if (!term_parse_int(vs, &v) || v < 0 || (unsigned long)v > field_max(c))
        return ft_err_set(err, FT_E_USAGE, "config %s=%s: expected a number 0 to %u%s", c->name, vs,
                          field_max(c), " (this part database names no values for it)");
    uint8_t byte = 0xff;
    int rc = current(t, c->fuse, &byte, err);
    if (rc != FT_OK)
        return rc;
    uint8_t nb = (uint8_t)((byte & ~c->field->mask) | (((unsigned)v << c->shift) & c->field->mask));
    if (nb == byte) {
        if (says_assignments(t))
            fprintf(t->out, "config %s=%ld: %s already 0x%02x\n", c->name, v, c->fuse->name, byte);
        return FT_OK;
    }
    term_mem *tm = term_mem_get(t, c->fuse->name, err);
    if (!tm)
        return err->code;
    rc = term_write_byte(t, tm, nb, err);
    if (rc == FT_OK && says_assignments(t) && !t->tg.opts.dry_run)   /* -n: the session said what would be */
        fprintf(t->out, "%s 0x%02x -> 0x%02x\n", c->fuse->name, byte, nb);
    return rc;
}

static int config_fields(ft_term *t, int argc, char **argv, ft_err *err)
{
    bool f_opt = false, a_opt = false;
    const char *arg = NULL;
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '-' && argv[i][1]) {
            for (const char *o = argv[i] + 1; *o; o++) {
                if (*o == 'f')
                    f_opt = true;
                else if (*o == 'a')
                    a_opt = true;
                else if (*o != 'v' && *o != 'c')
                    return ft_err_set(err, FT_E_USAGE, "config: unknown option -%c; expected -f or -a", *o);
            }
        } else if (!arg) {
            arg = argv[i];
        } else {
            return ft_err_set(err, FT_E_USAGE, "syntax: config [-f|-a] [<field>[=<value>]]");
        }
    }
    cfield cf[2 * FT_MAX_FIELDS * (FT_MAX_FUSES + 1)];
    int n = fields(t->tg.part, cf, (int)(sizeof cf / sizeof cf[0]));
    if (!n)
        return ft_err_set(err, FT_E_USAGE, "config: the part database names no fuse fields for the %s",
                          t->tg.part->name);
    char pat[64] = "*";
    const char *value = NULL;
    if (arg) {
        const char *eq = strchr(arg, '=');
        size_t plen = eq ? (size_t)(eq - arg) : strlen(arg);
        if (plen >= sizeof pat)
            plen = sizeof pat - 1;
        memcpy(pat, arg, plen);
        pat[plen] = '\0';
        value = eq ? eq + 1 : NULL;
    }
    /* an exact name wins over initial strings */
    bool exact = false;
    for (int i = 0; i < n && !wild(pat); i++)
        exact |= strcasecmp(cf[i].name, pat) == 0;
    int hits = 0, hit = -1;
    for (int i = 0; i < n; i++)
        if (matches(pat, cf[i].name, exact))
            hits++, hit = hit < 0 ? i : hit;
    if (!hits) {
        char names[512];
        size_t k = 0;
        names[0] = '\0';
        for (int i = 0; i < n && k < sizeof names; i++)
            k += (size_t)snprintf(names + k, sizeof names - k, "%s%s", i ? " " : "", cf[i].name);
        return ft_err_set(err, FT_E_USAGE, "config: no field \"%s\"; the %s has: %s", pat, t->tg.part->name, names);
    }
    if (value && *value) {
        if (hits != 1)
            return ft_err_set(err, FT_E_USAGE, "config %s: %d fields match; name one", arg, hits);
        return set(t, &cf[hit], value, err);
    }
    const ft_fuse *last = NULL;
    for (int i = 0; i < n; i++) {
        if (!matches(pat, cf[i].name, exact))
            continue;
        uint8_t byte = 0xff;
        int rc = current(t, cf[i].fuse, &byte, err);
        if (rc != FT_OK)
            return rc;
        if (f_opt && cf[i].fuse != last) {
            fprintf(t->out, "# %s %s value 0x%02x\n", strcmp(cf[i].fuse->name, "lock") ? "Fuse" : "Lock bits",
                    cf[i].fuse->name, byte);
            last = cf[i].fuse;
        }
        unsigned v = field_value(&cf[i], byte);
        if (a_opt || (value && !*value))
            show_all_values(t, &cf[i], v);
        else
            show(t, &cf[i], v, false);
    }
    return FT_OK;
}

/* ---- named settings ---- */

typedef struct copts {
    bool f, a, v;
    const char *arg;
} copts;

static int read_bytes(ft_term *t, uint8_t bytes[FT_CONFIG_BYTES], ft_err *err)
{
    const ft_part *p = t->tg.part;
    memset(bytes, 0xff, FT_CONFIG_BYTES);
    for (int i = 0; i <= p->nfuses; i++) {
        const ft_fuse *f = i < p->nfuses ? &p->fuses[i] : &p->lock;
        if (i == p->nfuses && !(p->lock.name[0] || p->lock.writable))
            break;
        uint8_t v = 0xff;
        int rc = current(t, f, &v, err);
        if (rc != FT_OK)
            return rc;
        bytes[i < p->nfuses ? f->index : FT_LOCK_BYTE] = v;
    }
    return FT_OK;
}

static const char *value_text(const ft_setting *s, uint8_t value, char *buf, size_t n)
{
    for (int i = 0; i < s->nvalues; i++)
        if (s->values[i].value == value)
            return s->values[i].name;
    if (s->nvalues)
        return "reserved";
    snprintf(buf, n, "%u", ft_setting_number(s, value));
    return buf;
}

static void show_item(ft_term *t, const ft_config_item *it, const copts *o, const uint8_t *bytes)
{
    const ft_setting *s = it->setting;
    char num[16];
    int w = 0;
    for (int i = 0; i < s->nvalues; i++)
        if ((int)strlen(s->values[i].name) > w)
            w = (int)strlen(s->values[i].name);
    if (o->a || (o->arg && o->arg[strlen(o->arg) - 1] == '=')) {
        for (int i = 0; i < s->nvalues; i++)
            fprintf(t->out, "%s %s=%-*s # %u\n", s->values[i].value == it->value ? "config" : "# conf", s->name,
                    w, s->values[i].name, ft_setting_number(s, s->values[i].value));
        if (!s->nvalues)
            fprintf(t->out, "config %s=%u # 0 to %u\n", s->name, it->number, ft_setting_number(s, s->mask));
    } else {
        fprintf(t->out, "config %s=%s # %u\n", s->name, value_text(s, it->value, num, sizeof num), it->number);
    }
    if (o->v) {
        ft_words_line lines[4];
        int n = ft_setting_words(t->tg.part, it->fuse, s, bytes, lines, 4);
        for (int i = 0; i < n; i++)
            fprintf(t->out, "#   %s: %s\n", lines[i].label, lines[i].text);
    }
}

static int assign(ft_term *t, uint8_t bytes[FT_CONFIG_BYTES], const char *arg, ft_err *err)
{
    ft_config_item it;
    uint8_t before[FT_CONFIG_BYTES];
    memcpy(before, bytes, FT_CONFIG_BYTES);
    int rc = ft_config_assign(t->tg.part, bytes, arg, &it, err);
    if (rc != FT_OK)
        return rc;
    if (!it.value_name)
        fprintf(stderr, "ftisp: warning: %s=%u is a value the datasheet reserves\n", it.setting->name, it.number);
    if (bytes[it.byte] == before[it.byte]) {
        if (says_assignments(t))
            fprintf(t->out, "config %s: %s already 0x%02x\n", it.setting->name, it.fuse->name, bytes[it.byte]);
        return FT_OK;
    }
    term_mem *tm = term_mem_get(t, it.fuse->name, err);
    if (!tm)
        return err->code;
    rc = term_write_byte(t, tm, bytes[it.byte], err);
    if (rc == FT_OK && says_assignments(t) && !t->tg.opts.dry_run)   /* -n: the session said what would be */
        fprintf(t->out, "%s 0x%02x -> 0x%02x\n", it.fuse->name, before[it.byte], bytes[it.byte]);
    return rc;
}

int term_cmd_config(ft_term *t, int argc, char **argv, ft_err *err)
{
    const ft_part *p = t->tg.part;
    if (ft_config_count(p) == 0)
        return config_fields(t, argc, argv, err);
    copts o = {0};
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '-' && argv[i][1]) {
            for (const char *c = argv[i] + 1; *c; c++) {
                if (*c == 'f')
                    o.f = true;
                else if (*c == 'a')
                    o.a = true;
                else if (*c == 'v')
                    o.v = true;
                else if (*c != 'c')
                    return ft_err_set(err, FT_E_USAGE, "config: unknown option -%c; expected -f, -a or -v", *c);
            }
        } else if (!o.arg) {
            o.arg = argv[i];
        } else {
            return ft_err_set(err, FT_E_USAGE, "syntax: config [-f|-a|-v] [<name>[=[<value>]]]");
        }
    }
    uint8_t bytes[FT_CONFIG_BYTES];
    int rc = read_bytes(t, bytes, err);
    if (rc != FT_OK)
        return rc;
    const char *eq = o.arg ? strchr(o.arg, '=') : NULL;
    if (eq && eq[1])
        return assign(t, bytes, o.arg, err);
    char pat[64] = "*";
    if (o.arg) {
        size_t n = eq ? (size_t)(eq - o.arg) : strlen(o.arg);
        if (n >= sizeof pat)
            n = sizeof pat - 1;
        memcpy(pat, o.arg, n);
        pat[n] = '\0';
    }
    enum { MAXI = 64 };
    ft_config_item items[MAXI];
    int n = ft_config_match(p, bytes, pat, items, MAXI);
    if (n == 0) {
        ft_config_item one;
        return ft_config_get(p, bytes, pat, &one, err);   /* the error lists the names */
    }
    const ft_fuse *last = NULL;
    for (int i = 0; i < n && i < MAXI; i++) {
        if (o.f && items[i].fuse != last) {
            fprintf(t->out, "# %s %s value 0x%02x\n", items[i].byte == FT_LOCK_BYTE ? "Lock bits" : "Fuse",
                    items[i].fuse->name, bytes[items[i].byte]);
            last = items[i].fuse;
        }
        show_item(t, &items[i], &o, bytes);
    }
    return FT_OK;
}
