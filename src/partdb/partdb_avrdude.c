/* Reader for avrdude.conf-style files given with -C: the part entries that
 * can be programmed over ISP, with `part parent "id"` inheritance, become
 * parts of the database; programmer entries (with `programmer parent`)
 * become programmers when a programmer list is given. Settings ftisp has no
 * use for are read over and dropped.
 *
 * Parents: a part may inherit from a part defined earlier in the same file
 * or, failing that, from a part already in the database with that id (the
 * built-in parts.conf or an earlier -C file). A part replaces the database
 * part of the same id; facts the avrdude format cannot hold (fuse fields,
 * factory values, the clock table, aliases) are kept from the replaced part
 * when both have the same signature. */
#include "ftisp/partdb.h"
#include "ftisp/progdb.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#define TOK_MAX 256

enum tok { T_EOF, T_WORD, T_STRING, T_PUNCT };

typedef struct lexer {
    const char *file;
    const char *s;
    size_t len, pos;
    int line;
    enum tok t;
    int tline;
    char text[TOK_MAX];
    ft_err *err;
} lexer;

static int fail(lexer *lx, const char *expected)
{
    char found[TOK_MAX + 16];
    switch (lx->t) {
    case T_EOF: snprintf(found, sizeof found, "end of file"); break;
    case T_STRING: snprintf(found, sizeof found, "\"%.60s\"", lx->text); break;
    default: snprintf(found, sizeof found, "'%.60s'", lx->text); break;
    }
    return ft_err_set(lx->err, FT_E_INPUT, "%s:%d: expected %s, found %s",
                      lx->file, lx->tline, expected, found);
}

/* Copies src, cut to fit: names here are short, so a cut one is still seen. */
static void copyz(char *dst, size_t size, const char *src)
{
    size_t n = strlen(src);
    if (n >= size)
        n = size - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static bool punct(char c)
{
    return c == '=' || c == ';' || c == ',' || c == '|' || c == '(' || c == ')';
}

static int next(lexer *lx)
{
    for (;;) {
        while (lx->pos < lx->len && isspace((unsigned char)lx->s[lx->pos])) {
            if (lx->s[lx->pos] == '\n')
                lx->line++;
            lx->pos++;
        }
        if (lx->pos < lx->len && lx->s[lx->pos] == '#') {
            while (lx->pos < lx->len && lx->s[lx->pos] != '\n')
                lx->pos++;
            continue;
        }
        break;
    }
    lx->tline = lx->line;
    lx->text[0] = '\0';
    if (lx->pos >= lx->len) {
        /* End of file belongs to the last line, not the empty one after it. */
        if (lx->len > 0 && lx->s[lx->len - 1] == '\n' && lx->tline > 1)
            lx->tline--;
        lx->t = T_EOF;
        return FT_OK;
    }
    char c = lx->s[lx->pos];
    size_t n = 0;
    if (punct(c)) {
        lx->t = T_PUNCT;
        lx->text[0] = c;
        lx->text[1] = '\0';
        lx->pos++;
        return FT_OK;
    }
    if (c == '"') {
        lx->pos++;
        while (lx->pos < lx->len && lx->s[lx->pos] != '"' && lx->s[lx->pos] != '\n') {
            if (n < TOK_MAX - 1)
                lx->text[n++] = lx->s[lx->pos];
            lx->pos++;
        }
        lx->text[n] = '\0';
        if (lx->pos >= lx->len || lx->s[lx->pos] != '"') {
            lx->t = T_EOF;
            return fail(lx, "a closing '\"'");
        }
        lx->pos++;
        lx->t = T_STRING;
        return FT_OK;
    }
    while (lx->pos < lx->len) {
        c = lx->s[lx->pos];
        if (isspace((unsigned char)c) || punct(c) || c == '"' || c == '#')
            break;
        if (n < TOK_MAX - 1)
            lx->text[n++] = c;
        lx->pos++;
    }
    lx->text[n] = '\0';
    lx->t = T_WORD;
    return FT_OK;
}

static bool is(const lexer *lx, const char *p)
{
    return lx->t == T_PUNCT && strcmp(lx->text, p) == 0;
}

static int expect(lexer *lx, const char *p, const char *what)
{
    if (!is(lx, p))
        return fail(lx, what);
    return next(lx);
}

/* A number as avrdude writes them: decimal or 0x-hex. */
static int number(lexer *lx, unsigned long max, unsigned long *out)
{
    char *end;
    if (lx->t != T_WORD || !isdigit((unsigned char)lx->text[0]))
        return fail(lx, "a number");
    unsigned long long v = strtoull(lx->text, &end, 0);
    if (*end != '\0' || v > max)
        return fail(lx, "a number in range");
    *out = (unsigned long)v;
    return next(lx);
}

/* Reads the values of `key = values ;` up to and including the ';'. */
static int skip_values(lexer *lx)
{
    while (!is(lx, ";")) {
        if (lx->t == T_EOF)
            return fail(lx, "';' ending the statement");
        int rc = next(lx);
        if (rc)
            return rc;
    }
    return next(lx);
}

/* ---------------------------------------------------------------- parts */

typedef struct adpart {
    ft_part p;
    bool modes_known;      /* prog_modes seen in this part or a parent */
    bool isp;
} adpart;

typedef struct known {
    int n, cap;
    adpart *v;
} known;

static const adpart *known_find(const known *k, const char *id)
{
    for (int i = k->n - 1; i >= 0; i--)
        if (strcasecmp(k->v[i].p.id, id) == 0)
            return &k->v[i];
    return NULL;
}

static int known_add(known *k, const adpart *a, ft_err *err)
{
    if (k->n == k->cap) {
        int cap = k->cap ? k->cap * 2 : 64;
        adpart *n = realloc(k->v, (size_t)cap * sizeof *n);
        if (!n)
            return ft_err_set(err, FT_E_FAIL, "out of memory loading parts");
        k->v = n;
        k->cap = cap;
    }
    k->v[k->n++] = *a;
    return FT_OK;
}

static int fuse_slot(const char *mem)
{
    if (strcmp(mem, "lfuse") == 0 || strcmp(mem, "fuse") == 0)
        return 0;
    if (strcmp(mem, "hfuse") == 0)
        return 1;
    if (strcmp(mem, "efuse") == 0)
        return 2;
    return -1;
}

static void drop_fuse(ft_part *p, const char *name)
{
    for (int i = 0; i < p->nfuses; i++) {
        if (strcmp(p->fuses[i].name, name) == 0) {
            memmove(&p->fuses[i], &p->fuses[i + 1], (size_t)(p->nfuses - i - 1) * sizeof p->fuses[0]);
            p->nfuses--;
            return;
        }
    }
}

static ft_fuse *get_fuse(ft_part *p, const char *name)
{
    if (strcmp(name, "lock") == 0) {
        if (!p->lock.name[0]) {
            strcpy(p->lock.name, "lock");
            p->lock.writable = 0xff;
            p->lock.factory = 0xff;
        }
        return &p->lock;
    }
    int idx = fuse_slot(name);
    for (int i = 0; i < p->nfuses; i++)
        if (strcmp(p->fuses[i].name, name) == 0)
            return &p->fuses[i];
    /* One name per byte: `fuse` and `lfuse` are the same byte. */
    for (int i = 0; i < p->nfuses; i++)
        if (p->fuses[i].index == idx) {
            copyz(p->fuses[i].name, sizeof p->fuses[i].name, name);
            return &p->fuses[i];
        }
    if (p->nfuses == FT_MAX_FUSES)
        return NULL;
    ft_fuse *f = &p->fuses[p->nfuses++];
    memset(f, 0, sizeof *f);
    copyz(f->name, sizeof f->name, name);
    f->index = (uint8_t)idx;
    f->writable = 0xff;
    f->factory = 0xff;
    return f;
}

/* The input-bit positions ('i') of an instruction pattern such as
 * "1010.1100--1010.0100--xxxx.xxxx--xxxx.xiii": the fuse bits that exist.
 * Old parts carry lock bits in the second byte ("1111.1ii1"), so the last
 * byte that has input bits counts. */
static uint8_t pattern_mask(const char *pat)
{
    uint8_t m = 0;
    int bit = 0;
    for (size_t i = strlen(pat); i > 0; i--) {
        char c = pat[i - 1];
        if (c == '.' || c == '-' || c == ' ')
            continue;
        if (c == 'i')
            m |= (uint8_t)(1u << bit);
        if (++bit == 8) {
            if (m)
                return m;
            bit = 0;
        }
    }
    return m;
}

/* What one memory block said; applied to the part when the block ends. */
typedef struct memblock {
    bool size_set, page_set, min_set, max_set, paged_eeprom, write_set;
    unsigned long size, page, min_delay, max_delay;
    uint8_t write_mask;
} memblock;

static int memory_block(lexer *lx, memblock *mb)
{
    int rc;
    while (!is(lx, ";")) {
        if (lx->t != T_WORD)
            return fail(lx, "a memory setting or ';' ending the memory");
        char key[TOK_MAX];
        copyz(key, sizeof key, lx->text);
        if ((rc = next(lx)))
            return rc;
        if (is(lx, "=") && (rc = next(lx)))
            return rc;
        unsigned long v;
        if (strcmp(key, "size") == 0) {
            if ((rc = number(lx, 16ul << 20, &v)))
                return rc;
            mb->size = v, mb->size_set = true;
        } else if (strcmp(key, "page_size") == 0) {
            if ((rc = number(lx, 65536, &v)))
                return rc;
            mb->page = v, mb->page_set = true;
        } else if (strcmp(key, "min_write_delay") == 0) {
            if ((rc = number(lx, 10000000, &v)))
                return rc;
            mb->min_delay = v, mb->min_set = true;
        } else if (strcmp(key, "max_write_delay") == 0) {
            if ((rc = number(lx, 10000000, &v)))
                return rc;
            mb->max_delay = v, mb->max_set = true;
        } else if (strcmp(key, "readback") == 0) {
            for (int i = 0; i < 2; i++)
                if ((rc = number(lx, 0xff, &v)))
                    return rc;
        } else if (strcmp(key, "loadpage_lo") == 0) {
            mb->paged_eeprom = lx->t == T_STRING;
        } else if (strcmp(key, "write") == 0) {
            if (lx->t == T_STRING) {
                mb->write_mask = pattern_mask(lx->text);
                mb->write_set = true;
            }
        }
        if ((rc = skip_values(lx)))
            return rc;
    }
    return next(lx);
}

static void apply_memory(ft_part *p, const char *mem, const memblock *mb)
{
    uint32_t delay = 0;
    bool delay_set = mb->max_set || mb->min_set;
    if (delay_set)
        delay = (uint32_t)(mb->min_set ? mb->min_delay : mb->max_delay); /* min: datasheet tWD */
    ft_mem *m = strcmp(mem, "flash") == 0 ? &p->flash : strcmp(mem, "eeprom") == 0 ? &p->eeprom : NULL;
    if (m) {
        if (mb->size_set)
            m->size = (uint32_t)mb->size;
        if (mb->page_set)
            m->page_size = (uint32_t)mb->page;
        if (delay_set)
            m->write_delay_us = delay;
        if (mb->paged_eeprom)   /* Load Program Memory / EEPROM Page */
            m->paged = true;
        return;
    }
    if (strcmp(mem, "calibration") == 0) {
        if (mb->size_set)
            p->calibration_bytes = (uint8_t)(mb->size > 16 ? 16 : mb->size);
        else if (!p->calibration_bytes)
            p->calibration_bytes = 1;
        return;
    }
    if (fuse_slot(mem) < 0 && strcmp(mem, "lock") != 0)
        return;
    ft_fuse *f = get_fuse(p, mem);
    if (!f)
        return;
    if (mb->write_set) {
        f->writable = mb->write_mask;
        f->factory |= (uint8_t)~mb->write_mask;
    }
    if (delay_set && f != &p->lock && delay > p->fuse_write_delay_us)
        p->fuse_write_delay_us = delay;
}

static void drop_memory(ft_part *p, const char *mem)
{
    if (strcmp(mem, "flash") == 0)
        memset(&p->flash, 0, sizeof p->flash);
    else if (strcmp(mem, "eeprom") == 0)
        memset(&p->eeprom, 0, sizeof p->eeprom);
    else if (strcmp(mem, "calibration") == 0)
        p->calibration_bytes = 0;
    else if (strcmp(mem, "lock") == 0)
        memset(&p->lock, 0, sizeof p->lock);
    else if (fuse_slot(mem) >= 0)
        drop_fuse(p, mem);
}

static int copy_string(lexer *lx, char *dst, size_t size, const char *what)
{
    if (lx->t != T_STRING)
        return fail(lx, what);
    copyz(dst, size, lx->text);
    return next(lx);
}

static bool old_part_without_rdybsy(const char *name)
{
    static const char *const old[] = {"AT90S", "ATmega103", "ATmega603", "ATmega161",
                                      "ATmega163", "ATtiny11", "ATtiny12", "ATtiny15"};
    for (size_t i = 0; i < sizeof old / sizeof old[0]; i++) {
        size_t n = strlen(old[i]);
        if (strncasecmp(name, old[i], n) == 0 && (i == 0 || name[n] == '\0'))
            return true;
    }
    return false;
}

/* Facts avrdude.conf cannot express come from the part being replaced. */
static void keep_from(ft_part *p, const ft_part *old)
{
    if (memcmp(p->signature, old->signature, 3) != 0)
        return;
    for (int i = 0; i < p->nfuses; i++) {
        const ft_fuse *of = ft_part_fuse(old, p->fuses[i].name);
        if (of && p->fuses[i].nfields == 0) {
            p->fuses[i].nfields = of->nfields;
            memcpy(p->fuses[i].fields, of->fields, sizeof of->fields);
            p->fuses[i].factory = (uint8_t)((of->factory & p->fuses[i].writable) | ~p->fuses[i].writable);
        }
        /* The named settings' values stay in the database that holds `old`. */
        if (of && p->fuses[i].nsettings == 0) {
            p->fuses[i].nsettings = of->nsettings;
            memcpy(p->fuses[i].settings, of->settings, sizeof of->settings);
        }
    }
    if (p->lock.name[0] && old->lock.name[0] && p->lock.nfields == 0) {
        p->lock.nfields = old->lock.nfields;
        memcpy(p->lock.fields, old->lock.fields, sizeof old->lock.fields);
    }
    if (p->lock.name[0] && old->lock.name[0] && p->lock.nsettings == 0) {
        p->lock.nsettings = old->lock.nsettings;
        memcpy(p->lock.settings, old->lock.settings, sizeof old->lock.settings);
    }
    if (p->nclocks == 0) {
        p->nclocks = old->nclocks;
        memcpy(p->clocks, old->clocks, sizeof old->clocks);
    }
    if (p->naliases == 0) {
        p->naliases = old->naliases;
        memcpy(p->aliases, old->aliases, sizeof old->aliases);
    }
}

/* "parent "ID"": a starts as a copy of that part, from this file or the
 * database. */
static int part_parent(lexer *lx, ft_partdb *db, known *k, adpart *a)
{
    int rc;
    if ((rc = next(lx)))
        return rc;
    if (lx->t != T_STRING)
        return fail(lx, "the parent's id in quotes");
    const adpart *pa = known_find(k, lx->text);
    const ft_part *pd = pa ? NULL : ft_partdb_find(db, lx->text);
    if (pa) {
        *a = *pa;
    } else if (pd && strcasecmp(pd->id, lx->text) == 0) {
        a->p = *pd;
        a->modes_known = true;
        a->isp = true;
    } else {
        return fail(lx, "the id of a part defined earlier in this file or in the database");
    }
    return next(lx);
}

/* memory "NAME" = NULL; or memory "NAME" ... ; (after the key). */
static int part_memory(lexer *lx, adpart *a, int key_line)
{
    int rc;
    char mem[32];
    if ((rc = copy_string(lx, mem, sizeof mem, "a memory name in quotes")))
        return rc;
    if (is(lx, "=")) {
        if ((rc = next(lx)))
            return rc;
        if (lx->t != T_WORD || strcmp(lx->text, "NULL") != 0)
            return fail(lx, "NULL");
        if ((rc = next(lx)) || (rc = expect(lx, ";", "';'")))
            return rc;
        drop_memory(&a->p, mem);
        return FT_OK;
    }
    memblock mb;
    memset(&mb, 0, sizeof mb);
    if ((rc = memory_block(lx, &mb)))
        return rc;
    apply_memory(&a->p, mem, &mb);
    ft_mem *m = strcmp(mem, "flash") == 0 ? &a->p.flash : strcmp(mem, "eeprom") == 0 ? &a->p.eeprom : NULL;
    if (m)
        snprintf(m->source, sizeof m->source, "%.80s:%d", lx->file, key_line);
    return FT_OK;
}

/* KEY = VALUE...; (after the key): the settings ftisp uses, the others
 * read over. */
static int part_setting(lexer *lx, const char *key, adpart *a)
{
    int rc;
    if ((rc = expect(lx, "=", "'='")))
        return rc;
    unsigned long v;
    if (strcmp(key, "id") == 0) {
        if ((rc = copy_string(lx, a->p.id, sizeof a->p.id, "the part id in quotes")))
            return rc;
    } else if (strcmp(key, "desc") == 0) {
        if ((rc = copy_string(lx, a->p.name, sizeof a->p.name, "the part name in quotes")))
            return rc;
    } else if (strcmp(key, "signature") == 0) {
        for (int i = 0; i < 3; i++) {
            if ((rc = number(lx, 0xff, &v)))
                return rc;
            a->p.signature[i] = (uint8_t)v;
        }
    } else if (strcmp(key, "chip_erase_delay") == 0) {
        if ((rc = number(lx, 10000000, &v)))
            return rc;
        a->p.chip_erase_delay_us = (uint32_t)v;
    } else if (strcmp(key, "prog_modes") == 0) {
        a->modes_known = true;
        a->isp = false;
        while (!is(lx, ";") && lx->t != T_EOF) {
            if (lx->t == T_WORD && strcmp(lx->text, "PM_ISP") == 0)
                a->isp = true;
            if ((rc = next(lx)))
                return rc;
        }
    }
    return skip_values(lx);
}

/* The part read whole: checked, completed from what the database knew of
 * it, and kept when ftisp can program it. */
static int part_finish(lexer *lx, int start, ft_partdb *db, known *k, ft_partdb *out, adpart *a,
                       bool rdybsy_inherited)
{
    int rc;
    if (!a->p.id[0]) {
        lx->tline = start;
        return ft_err_set(lx->err, FT_E_INPUT, "%s:%d: expected an id in the part, found none",
                          lx->file, start);
    }
    if (!a->p.name[0])
        copyz(a->p.name, sizeof a->p.name, a->p.id);
    if (!rdybsy_inherited)
        a->p.has_rdybsy = a->p.flash.page_size > 1 && !old_part_without_rdybsy(a->p.name);
    /* Parts named with a leading '.' are templates for others to inherit. */
    bool usable = a->p.id[0] != '.' && (!a->modes_known || a->isp) && a->p.flash.size > 0;
    if (usable && !a->p.signature[0] && !a->p.signature[1] && !a->p.signature[2])
        return ft_err_set(lx->err, FT_E_INPUT, "%s:%d: expected a signature in part \"%s\", found none",
                          lx->file, start, a->p.id);
    if (usable) {
        const ft_part *old = ft_partdb_find(out, a->p.id);
        if (!old)
            old = ft_partdb_find(db, a->p.id);
        if (old && strcasecmp(old->id, a->p.id) == 0)
            keep_from(&a->p, old);
        ft_part_derive(&a->p);
        if ((rc = ft_partdb_put(out, &a->p, lx->err)))
            return rc;
    }
    return known_add(k, a, lx->err);
}

static int part_block(lexer *lx, int start, ft_partdb *db, known *k, ft_partdb *out)
{
    int rc;
    adpart a;
    memset(&a, 0, sizeof a);
    if (lx->t == T_WORD && strcmp(lx->text, "parent") == 0 && (rc = part_parent(lx, db, k, &a)))
        return rc;
    a.p.id[0] = '\0';
    snprintf(a.p.source, sizeof a.p.source, "%.80s:%d", lx->file, start);
    bool rdybsy_inherited = a.p.flash.size != 0;
    while (!is(lx, ";")) {
        if (lx->t == T_EOF)
            return fail(lx, "';' ending the part");
        if (lx->t != T_WORD)
            return fail(lx, "a part setting or ';' ending the part");
        char key[TOK_MAX];
        copyz(key, sizeof key, lx->text);
        int key_line = lx->tline;
        if ((rc = next(lx)))
            return rc;
        rc = strcmp(key, "memory") == 0 ? part_memory(lx, &a, key_line) : part_setting(lx, key, &a);
        if (rc)
            return rc;
    }
    if ((rc = next(lx)))
        return rc;
    return part_finish(lx, start, db, k, out, &a, rdybsy_inherited);
}

/* A programmer entry or any block ftisp does not use: statements up to ';'. */
static int skip_block(lexer *lx)
{
    int rc;
    if (lx->t == T_WORD && strcmp(lx->text, "parent") == 0) {
        if ((rc = next(lx)) || (rc = next(lx)))
            return rc;
    }
    while (!is(lx, ";")) {
        if (lx->t == T_EOF)
            return fail(lx, "';' ending the block");
        if (lx->t != T_WORD)
            return fail(lx, "a setting or ';' ending the block");
        if ((rc = next(lx)))
            return rc;
        if (is(lx, "=") && (rc = next(lx)))
            return rc;
        if ((rc = skip_values(lx)))
            return rc;
    }
    return next(lx);
}

/* ---------------------------------------------------------- programmers */

/* One pin: N or ~N (a ~ alone before N works too), as avrdude numbers them
 * for the programmer's type; ~( N, N... ) inverts a list. */
static int pin_item(lexer *lx, ft_pins *ps)
{
    bool low = false;
    const char *t = lx->text;
    int rc;
    if (lx->t == T_WORD && t[0] == '~') {
        low = true;
        if (!t[1]) {
            if ((rc = next(lx)))
                return rc;
            t = lx->text;
        } else {
            t++;
        }
    }
    if (low && is(lx, "(")) {
        if ((rc = next(lx)))
            return rc;
        while (!is(lx, ")")) {
            char *end;
            long v = lx->t == T_WORD ? strtol(lx->text, &end, 0) : -1;
            if (lx->t != T_WORD || !lx->text[0] || *end || v < 0 || v > 1023)
                return fail(lx, "a pin number");
            if (ps->n < FT_PINS_MAX) {
                ps->pin[ps->n] = (int)v;
                ps->low[ps->n++] = true;
            }
            if ((rc = next(lx)))
                return rc;
            if (is(lx, ",") && (rc = next(lx)))
                return rc;
        }
        return next(lx);
    }
    char *end;
    long v = lx->t == T_WORD ? strtol(t, &end, 0) : -1;
    if (lx->t != T_WORD || *t == '\0' || *end || v < 0 || v > 1023)
        return fail(lx, "a pin number, ~ for inverted");
    if (ps->n < FT_PINS_MAX) {
        ps->pin[ps->n] = (int)v;
        ps->low[ps->n++] = low;
    }
    return next(lx);
}

/* `key = pin[, pin]... ;` or `key = ;` (none) */
static int pin_list(lexer *lx, ft_pins *ps)
{
    ps->n = 0;
    if (is(lx, ";"))
        return next(lx);
    for (;;) {
        int rc = pin_item(lx, ps);
        if (rc)
            return rc;
        if (is(lx, ";"))
            return next(lx);
        if ((rc = expect(lx, ",", "',' or ';'")))
            return rc;
    }
}

static int pin_fn(const char *key)
{
    static const char *const names[][2] = {
        {"reset", NULL}, {"sck", NULL}, {"sdo", "mosi"}, {"sdi", "miso"}, {"buff", NULL}, {"vcc", NULL},
        {"rdyled", NULL}, {"errled", NULL}, {"pgmled", NULL}, {"vfyled", NULL},
    };
    for (int i = 0; i < FT_PIN_FNS; i++)
        if (strcmp(key, names[i][0]) == 0 || (names[i][1] && strcmp(key, names[i][1]) == 0))
            return i;
    return -1;
}

typedef struct progs {
    int n;
    ft_programmer v[64];
} progs;

static const ft_programmer *prog_parent(const progs *mine, const ft_progdb *pdb, const char *id)
{
    for (int i = mine->n - 1; i >= 0; i--)
        if (strcasecmp(mine->v[i].id, id) == 0)
            return &mine->v[i];
    return ft_progdb_find(pdb, id);
}

/* "parent "ID"": p starts as a copy of that programmer. */
static int programmer_parent(lexer *lx, ft_progdb *pdb, progs *mine, ft_programmer *p)
{
    int rc;
    if ((rc = next(lx)))
        return rc;
    if (lx->t != T_STRING)
        return fail(lx, "the parent programmer's id in quotes");
    const ft_programmer *par = prog_parent(mine, pdb, lx->text);
    if (!par)
        return ft_err_set(lx->err, FT_E_INPUT, "%s:%d: programmer parent \"%s\" is not defined above",
                          lx->file, lx->tline, lx->text);
    *p = *par;
    p->id[0] = '\0';
    return next(lx);
}

/* id = "a", "b"; (after the '='): up to 4 kept. */
static int programmer_ids(lexer *lx, char ids[4][32], int *nids)
{
    int rc;
    *nids = 0;
    for (;;) {
        if (lx->t != T_STRING || !lx->text[0])
            return fail(lx, "an id in quotes");
        if (*nids < 4)
            copyz(ids[(*nids)++], sizeof ids[0], lx->text);
        if ((rc = next(lx)))
            return rc;
        if (is(lx, ";"))
            return next(lx);
        if ((rc = expect(lx, ",", "',' or ';'")))
            return rc;
    }
}

/* usbpid = 0x6014, 0x6010; (after the '='): the first is ftisp's. */
static int programmer_pids(lexer *lx, ft_programmer *p)
{
    int rc;
    unsigned long v;
    p->npids = 0;
    while (!is(lx, ";")) {
        if ((rc = number(lx, 0xffff, &v)))
            return rc;
        if (p->npids < (int)(sizeof p->pids / sizeof p->pids[0]))
            p->pids[p->npids++] = (uint16_t)v;
        if (!is(lx, ";") && (rc = expect(lx, ",", "',' or ';'")))
            return rc;
    }
    p->pid = p->npids ? p->pids[0] : 0;
    return next(lx);
}

/* A quoted setting ftisp keeps, or NULL. */
static char *programmer_text(ft_programmer *p, const char *key, size_t *n)
{
    static const struct { const char *key; size_t off, size; } TEXT[] = {
        {"desc", offsetof(ft_programmer, desc), sizeof ((ft_programmer *)0)->desc},
        {"type", offsetof(ft_programmer, type), sizeof ((ft_programmer *)0)->type},
        {"usbsn", offsetof(ft_programmer, serial), sizeof ((ft_programmer *)0)->serial},
        {"usbdev", offsetof(ft_programmer, usbdev), sizeof ((ft_programmer *)0)->usbdev},
    };
    for (size_t i = 0; i < sizeof TEXT / sizeof TEXT[0]; i++)
        if (strcmp(key, TEXT[i].key) == 0) {
            *n = TEXT[i].size;
            return (char *)p + TEXT[i].off;
        }
    return NULL;
}

/* KEY = VALUE...; (after the '='): the settings ftisp uses, the others read
 * over. */
static int programmer_setting(lexer *lx, const char *key, ft_programmer *p, char ids[4][32], int *nids)
{
    int rc;
    unsigned long v;
    size_t n;
    char *text = programmer_text(p, key, &n);
    int fn = pin_fn(key);
    if (strcmp(key, "id") == 0)
        return programmer_ids(lx, ids, nids);
    if (text) {
        if (lx->t != T_STRING)
            return fail(lx, "a value in quotes");
        copyz(text, n, lx->text);
        if ((rc = next(lx)))
            return rc;
        return expect(lx, ";", "';'");
    }
    if (strcmp(key, "usbvid") == 0) {
        if ((rc = number(lx, 0xffff, &v)))
            return rc;
        p->vid = (uint16_t)v;
        return expect(lx, ";", "';'");
    }
    if (strcmp(key, "usbpid") == 0)
        return programmer_pids(lx, p);
    if (fn >= 0)
        return pin_list(lx, &p->pins[fn]);
    return skip_values(lx);
}

static int programmer_block(lexer *lx, int start, ft_progdb *pdb, progs *mine)
{
    ft_programmer p;
    ft_programmer_blank(&p);
    int rc;
    if (lx->t == T_WORD && strcmp(lx->text, "parent") == 0 && (rc = programmer_parent(lx, pdb, mine, &p)))
        return rc;
    char ids[4][32];
    int nids = 0;
    while (!is(lx, ";")) {
        if (lx->t != T_WORD)
            return fail(lx, "a setting or ';' ending the programmer");
        char key[32];
        copyz(key, sizeof key, lx->text);
        if ((rc = next(lx)) || (rc = expect(lx, "=", "'='")) || (rc = programmer_setting(lx, key, &p, ids, &nids)))
            return rc;
    }
    if (!nids)
        return ft_err_set(lx->err, FT_E_INPUT, "%s:%d: programmer without an id", lx->file, start);
    snprintf(p.source, sizeof p.source, "%.80s:%d", lx->file, start);
    ft_programmer_derive(&p);
    for (int i = 0; i < nids; i++) {
        copyz(p.id, sizeof p.id, ids[i]);
        if (mine->n < (int)(sizeof mine->v / sizeof mine->v[0]))
            mine->v[mine->n++] = p;
        if ((rc = ft_progdb_put(pdb, &p, lx->err)))
            return rc;
    }
    return next(lx);
}

int ft_partdb_parse_avrdude(ft_partdb *db, const char *name, const char *text, size_t len, ft_err *err)
{
    return ft_avrdude_parse(db, NULL, name, text, len, err);
}

int ft_avrdude_parse(ft_partdb *db, ft_progdb *pdb, const char *name, const char *text, size_t len, ft_err *err)
{
    lexer lx = {.file = name, .s = text, .len = len, .line = 1, .err = err};
    known k = {0};
    progs *mine = pdb ? calloc(1, sizeof *mine) : NULL;
    if (pdb && !mine)
        return ft_err_set(err, FT_E_FAIL, "out of memory");
    ft_partdb out;
    ft_partdb_init(&out);
    int rc = next(&lx);
    while (rc == FT_OK && lx.t != T_EOF) {
        if (lx.t != T_WORD) {
            rc = fail(&lx, "part, programmer or a setting");
            break;
        }
        if (strcmp(lx.text, "part") == 0) {
            int start = lx.tline;
            if ((rc = next(&lx)) == FT_OK)
                rc = part_block(&lx, start, db, &k, &out);
        } else if (strcmp(lx.text, "programmer") == 0 && pdb) {
            int start = lx.tline;
            if ((rc = next(&lx)) == FT_OK)
                rc = programmer_block(&lx, start, pdb, mine);
        } else if (strcmp(lx.text, "programmer") == 0 || strcmp(lx.text, "serialadapter") == 0) {
            if ((rc = next(&lx)) == FT_OK)
                rc = skip_block(&lx);
        } else if (pdb && (strcmp(lx.text, "default_programmer") == 0 || strcmp(lx.text, "default_bitclock") == 0)) {
            bool prog = lx.text[8] == 'p';
            if ((rc = next(&lx)) == FT_OK && (rc = expect(&lx, "=", "'='")) == FT_OK) {
                if (prog && lx.t == T_STRING) {
                    copyz(pdb->default_id, sizeof pdb->default_id, lx.text);
                } else if (!prog && lx.t == T_WORD) {
                    char *end;
                    double us = strtod(lx.text, &end);
                    if (*end || !(us > 0) || us > 1e6)
                        rc = fail(&lx, "a bit clock period in microseconds");
                    pdb->default_bitclock = us;
                } else {
                    rc = fail(&lx, prog ? "a programmer id in quotes" : "a number");
                }
                if (rc == FT_OK && (rc = next(&lx)) == FT_OK)
                    rc = expect(&lx, ";", "';'");
            }
        } else {
            if ((rc = next(&lx)) == FT_OK && (rc = expect(&lx, "=", "'='")) == FT_OK)
                rc = skip_values(&lx);
        }
    }
    if (rc == FT_OK)
        for (int i = 0; i < out.nparts && rc == FT_OK; i++)
            rc = ft_partdb_put(db, &out.parts[i], err);
    ft_partdb_free(&out);
    free(k.v);
    free(mine);
    return rc;
}
