/* Fuses in words. The facts come from the chip database: the clock table
 * (ft_clock) for the source and its range, and Microchip's value names
 * (bod_2v7, bs_256w, extxosc_8mhz_xx_16kck_14ck_65ms ...), whose parts are
 * numbers this file reads; the sentences are ftisp's own. */
#include "ftisp/fuse_words.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- value names taken apart ---- */

/* "extxosc_0mhz4_0mhz9_16kck_14ck_65ms" -> prefix extxosc, 0.4 to 0.9 MHz,
 * start-up tokens 16kck 14ck 65ms. A trailing "x3f" (a number some tables
 * add to keep names unique) is dropped. */
typedef struct name_parts {
    char prefix[24];
    int nfreq;
    uint32_t freq[2];         /* 0: "xx", no bound */
    int nstart;
    char start[4][12];
} name_parts;

static bool freq_token(const char *t, uint32_t *hz)
{
    if (strcmp(t, "xx") == 0) {
        *hz = 0;
        return true;
    }
    const char *u = strstr(t, "mhz");
    uint32_t mul = 1000000;
    if (!u) {
        u = strstr(t, "khz");
        mul = 1000;
    }
    if (!u || u == t)
        return false;
    for (const char *c = t; c < u; c++)
        if (!isdigit((unsigned char)*c))
            return false;
    uint32_t whole = (uint32_t)strtoul(t, NULL, 10), frac = 0, div = 1;
    for (const char *c = u + 3; *c; c++) {
        if (!isdigit((unsigned char)*c) || div >= 1000000)
            return false;
        frac = frac * 10 + (uint32_t)(*c - '0');
        div *= 10;
    }
    *hz = whole * mul + frac * (mul / div);
    return true;
}

static void strip_suffix(char *t)
{
    size_t n = strlen(t);
    if (n > 3 && t[n - 3] == 'x' && isxdigit((unsigned char)t[n - 2]) &&
        isxdigit((unsigned char)t[n - 1]))
        t[n - 3] = '\0';
}

static void split_name(const char *name, name_parts *np)
{
    memset(np, 0, sizeof *np);
    char buf[64];
    snprintf(buf, sizeof buf, "%s", name ? name : "");
    int i = 0;
    for (char *save = NULL, *t = strtok_r(buf, "_", &save); t; t = strtok_r(NULL, "_", &save), i++) {
        strip_suffix(t);
        uint32_t hz;
        if (i == 0)
            snprintf(np->prefix, sizeof np->prefix, "%s", t);
        else if (np->nfreq < 2 && np->nstart == 0 && freq_token(t, &hz))
            np->freq[np->nfreq++] = hz;
        else if (np->nstart < 4 && isdigit((unsigned char)t[0]) &&
                 (strstr(t, "ck") || strstr(t, "ms")))
            snprintf(np->start[np->nstart++], sizeof np->start[0], "%s", t);
    }
}

/* ---- the clock source ---- */

static enum ft_source_kind kind_of_prefix(const name_parts *np)
{
    static const struct {
        const char *prefix;
        enum ft_source_kind kind;
    } map[] = {
        {"intrcosc", FT_SRC_RC},        {"intulposc", FT_SRC_RC_LOW},  {"wdosc", FT_SRC_RC_LOW},
        {"pllclk", FT_SRC_PLL},         {"extclk", FT_SRC_EXT_CLOCK},  {"extrcosc", FT_SRC_EXT_RC},
        {"extlofxtal", FT_SRC_WATCH_CRYSTAL}, {"tosc", FT_SRC_WATCH_CRYSTAL},
        {"extxosc", FT_SRC_CRYSTAL},    {"extfsxtal", FT_SRC_CRYSTAL}, {"extcres", FT_SRC_CRYSTAL},
        {"extmedfxtalres", FT_SRC_CRYSTAL}, {"extlofxtalres", FT_SRC_CRYSTAL},
        {"exthifxtalres", FT_SRC_CRYSTAL}, {"fsosc", FT_SRC_CRYSTAL}, {"xosc", FT_SRC_CRYSTAL},
        {"cres", FT_SRC_CRYSTAL},       {"extxtalcres", FT_SRC_CRYSTAL},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(np->prefix, map[i].prefix) == 0) {
            if (map[i].kind == FT_SRC_RC && np->nfreq >= 1 && np->freq[0] && np->freq[0] <= 128000)
                return FT_SRC_RC_LOW;
            return map[i].kind;
        }
    return FT_SRC_UNKNOWN;
}

static const ft_setting *clock_setting(const ft_part *p, const ft_fuse **fuse)
{
    const ft_setting *s = ft_part_setting(p, "sut_cksel", fuse);
    return s ? s : ft_part_setting(p, "cksel", fuse);
}

static bool clock_matches(const ft_clock *c, const uint8_t fuses[FT_MAX_FUSES])
{
    if (c->fuse >= FT_MAX_FUSES || (fuses[c->fuse] & c->mask) != c->value)
        return false;
    return c->cond_mask == 0 ||
           (c->cond_fuse < FT_MAX_FUSES && (fuses[c->cond_fuse] & c->cond_mask) == c->cond_value);
}

void ft_fuse_source(const ft_part *p, const uint8_t fuses[FT_MAX_FUSES], ft_source *out)
{
    memset(out, 0, sizeof *out);
    const ft_fuse *f = NULL;
    const ft_setting *s = clock_setting(p, &f);
    name_parts np = {0};
    if (s && f && f->index < FT_MAX_FUSES) {
        out->value_name = ft_setting_value_name(s, fuses[f->index]);
        split_name(out->value_name, &np);
    }
    enum ft_source_kind by_name = kind_of_prefix(&np);
    const ft_clock *c = NULL;
    for (int i = 0; i < p->nclocks && !c; i++)
        if (clock_matches(&p->clocks[i], fuses))
            c = &p->clocks[i];
    if (c) {
        /* The clock table is the datasheet's; the name only tells an
         * external RC network from an external clock signal. */
        static const enum ft_source_kind of_table[] = {FT_SRC_RC, FT_SRC_CRYSTAL, FT_SRC_EXT_CLOCK,
                                                       FT_SRC_RC_LOW, FT_SRC_PLL};
        out->kind = c->kind < 5 ? of_table[c->kind] : FT_SRC_UNKNOWN;
        if (c->kind == FT_CLK_LOWFREQ && c->min_hz == 32768)
            out->kind = FT_SRC_WATCH_CRYSTAL; /* the low-frequency kind is a watch crystal or the 128 kHz oscillator */
        if (out->kind == FT_SRC_EXT_CLOCK && by_name == FT_SRC_EXT_RC)
            out->kind = FT_SRC_EXT_RC;
        out->min_hz = c->min_hz;
        out->max_hz = c->max_hz;
        if (out->kind == FT_SRC_EXT_CLOCK)
            out->min_hz = out->max_hz = 0; /* any frequency */
        return;
    }
    out->kind = by_name;
    if (np.nfreq == 1) {
        out->min_hz = out->max_hz = np.freq[0];
        if (by_name == FT_SRC_CRYSTAL)
            out->max_hz = 0; /* "8mhz" alone on a crystal: that and up */
    } else if (np.nfreq == 2) {
        out->min_hz = np.freq[0];
        out->max_hz = np.freq[1];
    }
    if (by_name == FT_SRC_WATCH_CRYSTAL && np.nfreq == 0)
        out->min_hz = out->max_hz = 32768;
    if (by_name == FT_SRC_RC_LOW && np.nfreq == 0)
        out->min_hz = out->max_hz = 128000;
}

bool ft_source_internal(enum ft_source_kind kind)
{
    return kind == FT_SRC_RC || kind == FT_SRC_RC_LOW || kind == FT_SRC_PLL;
}

static void hz_words(char *buf, size_t len, uint32_t hz)
{
    if (hz >= 1000000) {
        if (hz % 1000000 == 0)
            snprintf(buf, len, "%u MHz", (unsigned)(hz / 1000000));
        else
            snprintf(buf, len, "%g MHz", hz / 1e6);
    } else if (hz >= 1000) {
        if (hz % 1000 == 0)
            snprintf(buf, len, "%u kHz", (unsigned)(hz / 1000));
        else
            snprintf(buf, len, "%g kHz", hz / 1e3);
    } else {
        snprintf(buf, len, "%u Hz", (unsigned)hz);
    }
}

/* " of 8 to 16 MHz", " of 8 MHz or more", " of up to 0.9 MHz", "" */
static void range_words(char *buf, size_t len, uint32_t lo, uint32_t hi)
{
    char a[24], b[24];
    hz_words(a, sizeof a, lo);
    hz_words(b, sizeof b, hi);
    if (lo && hi && lo == hi)
        snprintf(buf, len, " of %s", a);
    else if (lo && hi)
        snprintf(buf, len, " of %.*s to %s", (int)(strlen(a) - 4), a, b); /* "8 to 16 MHz" */
    else if (lo)
        snprintf(buf, len, " of %s or more", a);
    else if (hi)
        snprintf(buf, len, " of up to %s", b);
    else
        buf[0] = '\0';
    /* "0.4 MHz to 0.9 MHz" reads better with both units when they differ */
    if (lo && hi && lo != hi && ((lo >= 1000000) != (hi >= 1000000)))
        snprintf(buf, len, " of %s to %s", a, b);
}

void ft_source_words(const ft_source *s, char *buf, size_t len)
{
    char r[48], a[24];
    range_words(r, sizeof r, s->min_hz, s->max_hz);
    hz_words(a, sizeof a, s->min_hz);
    switch (s->kind) {
    case FT_SRC_RC:
        snprintf(buf, len, "the internal RC oscillator%s", r);
        break;
    case FT_SRC_RC_LOW:
        snprintf(buf, len, "the internal %s low-power oscillator", s->min_hz ? a : "128 kHz");
        break;
    case FT_SRC_PLL:
        snprintf(buf, len, "the internal PLL%s", r);
        break;
    case FT_SRC_CRYSTAL:
        snprintf(buf, len, "an external crystal or resonator%s", r);
        break;
    case FT_SRC_WATCH_CRYSTAL:
        snprintf(buf, len, "an external 32.768 kHz watch crystal");
        break;
    case FT_SRC_EXT_CLOCK:
        snprintf(buf, len, "an external clock signal on XTAL1");
        break;
    case FT_SRC_EXT_RC:
        snprintf(buf, len, "an external RC network on XTAL1%s", r);
        break;
    default:
        snprintf(buf, len, "a clock source ftisp cannot identify");
        break;
    }
}

/* ---- start-up times ---- */

/* "16kck" -> "16K clocks", "14ck" -> "14 clocks", "4ms1" -> "4.1 ms". */
static void start_token(char *buf, size_t len, const char *t)
{
    size_t n = strlen(t);
    if (n > 3 && strcmp(t + n - 3, "kck") == 0)
        snprintf(buf, len, "%.*sK clocks", (int)(n - 3), t);
    else if (n > 2 && strcmp(t + n - 2, "ck") == 0)
        snprintf(buf, len, "%.*s clock%s", (int)(n - 2), t, strcmp(t, "1ck") == 0 ? "" : "s");
    else if (strstr(t, "ms")) {
        const char *m = strstr(t, "ms");
        if (m[2])
            snprintf(buf, len, "%.*s.%s ms", (int)(m - t), t, m + 2);
        else
            snprintf(buf, len, "%.*s ms", (int)(m - t), t);
    } else
        snprintf(buf, len, "%s", t);
}

static bool startup_words(const char *value_name, char *buf, size_t len)
{
    name_parts np;
    split_name(value_name, &np);
    if (np.nstart == 0)
        return false;
    char t[4][24];
    for (int i = 0; i < np.nstart; i++)
        start_token(t[i], sizeof t[i], np.start[i]);
    /* The datasheets' start-up tables: the first figure is the start-up
     * from power-down/power-save, the rest the added delay after a reset. */
    if (np.nstart == 1)
        snprintf(buf, len, "%s after a reset", t[0]);
    else if (np.nstart == 2)
        snprintf(buf, len, "%s from power-down, %s more after a reset", t[0], t[1]);
    else
        snprintf(buf, len, "%s from power-down, %s + %s more after a reset", t[0], t[1], t[2]);
    return true;
}

/* ---- one setting in words ---- */

typedef struct ctx {
    const ft_part *p;
    const uint8_t *bytes;
    ft_words_line *out;
    int n, max;
} ctx;

static void line(ctx *c, const char *label, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void line(ctx *c, const char *label, const char *fmt, ...)
{
    if (c->n >= c->max)
        return;
    ft_words_line *l = &c->out[c->n++];
    snprintf(l->label, sizeof l->label, "%s", label);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(l->text, sizeof l->text, fmt, ap);
    va_end(ap);
}

/* A one-bit setting: programmed (0) or not, the datasheets' way of saying. */
static bool bit_on(const ft_setting *s, uint8_t b) { return (b & s->mask) == 0; }

static void upper(char *dst, size_t len, const char *src)
{
    size_t i = 0;
    for (; src[i] && i + 1 < len; i++)
        dst[i] = (char)toupper((unsigned char)src[i]);
    dst[i] = '\0';
}

/* The boot section the bytes select, in words; 0 when unknown. */
static unsigned boot_words(const ft_part *p, const uint8_t *bytes)
{
    const ft_fuse *f;
    const ft_setting *s = ft_part_setting(p, "bootsz", &f);
    if (!s)
        return 0;
    const char *n = ft_setting_value_name(s, bytes[f == &p->lock ? FT_LOCK_BYTE : f->index]);
    unsigned w;
    if (n && sscanf(n, "bs_%uw", &w) == 1)
        return w;
    return 0;
}

static void boot_section(ctx *c, const char *label, unsigned words)
{
    uint32_t bytes = words * 2u, flash = c->p->flash.size;
    if (bytes && flash > bytes)
        line(c, label, "boot section of %u words (%u bytes): byte address 0x%x (word 0x%x) to the end of flash",
             words, (unsigned)bytes, (unsigned)(flash - bytes), (unsigned)((flash - bytes) / 2));
    else
        line(c, label, "boot section size not known");
}

/* One-bit fuses: what programmed and not programmed mean. */
static const struct {
    const char *name, *on, *off;
} BITS[] = {
    {"ckout", "programmed: the system clock is output on the CLKO pin", "not programmed: no clock output"},
    {"ckopt", "programmed: full-swing crystal oscillator (higher frequencies)",
     "not programmed: low-power crystal oscillator"},
    {"eesave", "programmed: a chip erase keeps the EEPROM", "not programmed: a chip erase clears the EEPROM"},
    {"wdton", "programmed: the watchdog is always on", "not programmed: software turns the watchdog on and off"},
    {"spien", "programmed: serial programming (ISP) is enabled",
     "not programmed: serial programming is off; only high-voltage programming reaches the chip"},
    {"dwen", "programmed: debugWIRE owns the RESET pin; ISP does not work until it is turned off",
     "not programmed: debugWIRE off"},
    {"rstdisbl", "programmed: the RESET pin is an I/O pin; ISP cannot reach the chip",
     "not programmed: the RESET pin resets the chip"},
    {"selfprgen", "programmed: the program may write flash (SPM)", "not programmed: the program cannot write flash"},
    {"jtagen", "programmed: the JTAG interface is on (its pins are JTAG's)", "not programmed: JTAG off"},
    {"ocden", "programmed: on-chip debugging through JTAG is on", "not programmed: on-chip debugging off"},
};

static void clock_lines(ctx *c, const char *vn)
{
    char buf[160];
    ft_source src;
    ft_fuse_source(c->p, c->bytes, &src);
    ft_source_words(&src, buf, sizeof buf);
    line(c, "clock source", "%s%s", buf, src.kind == FT_SRC_UNKNOWN && !vn ? " (a reserved value)" : "");
    if (startup_words(vn, buf, sizeof buf))
        line(c, "start-up", "%s", buf);
}

static void ckdiv8_line(ctx *c, const char *label, bool on)
{
    ft_source src;
    ft_fuse_source(c->p, c->bytes, &src);
    char r[48];
    range_words(r, sizeof r, src.min_hz / 8, src.max_hz / 8);
    if (!on)
        line(c, label, "not programmed: the clock is not divided");
    else if (src.min_hz && r[0])
        line(c, label, "programmed: the clock is divided by 8, the chip runs at%s", r + 3);
    else
        line(c, label, "programmed: the clock is divided by 8");
}

static void bod_line(ctx *c, const char *vn)
{
    double v;
    if (vn && sscanf(vn, "bod_%lfv", &v) == 1) {
        /* bod_2v7: 2.7 V */
        const char *d = strchr(vn + 4, 'v');
        line(c, "brown-out", "resets the chip when the supply falls below %.*s.%s V", (int)(d - (vn + 4)),
             vn + 4, d + 1);
    } else if (vn && strstr(vn, "disabled"))
        line(c, "brown-out", "detection off");
    else if (vn && strstr(vn, "enabled"))
        line(c, "brown-out", "detection on");
    else
        line(c, "brown-out", "%s", vn ? vn : "a reserved value");
}

static void bootrst_line(ctx *c, const char *label, bool on)
{
    const ft_part *p = c->p;
    unsigned w = boot_words(p, c->bytes);
    if (!on)
        line(c, label, "not programmed: reset starts the application at address 0");
    else if (w && p->flash.size > w * 2u)
        line(c, label, "programmed: reset starts the boot loader at byte address 0x%x",
             (unsigned)(p->flash.size - w * 2u));
    else
        line(c, label, "programmed: reset starts the boot loader");
}

static void lock_line(ctx *c, const char *label, const char *vn)
{
    if (vn && strcmp(vn, "no_lock") == 0)
        line(c, label, "no lock: the memories can be read and written");
    else if (vn && strcmp(vn, "prog_disabled") == 0)
        line(c, label, "flash, EEPROM and fuses can no longer be written, until a chip erase");
    else if (vn && strcmp(vn, "prog_ver_disabled") == 0)
        line(c, label, "flash, EEPROM and fuses can no longer be written or read back, until a chip erase");
    else
        line(c, label, "%s", vn ? vn : "a reserved value");
}

/* blb0 (application section) or blb1 (boot loader section). */
static void boot_lock_line(ctx *c, const char *label, bool app, const char *vn)
{
    const char *sec = app ? "application section" : "boot loader section";
    const char *other = app ? "the boot loader" : "the application";
    bool spm = vn && strstr(vn, "spm_disabled"), lpm = vn && strstr(vn, "lpm");
    if (vn && strncmp(vn, "no_lock", 7) == 0)
        line(c, label, "%s: no restriction", sec);
    else if (spm && lpm)
        line(c, label, "%s: SPM may not write it and LPM in %s may not read it", sec, other);
    else if (spm)
        line(c, label, "%s: SPM may not write it", sec);
    else if (lpm)
        line(c, label, "%s: LPM in %s may not read it", sec, other);
    else
        line(c, label, "%s", vn ? vn : "a reserved value");
}

static void explain(ctx *c, const ft_fuse *f, const ft_setting *s)
{
    const ft_part *p = c->p;
    uint8_t b = c->bytes[f == &p->lock ? FT_LOCK_BYTE : f->index];
    const char *vn = ft_setting_value_name(s, b);
    const char *n = s->name;
    char label[24], buf[160];
    upper(label, sizeof label, n);
    for (size_t i = 0; i < sizeof BITS / sizeof BITS[0]; i++)
        if (strcmp(n, BITS[i].name) == 0) {
            line(c, label, "%s", bit_on(s, b) ? BITS[i].on : BITS[i].off);
            return;
        }
    if (strcmp(n, "sut_cksel") == 0 || strcmp(n, "cksel") == 0)
        clock_lines(c, vn);
    else if (strcmp(n, "sut") == 0 && vn && startup_words(vn, buf, sizeof buf))
        line(c, "start-up", "%s", buf);
    else if (strcmp(n, "ckdiv8") == 0)
        ckdiv8_line(c, label, bit_on(s, b));
    else if (strcmp(n, "bodlevel") == 0 || strcmp(n, "boden") == 0)
        bod_line(c, vn);
    else if (strcmp(n, "bootsz") == 0)
        boot_section(c, label, boot_words(p, c->bytes));
    else if (strcmp(n, "bootrst") == 0)
        bootrst_line(c, label, bit_on(s, b));
    else if (strcmp(n, "lb") == 0)
        lock_line(c, label, vn);
    else if (strcmp(n, "blb0") == 0 || strcmp(n, "blb1") == 0)
        boot_lock_line(c, label, n[3] == '0', vn);
    else if (vn)
        line(c, label, "%s (%u)", vn, ft_setting_number(s, b));
    else
        line(c, label, "%u, a value the datasheet reserves", ft_setting_number(s, b));
}

/* Parts with no named settings: the bit groups, programmed bits said so. */
static void explain_field(ctx *c, const ft_field *fl, uint8_t b)
{
    int bits = 0, low = 0;
    for (int i = 7; i >= 0; i--)
        if (fl->mask & (1u << i)) {
            bits++;
            low = i;
        }
    unsigned v = (unsigned)(b & fl->mask) >> low;
    if (bits == 1) {
        line(c, fl->name, v ? "not programmed" : "programmed");
        return;
    }
    char bin[9];
    for (int i = 0; i < bits; i++)
        bin[i] = (char)('0' + ((v >> (bits - 1 - i)) & 1));
    bin[bits] = '\0';
    line(c, fl->name, "%s", bin);
}

int ft_fuse_words(const ft_part *p, const ft_fuse *f, const uint8_t bytes[FT_CONFIG_BYTES],
                  ft_words_line *out, int max)
{
    ctx c = {.p = p, .bytes = bytes, .out = out, .n = 0, .max = max};
    if (f->nsettings > 0) {
        for (int i = 0; i < f->nsettings; i++)
            explain(&c, f, &f->settings[i]);
    } else {
        uint8_t b = bytes[f == &p->lock ? FT_LOCK_BYTE : f->index];
        for (int i = 0; i < f->nfields; i++)
            explain_field(&c, &f->fields[i], b);
    }
    return c.n;
}

int ft_setting_words(const ft_part *p, const ft_fuse *f, const ft_setting *s,
                     const uint8_t bytes[FT_CONFIG_BYTES], ft_words_line *out, int max)
{
    ctx c = {.p = p, .bytes = bytes, .out = out, .n = 0, .max = max};
    explain(&c, f, s);
    return c.n;
}
