/* Byte lists: the immediate format m (the command line's text is the data)
 * and the list files d, h, o, b. Items are separated by commas and/or
 * blanks. As in avrdude 8, an item is a number, a character or a string:
 *  - integers in decimal, 0x hex, 0 octal or 0b binary, optionally signed,
 *    with an optional size suffix (HH 1 byte, H or S 2, L 4, LL 8; U for
 *    unsigned). Without a suffix, 0x and 0b numbers take the size their digit
 *    count (leading zeros included) needs, so 0x002a is two bytes; others the
 *    smallest of 1, 2, 4, 8 bytes that holds the value. Stored little-endian.
 *  - floating point (3.14 is 4 bytes; a D suffix makes it 8);
 *  - 'c' characters and "strings" with C escapes (a string ends with a NUL).
 * When a number runs past the end of a memory (0x002a for a fuse), the bytes
 * past the end are dropped if they are zero padding; a value that does not
 * fit is refused, because a fuse value that does not fit is a typo. */
#include "ftisp/image.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_sep(int c)
{
    return c == ',' || isspace(c);
}

/* One escape after a backslash; *i is at the character after it. */
static int unescape(const char *s, size_t n, size_t *i)
{
    char c = s[(*i)++];
    switch (c) {
    case 'n': return '\n';
    case 't': return '\t';
    case 'r': return '\r';
    case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
        int v = c - '0';
        for (int k = 0; k < 2 && *i < n && s[*i] >= '0' && s[*i] <= '7'; k++)
            v = v * 8 + (s[(*i)++] - '0');
        return v & 0xff;
    }
    case 'x': {
        int v = 0, k = 0;
        for (; k < 2 && *i < n && isxdigit((unsigned char)s[*i]); k++)
            v = v * 16 + ft_hexval(s[(*i)++]);
        return k ? v : -1;
    }
    case 'a': return '\a';
    case 'b': return '\b';
    case 'f': return '\f';
    case 'v': return '\v';
    case 'e': return 27;
    case '\\': case '\'': case '"': case '?': return c;
    }
    return -1;
}

static int quoted(const char *s, size_t n, uint8_t *out, size_t cap, size_t *outn, const char **why)
{
    char q = s[0];
    size_t i = 1, k = 0;
    if (n < 2 || s[n - 1] != q) {
        *why = "a closing quote";
        return -1;
    }
    while (i < n - 1) {
        int c = (unsigned char)s[i++];
        if (c == '\\') {
            if (i >= n - 1 || (c = unescape(s, n - 1, &i)) < 0) {
                *why = "a known escape (\\n \\t \\r \\0 \\xHH ...)";
                return -1;
            }
        }
        if (k >= cap) {
            *why = "a shorter item";
            return -1;
        }
        out[k++] = (uint8_t)c;
    }
    if (q == '\'' && k != 1) {
        *why = "one character between single quotes";
        return -1;
    }
    if (q == '"') {
        if (k >= cap) {
            *why = "a shorter item";
            return -1;
        }
        out[k++] = 0;
    }
    *outn = k;
    return 0;
}

/* Size suffix at the end of an integer: returns its length and sets *size
 * (0: none) and *uns. */
static size_t suffix(const char *s, size_t n, bool hexdigits, int *size, bool *uns)
{
    size_t k = n;
    *size = 0;
    *uns = false;
    if (k && (s[k - 1] == 'u' || s[k - 1] == 'U'))
        *uns = true, k--;
    if (k >= 2 && strncasecmp(s + k - 2, "LL", 2) == 0)
        *size = 8, k -= 2;
    else if (k >= 1 && (s[k - 1] == 'l' || s[k - 1] == 'L'))
        *size = 4, k -= 1;
    else if (!hexdigits && k >= 2 && strncasecmp(s + k - 2, "HH", 2) == 0)
        *size = 1, k -= 2;
    else if (!hexdigits && k >= 1 && strchr("hHsS", s[k - 1]))
        *size = 2, k -= 1;
    else if (hexdigits && k >= 1 && strchr("hHsS", s[k - 1]) && s[k - 1] != 'h' && s[k - 1] != 'H')
        *size = 2, k -= 1;
    if (!*uns && k && (s[k - 1] == 'u' || s[k - 1] == 'U'))
        *uns = true, k--;
    return n - k;
}

static int integer(const char *s, size_t n, uint8_t *out, size_t cap, size_t *outn, size_t *minimal,
                   const char **why)
{
    size_t i = 0;
    bool neg = false, sign = false;
    if (i < n && (s[i] == '-' || s[i] == '+'))
        neg = s[i] == '-', sign = true, i++;
    unsigned base = 10;
    if (n - i > 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X'))
        base = 16, i += 2;
    else if (n - i > 2 && s[i] == '0' && (s[i + 1] == 'b' || s[i + 1] == 'B'))
        base = 2, i += 2;
    else if (n - i > 1 && s[i] == '0')
        base = 8, i += 1;
    int size;
    bool uns;
    size_t sl = suffix(s + i, n - i, base == 16, &size, &uns);
    size_t digits = n - i - sl;
    if (digits == 0) {
        *why = "a number";
        return -1;
    }
    uint64_t v = 0;
    for (size_t k = i; k < i + digits; k++) {
        int c = tolower((unsigned char)s[k]);
        unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0') : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10) : 99;
        if (d >= base) {
            *why = "a number";
            return -1;
        }
        if (v > (UINT64_MAX - d) / base) {
            *why = "a number below 2^64";
            return -1;
        }
        v = v * base + d;
    }
    /* significant bytes of the value as stored */
    uint64_t stored = neg ? (uint64_t)0 - v : v;
    int need = 1;
    if (!neg)
        while (need < 8 && (v >> (8 * need)))
            need++;
    else if (uns || !sign || base == 10 || base == 8)
        while (need < 8 && !((int64_t)stored >= -((int64_t)1 << (8 * need - 1))))
            need++;
    int width = size;
    if (!width) {
        if ((base == 16 || base == 2) && !sign) {
            size_t bits = digits * (base == 16 ? 4 : 1);
            width = bits <= 8 ? 1 : bits <= 16 ? 2 : bits <= 32 ? 4 : 8;
        } else
            width = need <= 1 ? 1 : need <= 2 ? 2 : need <= 4 ? 4 : 8;
        if (neg && uns)
            width = 8, need = 8;
    }
    if (need > width) {
        *why = "a number that fits its size suffix";
        return -1;
    }
    if ((size_t)width > cap) {
        *why = "a shorter item";
        return -1;
    }
    for (int k = 0; k < width; k++)
        out[k] = (uint8_t)(stored >> (8 * k));
    *outn = (size_t)width;
    *minimal = (size_t)need;
    return 0;
}

static int floating(const char *s, size_t n, uint8_t *out, size_t *outn, const char **why)
{
    char buf[80];
    if (n >= sizeof buf) {
        *why = "a shorter number";
        return -1;
    }
    memcpy(buf, s, n);
    buf[n] = '\0';
    bool dbl = false;
    if (n > 1 && (buf[n - 1] == 'D' || buf[n - 1] == 'd') && !(n > 2 && buf[0] == '0' && (buf[1] | 32) == 'x' && !strpbrk(buf, "pP")))
        dbl = true, buf[--n] = '\0';
    else if (n > 1 && (buf[n - 1] == 'F' || buf[n - 1] == 'f') && !(n > 2 && buf[0] == '0' && (buf[1] | 32) == 'x'))
        buf[--n] = '\0';
    char *end;
    errno = 0;
    double d = strtod(buf, &end);
    if (end == buf || *end || errno == ERANGE || !strpbrk(buf, ".eEpP") || isnan(d)) {
        *why = "a number";
        return -1;
    }
    if (dbl) {
        memcpy(out, &d, 8);
        *outn = 8;
    } else {
        float f = (float)d;
        memcpy(out, &f, 4);
        *outn = 4;
    }
    return 0;
}

int ft_bytes_item(const char *s, size_t n, uint8_t *out, size_t cap, size_t *outn, size_t *minimal,
                  const char **why)
{
    *why = "a number (decimal, 0x hex, 0 octal or 0b binary, size suffix HH H L LL), 'c' or \"string\"";
    *outn = *minimal = 0;
    if (n == 0)
        return -1;
    if (s[0] == '"' || s[0] == '\'') {
        int rc = quoted(s, n, out, cap, outn, why);
        *minimal = *outn;
        return rc;
    }
    const char *w = *why, *fw;
    if (integer(s, n, out, cap, outn, minimal, &w) == 0)
        return 0;
    if (cap >= 8 && floating(s, n, out, outn, &fw) == 0) {
        *minimal = *outn;
        return 0;
    }
    if (strcmp(w, "a number") != 0)
        *why = w;
    return -1;
}

size_t ft_bytes_token(const char *s, size_t n)
{
    size_t i = 0;
    char q = 0;
    while (i < n) {
        char c = s[i];
        if (q) {
            if (c == '\\' && i + 1 < n)
                i++;
            else if (c == q)
                q = 0;
        } else if (c == '"' || c == '\'') {
            q = c;
        } else if (is_sep((unsigned char)c)) {
            break;
        }
        i++;
    }
    return i;
}

int ft_bytes_parse(ft_image *img, const char *name, const uint8_t *buf, size_t len,
                   ft_format fmt, const char *memory, ft_err *err)
{
    (void)memory;
    unsigned line = 1;
    uint32_t addr = 0;
    size_t pos = 0;
    const char *s = (const char *)buf;
    while (pos < len) {
        if (is_sep(buf[pos])) {
            line += buf[pos++] == '\n';
            continue;
        }
        size_t start = pos;
        pos += ft_bytes_token(s + pos, len - pos);
        size_t n = pos - start, got, minimal;
        uint8_t item[4096];
        const char *why;
        char where[512];
        /* :m data is no file: name it as typed after -U, not "0x1g:1" */
        if (fmt == FT_FMT_IMM)
            snprintf(where, sizeof where, "%s:m", name);
        else
            snprintf(where, sizeof where, "%s:%u", name, line);
        for (size_t k = start; k < pos; k++)
            line += buf[k] == '\n';
        if (ft_bytes_item(s + start, n, item, sizeof item, &got, &minimal, &why) != 0)
            return ft_err_set(err, FT_E_INPUT, "%s: expected %s, found '%.*s'", where, why,
                              (int)(n > 40 ? 40 : n), s + start);
        /* zero padding of a sized number past the memory's end is dropped */
        if (img->limit && addr + got > img->limit && addr + minimal <= img->limit && addr < img->limit) {
            bool zero = true;
            for (size_t k = img->limit - addr; k < got; k++)
                zero &= item[k] == 0;
            if (zero)
                got = img->limit - addr;
        }
        for (size_t k = 0; k < got; k++, addr++)
            if (ft_image_put(img, addr, item[k]) != FT_PUT_OK)
                return ft_image_put_at(img, addr, item[k], where, err);
    }
    if (fmt == FT_FMT_IMM && addr == 0)
        return ft_err_set(err, FT_E_INPUT, "%s:m: expected at least one byte value, found none",
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
