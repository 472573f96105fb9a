/* Byte lists: the immediate format m (the command line's text is the data)
 * and the list files d, h, o, b. On input all four spellings are accepted in
 * any mix, separated by commas and/or blanks: 255, 0xff, 0377, 0b11111111.
 * Each item is one byte; anything over 255 is refused rather than split
 * into several bytes, because a fuse value that does not fit is a typo. */
#include "ftisp/image.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_sep(int c)
{
    return c == ',' || isspace(c);
}

/* Parses one item; false if it is not a number in any of the spellings.
 * Values are saturated so "99999999999" reads as too big, not wrapped. */
static bool number(const uint8_t *s, size_t n, unsigned long *v)
{
    unsigned base = 10;
    size_t i = 0;
    if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        base = 16, i = 2;
    else if (n > 2 && s[0] == '0' && (s[1] == 'b' || s[1] == 'B'))
        base = 2, i = 2;
    else if (n > 1 && s[0] == '0')
        base = 8, i = 1;
    *v = 0;
    for (; i < n; i++) {
        int c = tolower(s[i]);
        unsigned d;
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else
            return false;
        if (d >= base)
            return false;
        *v = *v * base + d;
        if (*v > 0xFFFF)
            *v = 0xFFFF;
    }
    return true;
}

int ft_bytes_parse(ft_image *img, const char *name, const uint8_t *buf, size_t len,
                   ft_format fmt, ft_err *err)
{
    unsigned line = 1;
    uint32_t addr = 0;
    size_t pos = 0;
    while (pos < len) {
        if (is_sep(buf[pos])) {
            line += buf[pos++] == '\n';
            continue;
        }
        size_t start = pos;
        while (pos < len && !is_sep(buf[pos]))
            pos++;
        size_t n = pos - start;
        unsigned long v;
        char where[512];
        if (!number(buf + start, n, &v) || v > 255) {
            snprintf(where, sizeof where, "%s:%u", name, line);
            return ft_err_set(err, FT_E_INPUT,
                              "%s: expected a byte (0..255 as decimal, 0x hex, 0 octal or 0b binary), found '%.*s'",
                              where, (int)(n > 40 ? 40 : n), (const char *)buf + start);
        }
        if (ft_image_put(img, addr, (uint8_t)v) != FT_PUT_OK) {
            snprintf(where, sizeof where, "%s:%u", name, line);
            return ft_image_put_at(img, addr, (uint8_t)v, where, err);
        }
        addr++;
    }
    if (fmt == FT_FMT_IMM && addr == 0)
        return ft_err_set(err, FT_E_INPUT, "%s:1: expected at least one byte value, found none",
                          name);
    return FT_OK;
}

static void one(FILE *f, ft_format fmt, uint8_t v)
{
    switch (fmt) {
    case FT_FMT_HEX:
        fprintf(f, "0x%02x", v);
        break;
    case FT_FMT_OCT:
        if (v)
            fprintf(f, "0%o", v);
        else
            fputc('0', f);
        break;
    case FT_FMT_BIN:
        fputs("0b", f);
        for (int b = 7; b >= 0; b--)
            fputc('0' + ((v >> b) & 1), f);
        break;
    default:
        fprintf(f, "%u", v);
        break;
    }
}

int ft_bytes_format(const ft_image *img, ft_format fmt, char **out, size_t *outlen, ft_err *err)
{
    FILE *f = open_memstream(out, outlen);
    if (!f)
        return ft_err_set(err, FT_E_FAIL, "out of memory");
    uint32_t ext = ft_image_extent(img);
    for (uint32_t a = 0; a < ext; a++) {
        if (a)
            fputc(',', f);
        one(f, fmt, ft_image_get(img, a));
    }
    if (ext)
        fputc('\n', f);
    if (fclose(f) != 0) {
        free(*out);
        *out = NULL;
        return ft_err_set(err, FT_E_FAIL, "out of memory");
    }
    return FT_OK;
}
