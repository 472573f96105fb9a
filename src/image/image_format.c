/* The table of file formats: avrdude's letters, and for each its name, the
 * extensions that claim it, its reader and writer, how `a` recognises its
 * content, and what else the rest of the program needs to know of it
 * (ft_format_info in ftisp/image.h).
 *
 * Every place that accepts, lists or dispatches on a format letter or a file
 * extension goes through this table: -U parsing and its message (cli), the
 * output format of a read and the input-only refusal (plan), the terminal's
 * write, save, backup, restore and verify, --help, -U ...:m and the JSON
 * report (FT_FMTF_INLINE), the dispatch to readers and writers and the
 * detection for `a` (image_file.c). The shell completions, the manual and
 * the JSON schema are held to it by tests/e2e/test_formats.sh (letters, as
 * --help shows them) and tests/unit/test_formats.c (extensions).
 *
 * A new format: its letter in ft_format, a reader and/or a writer of the
 * types ft_format_reader and ft_format_writer (a file of its own, declared
 * in image.h's inner part), and one row here, with a sniff if `a` should
 * recognise its content. Then its entry in the manual's FORMATS, its letter
 * in the three completions and the schema: test_formats says what is
 * missing. avrdude 8's R (FMT_EEGG, bytes as Roman numerals) is left out. */
#include "ftisp/image.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Content detection for `a`: the first non-blank character (Intel HEX,
 * S-record), or the magic number (ELF). */
static size_t first_nonblank(const uint8_t *buf, size_t len)
{
    size_t i = 0;
    while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n'))
        i++;
    return i;
}

static bool sniff_ihex(const uint8_t *buf, size_t len)
{
    size_t i = first_nonblank(buf, len);
    return i < len && buf[i] == ':';
}

static bool sniff_srec(const uint8_t *buf, size_t len)
{
    size_t i = first_nonblank(buf, len);
    return i + 1 < len && (buf[i] == 'S' || buf[i] == 's') && buf[i + 1] >= '0' && buf[i + 1] <= '9';
}

static bool sniff_elf(const uint8_t *buf, size_t len)
{
    return len >= 4 && memcmp(buf, "\177ELF", 4) == 0;
}

static const ft_format_info formats[] = {
    {FT_FMT_AUTO, "auto-detect", "", NULL, NULL, NULL, 0},
    {FT_FMT_IHEX, "Intel HEX", ".hex .ihx .ihex .eep .h86", ft_ihex_parse, ft_ihex_format, sniff_ihex,
     FT_FMTF_RECORDS},
    {FT_FMT_IHEXC, "Intel HEX with comments", "", ft_ihex_parse, ft_ihex_format, NULL, FT_FMTF_RECORDS},
    {FT_FMT_SREC, "S-record", ".srec .s19 .s28 .s37 .mot .mhx", ft_srec_parse, ft_srec_format, sniff_srec,
     FT_FMTF_RECORDS},
    {FT_FMT_RAW, "raw binary", ".bin .raw", ft_raw_parse, ft_raw_format, NULL, 0},
    {FT_FMT_ELF, "ELF", ".elf", ft_elf_parse, NULL, sniff_elf, FT_FMTF_BY_MEMORY},
    {FT_FMT_IMM, "immediate", "", ft_bytes_parse, NULL, NULL, FT_FMTF_INLINE | FT_FMTF_LIST},
    {FT_FMT_DEC, "decimal byte list", "", ft_bytes_parse, ft_bytes_format, NULL, FT_FMTF_LIST},
    {FT_FMT_HEX, "hexadecimal byte list", "", ft_bytes_parse, ft_bytes_format, NULL, FT_FMTF_LIST},
    {FT_FMT_OCT, "octal byte list", "", ft_bytes_parse, ft_bytes_format, NULL, FT_FMTF_LIST},
    {FT_FMT_BIN, "binary byte list", "", ft_bytes_parse, ft_bytes_format, NULL, FT_FMTF_LIST},
};
#define NFORMATS (sizeof formats / sizeof formats[0])

const ft_format_info *ft_format_table(size_t *n)
{
    *n = NFORMATS;
    return formats;
}

const ft_format_info *ft_format_info_of(int c)
{
    for (size_t i = 0; c && i < NFORMATS; i++)
        if ((int)formats[i].fmt == c)
            return &formats[i];
    return NULL;
}

bool ft_format_valid(int c)
{
    return ft_format_info_of(c) != NULL;
}

const char *ft_format_name(ft_format f)
{
    const ft_format_info *fi = ft_format_info_of(f);
    return fi ? fi->name : "unknown";
}

bool ft_format_is(ft_format f, unsigned flags)
{
    const ft_format_info *fi = ft_format_info_of(f);
    return fi && (fi->flags & flags);
}

static bool has(const ft_format_info *f, unsigned need)
{
    return (!(need & FT_HAS_READER) || f->read) && (!(need & FT_HAS_WRITER) || f->write) &&
           (!(need & FT_HAS_EXTS) || f->exts[0]) && (!(need & FT_HAS_SNIFF) || f->sniff);
}

const char *ft_format_list(char *out, size_t n, unsigned need, enum ft_format_item item, const char *sep,
                           const char *last)
{
    size_t total = 0, k = 0, len = 0;
    for (size_t i = 0; i < NFORMATS; i++)
        total += has(&formats[i], need);
    if (n)
        out[0] = '\0';
    for (size_t i = 0; i < NFORMATS && len + 1 < n; i++) {
        const ft_format_info *f = &formats[i];
        if (!has(f, need))
            continue;
        const char *s = k == 0 ? "" : k + 1 == total && last ? last : sep;
        char option[3] = {':', (char)f->fmt, '\0'};
        const char *what = item == FT_ITEM_OPTION ? option : item == FT_ITEM_NAME ? f->name
                         : item == FT_ITEM_EXT ? f->exts : option + 1;
        int wlen = item == FT_ITEM_EXT ? (int)strcspn(f->exts, " ") : (int)strlen(what);
        int w = snprintf(out + len, n - len, "%s%.*s", s, wlen, what);
        len = w < 0 ? len : len + (size_t)w < n ? len + (size_t)w : n - 1;
        k++;
    }
    return out;
}

ft_format ft_format_detect(const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < NFORMATS; i++)
        if (formats[i].sniff && formats[i].sniff(buf, len))
            return formats[i].fmt;
    return FT_FMT_RAW;
}

/* Whether ext (".hex") is one of the space-separated list, case aside. */
static bool in_list(const char *list, const char *ext)
{
    size_t n = strlen(ext);
    for (const char *p = list; *p;) {
        size_t k = strcspn(p, " ");
        if (k == n && strncasecmp(p, ext, n) == 0)
            return true;
        p += k;
        p += strspn(p, " ");
    }
    return false;
}

ft_format ft_format_claimed(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash : path, '.');
    for (size_t i = 0; dot && i < NFORMATS; i++)
        if (in_list(formats[i].exts, dot))
            return formats[i].fmt;
    return FT_FMT_AUTO;
}
