/* Reader for ftisp's own parts.conf format (described at the top of
 * data/parts.conf): line-oriented `key value...` statements in part blocks
 * with memory, fuse and lock sub-blocks. Every error names file:line. The
 * named settings' values go into the database's pool (see ft_setting). */
#include "ftisp/partdb.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_WORDS 16
#define WORD_MAX 64

typedef struct reader {
    const char *file;
    int line;
    int nw;
    char w[MAX_WORDS][WORD_MAX];
    ft_err *err;
    ft_partdb *db;            /* owns the settings' values */
    ft_setting *set;          /* the setting whose `value` lines follow */
    int nvals;
    ft_setting_value vals[FT_MAX_VALUES];
} reader;

static int fail(reader *r, const char *expected, const char *found)
{
    return ft_err_set(r->err, FT_E_INPUT, "%s:%d: expected %s, found %s",
                      r->file, r->line, expected, found);
}

static int fail_word(reader *r, const char *expected, int i)
{
    char found[WORD_MAX + 4];
    if (i < r->nw)
        snprintf(found, sizeof found, "'%s'", r->w[i]);
    else
        snprintf(found, sizeof found, "end of line");
    return fail(r, expected, found);
}

/* Splits one line into words; `#` starts a comment. */
static int split(reader *r, const char *s, size_t n)
{
    r->nw = 0;
    size_t i = 0;
    while (i < n) {
        while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
            i++;
        if (i >= n || s[i] == '#')
            break;
        size_t b = i;
        while (i < n && s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '#')
            i++;
        if (r->nw == MAX_WORDS)
            return fail(r, "at most 16 words on a line", "more");
        size_t len = i - b;
        if (len >= WORD_MAX)
            return fail(r, "a word of at most 63 characters", "a longer one");
        for (size_t k = b; k < i; k++)
            if (!isprint((unsigned char)s[k]))
                return fail(r, "printable text", "a control or non-ASCII byte");
        memcpy(r->w[r->nw], s + b, len);
        r->w[r->nw][len] = '\0';
        r->nw++;
    }
    return FT_OK;
}

static int want_words(reader *r, int n, const char *what)
{
    if (r->nw < n)
        return fail_word(r, what, r->nw);
    if (r->nw > n)
        return fail(r, "end of line", r->w[n]);
    return FT_OK;
}

static int number(reader *r, int i, uint32_t max, uint32_t *out)
{
    if (i >= r->nw)
        return fail_word(r, "a number", i);
    const char *s = r->w[i];
    char *end;
    if (!isdigit((unsigned char)s[0]))
        return fail_word(r, "a number", i);
    unsigned long long v = strtoull(s, &end, 0);
    if (*end != '\0' || v > max) {
        char what[48];
        snprintf(what, sizeof what, "a number from 0 to %lu", (unsigned long)max);
        return fail_word(r, what, i);
    }
    *out = (uint32_t)v;
    return FT_OK;
}

static int byte(reader *r, int i, uint8_t *out)
{
    uint32_t v;
    int rc = number(r, i, 0xff, &v);
    *out = (uint8_t)v;
    return rc;
}

/* A frequency in Hz, optionally with a k or M suffix: 8M, 128k, 32768. */
static int frequency(reader *r, int i, uint32_t *out)
{
    if (i >= r->nw)
        return fail_word(r, "a frequency", i);
    const char *s = r->w[i];
    char *end;
    if (!isdigit((unsigned char)s[0]))
        return fail_word(r, "a frequency (Hz, or with k or M)", i);
    unsigned long long v = strtoull(s, &end, 10);
    unsigned long long mul = 1;
    if (*end == 'k')
        mul = 1000, end++;
    else if (*end == 'M')
        mul = 1000000, end++;
    if (*end != '\0' || v > 4000000000ull / mul)
        return fail_word(r, "a frequency (Hz, or with k or M)", i);
    *out = (uint32_t)(v * mul);
    return FT_OK;
}

static int yesno(reader *r, int i, bool *out)
{
    if (i < r->nw && strcmp(r->w[i], "yes") == 0)
        *out = true;
    else if (i < r->nw && strcmp(r->w[i], "no") == 0)
        *out = false;
    else
        return fail_word(r, "yes or no", i);
    return FT_OK;
}

static int name_into(reader *r, int i, char *dst, size_t size)
{
    if (i >= r->nw)
        return fail_word(r, "a name", i);
    if (strlen(r->w[i]) >= size) {
        char what[48];
        snprintf(what, sizeof what, "a name of at most %zu characters", size - 1);
        return fail_word(r, what, i);
    }
    strcpy(dst, r->w[i]);
    return FT_OK;
}

static int fuse_index(const char *name)
{
    if (strcmp(name, "lfuse") == 0 || strcmp(name, "fuse") == 0)
        return 0;
    if (strcmp(name, "hfuse") == 0)
        return 1;
    if (strcmp(name, "efuse") == 0)
        return 2;
    return -1;
}

static int clock_kind(const char *s)
{
    static const char *const kinds[] = {"rc", "crystal", "external", "lowfreq", "pll"};
    for (int i = 0; i < 5; i++)
        if (strcmp(s, kinds[i]) == 0)
            return i;
    return -1;
}

enum block { B_NONE, B_PART, B_FLASH, B_EEPROM, B_FUSE, B_LOCK };

/* Setting and value names are identifiers: no spaces, `=` or wildcards, so
 * that `config name=value` and patterns can never be ambiguous. */
static int identifier(reader *r, int i)
{
    for (const char *c = r->w[i]; *c; c++)
        if (!isalnum((unsigned char)*c) && *c != '_')
            return fail_word(r, "a name of letters, digits and _", i);
    return FT_OK;
}

/* The values read for the current setting go where the database keeps them. */
static int finish_setting(reader *r)
{
    ft_setting *s = r->set;
    r->set = NULL;
    if (!s)
        return FT_OK;
    if (r->nvals == 0)
        return fail(r, "value lines after a config line", "none");
    ft_setting_value *v = ft_partdb_alloc(r->db, (size_t)r->nvals * sizeof *v);
    if (!v)
        return ft_err_set(r->err, FT_E_FAIL, "out of memory loading parts");
    memcpy(v, r->vals, (size_t)r->nvals * sizeof *v);
    s->values = v;
    s->nvalues = (uint16_t)r->nvals;
    r->nvals = 0;
    return FT_OK;
}

static int config_line(reader *r, ft_fuse *f)
{
    int rc;
    if ((rc = want_words(r, 4, "config NAME MASK FACTORY")) != FT_OK ||
        (rc = finish_setting(r)) != FT_OK || (rc = identifier(r, 1)) != FT_OK)
        return rc;
    if (ft_fuse_setting(f, r->w[1]))
        return fail(r, "a setting name not yet used in this byte", r->w[1]);
    if (f->nsettings == FT_MAX_SETTINGS)
        return fail(r, "at most 8 settings in one byte", "another");
    ft_setting s = {0};
    if ((rc = name_into(r, 1, s.name, sizeof s.name)) != FT_OK ||
        (rc = byte(r, 2, &s.mask)) != FT_OK || (rc = byte(r, 3, &s.factory)) != FT_OK)
        return rc;
    if (s.mask == 0)
        return fail(r, "a non-zero mask", r->w[2]);
    for (int i = 0; i < f->nsettings; i++)
        if (f->settings[i].mask & s.mask)
            return fail(r, "a mask no other setting of this byte uses", r->w[2]);
    if (s.factory & ~s.mask)
        return fail_word(r, "a factory value inside the mask", 3);
    f->settings[f->nsettings] = s;
    r->set = &f->settings[f->nsettings++];
    r->nvals = 0;
    return FT_OK;
}

static int value_line(reader *r, ft_fuse *f)
{
    int rc;
    if ((rc = want_words(r, 3, "value VALUE NAME")) != FT_OK)
        return rc;
    ft_setting *s = r->set;
    if (!s || s < f->settings || s >= f->settings + f->nsettings)
        return fail(r, "a config line before the values", "value");
    uint8_t v;
    if ((rc = byte(r, 1, &v)) != FT_OK || (rc = identifier(r, 2)) != FT_OK)
        return rc;
    if (v & ~s->mask)
        return fail_word(r, "a value inside the setting's mask", 1);
    if (r->nvals == FT_MAX_VALUES)
        return fail(r, "at most 256 values in one setting", "another");
    for (int i = 0; i < r->nvals; i++) {
        if (r->vals[i].value == v)
            return fail_word(r, "each value once in a setting", 1);
        if (strcasecmp(r->vals[i].name, r->w[2]) == 0)
            return fail_word(r, "each value name once in a setting", 2);
    }
    size_t len = strlen(r->w[2]) + 1;
    char *name = ft_partdb_alloc(r->db, len);
    if (!name)
        return ft_err_set(r->err, FT_E_FAIL, "out of memory loading parts");
    memcpy(name, r->w[2], len);
    r->vals[r->nvals].value = v;
    r->vals[r->nvals].name = name;
    r->nvals++;
    return FT_OK;
}

/* Statements inside `fuse NAME` and `lock`. */
static int fuse_line(reader *r, ft_fuse *f)
{
    const char *k = r->w[0];
    int rc;
    if (strcmp(k, "writable") == 0) {
        if ((rc = want_words(r, 2, "a mask")) == FT_OK)
            rc = byte(r, 1, &f->writable);
    } else if (strcmp(k, "factory") == 0) {
        if ((rc = want_words(r, 2, "a value")) == FT_OK)
            rc = byte(r, 1, &f->factory);
    } else if (strcmp(k, "delay") == 0) {
        uint32_t d;
        if ((rc = want_words(r, 2, "microseconds")) == FT_OK)
            rc = number(r, 1, 10000000, &d);
    } else if (strcmp(k, "field") == 0) {
        if ((rc = want_words(r, 3, "field NAME MASK")) != FT_OK)
            return rc;
        if (ft_fuse_field(f, r->w[1]))
            return fail(r, "a field name not yet used in this byte", r->w[1]);
        if (f->nfields == FT_MAX_FIELDS)
            return fail(r, "at most 16 fields in one byte", "another");
        ft_field *fl = &f->fields[f->nfields];
        if ((rc = name_into(r, 1, fl->name, sizeof fl->name)) != FT_OK)
            return rc;
        if ((rc = byte(r, 2, &fl->mask)) != FT_OK)
            return rc;
        if (fl->mask == 0)
            return fail(r, "a non-zero mask", r->w[2]);
        f->nfields++;
    } else if (strcmp(k, "config") == 0) {
        rc = config_line(r, f);
    } else if (strcmp(k, "value") == 0) {
        rc = value_line(r, f);
    } else {
        rc = fail_word(r, "writable, factory, delay, field, config, value or end", 0);
    }
    return rc;
}

static int mem_line(reader *r, ft_mem *m, bool eeprom)
{
    const char *k = r->w[0];
    int rc;
    if (strcmp(k, "size") == 0) {
        if ((rc = want_words(r, 2, "a size in bytes")) == FT_OK)
            rc = number(r, 1, 16u << 20, &m->size);
    } else if (strcmp(k, "page") == 0) {
        if ((rc = want_words(r, 2, "a page size in bytes")) == FT_OK)
            rc = number(r, 1, 65536, &m->page_size);
        /* a flash written a byte at a time has no page line: a page given
         * says the flash is paged, and partdb_check wants a real size */
        if (rc == FT_OK && !eeprom)
            m->paged = true;
    } else if (strcmp(k, "delay") == 0) {
        if ((rc = want_words(r, 2, "microseconds")) == FT_OK)
            rc = number(r, 1, 10000000, &m->write_delay_us);
    } else if (eeprom && strcmp(k, "paged") == 0) {
        if ((rc = want_words(r, 2, "yes or no")) == FT_OK)
            rc = yesno(r, 1, &m->paged);
    } else {
        rc = fail_word(r, eeprom ? "size, page, paged, delay or end" : "size, page, delay or end", 0);
    }
    return rc;
}

static int clock_line(reader *r, ft_part *p)
{
    if (r->nw != 7 && r->nw != 11)
        return fail(r, "clock FUSE MASK VALUE KIND MIN MAX [if FUSE MASK VALUE]",
                    r->nw < 7 ? "fewer words" : "a different number of words");
    if (p->nclocks == FT_MAX_CLOCKS)
        return fail(r, "at most 24 clock lines in a part", "another");
    ft_clock c = {0};
    int fi = fuse_index(r->w[1]);
    if (fi < 0)
        return fail_word(r, "lfuse, hfuse, efuse or fuse", 1);
    c.fuse = (uint8_t)fi;
    int rc;
    if ((rc = byte(r, 2, &c.mask)) || (rc = byte(r, 3, &c.value)))
        return rc;
    int kind = clock_kind(r->w[4]);
    if (kind < 0)
        return fail_word(r, "rc, crystal, external, lowfreq or pll", 4);
    c.kind = (uint8_t)kind;
    if ((rc = frequency(r, 5, &c.min_hz)) || (rc = frequency(r, 6, &c.max_hz)))
        return rc;
    if (c.max_hz && c.min_hz > c.max_hz)
        return fail_word(r, "a maximum not below the minimum", 6);
    if ((c.value & ~c.mask) != 0)
        return fail_word(r, "a value inside the mask", 3);
    if (r->nw == 11) {
        if (strcmp(r->w[7], "if") != 0)
            return fail_word(r, "if", 7);
        fi = fuse_index(r->w[8]);
        if (fi < 0)
            return fail_word(r, "lfuse, hfuse, efuse or fuse", 8);
        c.cond_fuse = (uint8_t)fi;
        if ((rc = byte(r, 9, &c.cond_mask)) || (rc = byte(r, 10, &c.cond_value)))
            return rc;
        if (c.cond_mask == 0 || (c.cond_value & ~c.cond_mask) != 0)
            return fail_word(r, "a non-zero mask and a value inside it", 9);
    }
    p->clocks[p->nclocks++] = c;
    return FT_OK;
}

static int part_line(reader *r, ft_part *p, enum block *blk, ft_fuse **cur)
{
    const char *k = r->w[0];
    int rc;
    if (strcmp(k, "name") == 0) {
        if ((rc = want_words(r, 2, "a name")) == FT_OK)
            rc = name_into(r, 1, p->name, sizeof p->name);
    } else if (strcmp(k, "alias") == 0) {
        if ((rc = want_words(r, 2, "a name")) != FT_OK)
            return rc;
        if (p->naliases == FT_MAX_ALIASES)
            return fail(r, "at most 6 aliases", "another");
        if ((rc = name_into(r, 1, p->aliases[p->naliases], sizeof p->aliases[0])) == FT_OK)
            p->naliases++;
    } else if (strcmp(k, "signature") == 0) {
        if ((rc = want_words(r, 4, "three signature bytes")) != FT_OK)
            return rc;
        for (int i = 0; i < 3 && rc == FT_OK; i++)
            rc = byte(r, i + 1, &p->signature[i]);
    } else if (strcmp(k, "chip_erase_delay") == 0) {
        if ((rc = want_words(r, 2, "microseconds")) == FT_OK)
            rc = number(r, 1, 10000000, &p->chip_erase_delay_us);
    } else if (strcmp(k, "rdybsy") == 0) {
        if ((rc = want_words(r, 2, "yes or no")) == FT_OK)
            rc = yesno(r, 1, &p->has_rdybsy);
    } else if (strcmp(k, "protocol") == 0) {
        if ((rc = want_words(r, 2, "isp or tpi")) != FT_OK)
            return rc;
        if (strcmp(r->w[1], "isp") == 0)
            p->protocol = FT_PROTO_ISP;
        else if (strcmp(r->w[1], "tpi") == 0)
            p->protocol = FT_PROTO_TPI;
        else
            return fail_word(r, "isp or tpi", 1);
    } else if (strcmp(k, "tpi_words") == 0) {
        uint32_t n;
        if ((rc = want_words(r, 2, "1, 2 or 4 words")) == FT_OK && (rc = number(r, 1, 4, &n)) == FT_OK) {
            if (n == 3 || n == 0)
                return fail_word(r, "1, 2 or 4 words", 1);
            p->tpi_words = (uint8_t)n;
        }
    } else if (strcmp(k, "sram") == 0) {
        uint32_t n;
        if ((rc = want_words(r, 2, "a number of bytes")) == FT_OK && (rc = number(r, 1, 4096, &n)) == FT_OK)
            p->sram_size = (uint16_t)n;
    } else if (strcmp(k, "prodsig") == 0) {
        uint32_t n;
        if ((rc = want_words(r, 2, "a number of bytes")) == FT_OK && (rc = number(r, 1, 64, &n)) == FT_OK)
            p->prodsig_bytes = (uint8_t)n;
    } else if (strcmp(k, "calibration") == 0) {
        uint32_t n;
        if ((rc = want_words(r, 2, "a number of bytes")) == FT_OK &&
            (rc = number(r, 1, 16, &n)) == FT_OK)
            p->calibration_bytes = (uint8_t)n;
    } else if (strcmp(k, "memory") == 0) {
        if ((rc = want_words(r, 2, "flash or eeprom")) != FT_OK)
            return rc;
        if (strcmp(r->w[1], "flash") == 0) {
            memset(&p->flash, 0, sizeof p->flash);
            snprintf(p->flash.source, sizeof p->flash.source, "%.80s:%d", r->file, r->line);
            *blk = B_FLASH;
        } else if (strcmp(r->w[1], "eeprom") == 0) {
            memset(&p->eeprom, 0, sizeof p->eeprom);
            snprintf(p->eeprom.source, sizeof p->eeprom.source, "%.80s:%d", r->file, r->line);
            *blk = B_EEPROM;
        } else {
            return fail_word(r, "flash or eeprom", 1);
        }
    } else if (strcmp(k, "fuse") == 0) {
        if ((rc = want_words(r, 2, "lfuse, hfuse, efuse or fuse")) != FT_OK)
            return rc;
        int idx = fuse_index(r->w[1]);
        if (idx < 0)
            return fail_word(r, "lfuse, hfuse, efuse or fuse", 1);
        if (ft_part_fuse(p, r->w[1]))
            return fail(r, "each fuse once per part", r->w[1]);
        for (int i = 0; i < p->nfuses; i++)
            if (p->fuses[i].index == idx)
                return fail(r, "one name per fuse byte (fuse and lfuse are both byte 0)", r->w[1]);
        if (p->nfuses == FT_MAX_FUSES)
            return fail(r, "at most 3 fuse bytes", r->w[1]);
        ft_fuse *f = &p->fuses[p->nfuses++];
        memset(f, 0, sizeof *f);
        strcpy(f->name, r->w[1]);
        f->index = (uint8_t)idx;
        f->writable = 0xff;
        f->factory = 0xff;
        *cur = f;
        *blk = B_FUSE;
    } else if (strcmp(k, "lock") == 0) {
        if ((rc = want_words(r, 1, "lock alone on its line")) != FT_OK)
            return rc;
        memset(&p->lock, 0, sizeof p->lock);
        strcpy(p->lock.name, "lock");
        p->lock.writable = 0xff;
        p->lock.factory = 0xff;
        *cur = &p->lock;
        *blk = B_LOCK;
    } else if (strcmp(k, "clock") == 0) {
        rc = clock_line(r, p);
    } else {
        rc = fail_word(r, "a part key (name, alias, signature, chip_erase_delay, rdybsy, "
                          "protocol, tpi_words, sram, prodsig, calibration, memory, fuse, lock, clock) or end", 0);
    }
    return rc;
}

/* The delay of the fuse blocks is the part's fuse delay; the fuse reader
 * keeps it here since ft_fuse has no place for it. */
static void fuse_delay(reader *r, ft_part *p)
{
    uint32_t d;
    ft_err quiet = {0};
    ft_err *save = r->err;
    r->err = &quiet;
    if (r->nw == 2 && strcmp(r->w[0], "delay") == 0 && number(r, 1, 10000000, &d) == FT_OK &&
        d > p->fuse_write_delay_us)
        p->fuse_write_delay_us = d;
    r->err = save;
}

static int finish_part(reader *r, ft_part *p, ft_partdb *tmp)
{
    if (p->signature[0] == 0 && p->signature[1] == 0 && p->signature[2] == 0)
        return fail(r, "a signature line in the part", "end");
    if (p->flash.size == 0)
        return fail(r, "a memory flash block with a size", "end");
    if (!p->name[0])
        snprintf(p->name, sizeof p->name, "%s", p->id);
    ft_part_derive(p);
    return ft_partdb_put(tmp, p, r->err);
}

int ft_partdb_parse(ft_partdb *db, const char *name, const char *text, size_t len, ft_err *err)
{
    reader r = {.file = name, .line = 0, .err = err, .db = db};
    ft_partdb tmp;
    ft_partdb_init(&tmp);
    ft_part *p = calloc(1, sizeof *p);
    if (!p)
        return ft_err_set(err, FT_E_FAIL, "out of memory loading parts");
    enum block blk = B_NONE;
    ft_fuse *cur = NULL;
    int rc = FT_OK;
    size_t i = 0;
    while (i < len && rc == FT_OK) {
        size_t e = i;
        while (e < len && text[e] != '\n')
            e++;
        r.line++;
        rc = split(&r, text + i, e - i);
        i = e + 1;
        if (rc != FT_OK || r.nw == 0)
            continue;
        bool is_end = strcmp(r.w[0], "end") == 0;
        if (is_end && (rc = want_words(&r, 1, "end alone on its line")) != FT_OK)
            break;
        switch (blk) {
        case B_NONE:
            if (strcmp(r.w[0], "part") != 0) {
                /* also what -C says of a file in neither format */
                rc = fail_word(&r, "part ID (parts.conf) or avrdude.conf part and programmer entries", 0);
                break;
            }
            if ((rc = want_words(&r, 2, "part ID")) != FT_OK)
                break;
            memset(p, 0, sizeof *p);
            if ((rc = name_into(&r, 1, p->id, sizeof p->id)) != FT_OK)
                break;
            snprintf(p->source, sizeof p->source, "%.80s:%d", name, r.line);
            blk = B_PART;
            break;
        case B_PART:
            if (is_end) {
                rc = finish_part(&r, p, &tmp);
                blk = B_NONE;
            } else {
                rc = part_line(&r, p, &blk, &cur);
            }
            break;
        case B_FLASH:
        case B_EEPROM:
            if (is_end)
                blk = B_PART;
            else
                rc = mem_line(&r, blk == B_FLASH ? &p->flash : &p->eeprom, blk == B_EEPROM);
            break;
        case B_FUSE:
        case B_LOCK:
            if (is_end) {
                rc = finish_setting(&r);
                blk = B_PART;
            } else {
                rc = fuse_line(&r, cur);
                if (rc == FT_OK)
                    fuse_delay(&r, p);
            }
            break;
        }
    }
    if (rc == FT_OK && blk != B_NONE) {
        r.line++;
        rc = fail(&r, blk == B_PART ? "end of the part" : "end of the block", "end of file");
    }
    if (rc == FT_OK)
        for (int k = 0; k < tmp.nparts && rc == FT_OK; k++)
            rc = ft_partdb_put(db, &tmp.parts[k], err);
    ft_partdb_free(&tmp);
    free(p);
    return rc;
}
