/* Intel HEX in and out.
 *
 * Reading: all six record types, in any order, LF or CRLF, either case.
 * A data record whose offset runs past 0xFFFF continues linearly into the
 * next 64 KiB (base + offset + i, no wrap): that is what AVR toolchains mean
 * by such a record, and wrapping would silently put bytes at the bottom of a
 * segment. The end-of-file record is required, so a truncated download is
 * caught instead of being programmed as a shorter image. */
#include "ftisp/image.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

/* One record, already stripped of line end and surrounding blanks. */
static int record(ft_image *img, const char *where, const uint8_t *s, size_t n,
                  uint64_t *base, bool *ended, ft_err *err)
{
    char tmp[16];
    if (s[0] != ':')
        return ft_err_set(err, FT_E_INPUT, "%s: expected ':' to start a record, found %s",
                          where, ft_show_char(s[0], tmp, sizeof tmp));
    for (size_t i = 1; i < n; i++)
        if (ft_hexval(s[i]) < 0)
            return ft_err_set(err, FT_E_INPUT, "%s: expected a hex digit in column %zu, found %s",
                              where, i + 1, ft_show_char(s[i], tmp, sizeof tmp));
    size_t digits = n - 1;
    if (digits < 10 || digits % 2 || digits > 2 * (5 + 255))
        return ft_err_set(err, FT_E_INPUT,
                          "%s: expected an even count of 10 to 520 hex digits after ':', found %zu",
                          where, digits);
    uint8_t b[5 + 255];
    size_t nb = digits / 2;
    unsigned sum = 0;
    for (size_t i = 0; i < nb; i++) {
        b[i] = (uint8_t)(ft_hexval(s[1 + 2 * i]) << 4 | ft_hexval(s[2 + 2 * i]));
        sum += b[i];
    }
    unsigned ll = b[0];
    if (nb != ll + 5)
        return ft_err_set(err, FT_E_INPUT,
                          "%s: expected %u hex digits for a record of %u data bytes, found %zu",
                          where, 2 * (ll + 5), ll, digits);
    if (sum & 0xFF)
        return ft_err_set(err, FT_E_INPUT, "%s: expected checksum %02X, found %02X", where,
                          (unsigned)(-(int)(sum - b[nb - 1])) & 0xFF, b[nb - 1]);
    unsigned off = (unsigned)b[1] << 8 | b[2];
    unsigned type = b[3];
    const uint8_t *d = b + 4;
    static const unsigned need[] = {0, 0, 2, 4, 2, 4};
    if (type > 5)
        return ft_err_set(err, FT_E_INPUT, "%s: expected a record type 00 to 05, found %02X",
                          where, type);
    if (type != 0 && ll != need[type])
        return ft_err_set(err, FT_E_INPUT,
                          "%s: expected length %02X for a type %02X record, found %02X",
                          where, need[type], type, ll);
    switch (type) {
    case 0:
        for (unsigned i = 0; i < ll; i++) {
            int rc = ft_image_put_at(img, *base + off + i, d[i], where, err);
            if (rc)
                return rc;
        }
        break;
    case 1:
        *ended = true;
        break;
    case 2:
        *base = (uint64_t)((unsigned)d[0] << 8 | d[1]) << 4;
        break;
    case 4:
        *base = (uint64_t)((unsigned)d[0] << 8 | d[1]) << 16;
        break;
    default:   /* 03 and 05: start addresses mean nothing to a programmer */
        break;
    }
    return FT_OK;
}

/* i and I alike: a comment after a record is skipped either way. */
int ft_ihex_parse(ft_image *img, const char *name, const uint8_t *buf, size_t len, ft_format fmt,
                  const char *memory, ft_err *err)
{
    (void)fmt;
    (void)memory;
    uint64_t base = 0;
    bool ended = false;
    unsigned line = 0, end_line = 0, records = 0;
    char where[512];
    size_t pos = 0;
    while (pos < len) {
        line++;
        size_t start = pos;
        while (pos < len && buf[pos] != '\n')
            pos++;
        size_t end = pos;
        if (pos < len)
            pos++;
        while (end > start && isspace(buf[end - 1]))
            end--;
        while (start < end && isspace(buf[start]))
            start++;
        /* a comment after a record (:I files): blanks, then // */
        for (size_t k = start; k + 1 < end; k++)
            if (isspace(buf[k])) {
                size_t c = k;
                while (c < end && isspace(buf[c]))
                    c++;
                if (c + 1 < end && buf[c] == '/' && buf[c + 1] == '/')
                    end = k;
                break;
            }
        if (start == end)
            continue;
        snprintf(where, sizeof where, "%s:%u", name, line);
        if (ended)
            return ft_err_set(err, FT_E_INPUT,
                              "%s: expected nothing after the end-of-file record on line %u, found more records",
                              where, end_line);
        records++;
        int rc = record(img, where, buf + start, end - start, &base, &ended, err);
        if (rc)
            return rc;
        if (ended)
            end_line = line;
    }
    /* an empty file is often a build that failed: say so, not "line 0" */
    if (!records)
        return ft_err_set(err, FT_E_INPUT,
                          "%s: expected Intel HEX records ending with :00000001FF, found %s", name,
                          line ? "only blank lines" : "an empty file");
    if (!ended)
        return ft_err_set(err, FT_E_INPUT,
                          "%s:%u: expected an end-of-file record (:00000001FF), found the end of the file",
                          name, line);
    return FT_OK;
}

static void emit(FILE *f, unsigned type, unsigned off, const uint8_t *d, unsigned n, bool nl)
{
    unsigned sum = n + (off >> 8) + (off & 0xFF) + type;
    fprintf(f, ":%02X%04X%02X", n, off & 0xFFFF, type);
    for (unsigned i = 0; i < n; i++) {
        fprintf(f, "%02X", d[i]);
        sum += d[i];
    }
    fprintf(f, "%02X%s", (0x100 - (sum & 0xFF)) & 0xFF, nl ? "\n" : "");
}

/* 16-byte records aligned to 16, so no record crosses a 64 KiB boundary and
 * a type 04 record comes exactly where the upper address changes. */
/* The comment :I adds: the address, then the bytes as hex for short
 * records (fuses, lock, signature), else as text. */
static void comment(FILE *f, uint32_t a, const uint8_t *d, unsigned n)
{
    fprintf(f, "%*s // %05x> ", (int)(2 * (16 - n)), "", (unsigned)a);
    for (unsigned i = 0; i < n; i++) {
        if (n < 9)
            fprintf(f, "%s0x%02x", i ? " " : "", d[i]);
        else
            fputc(d[i] >= ' ' && d[i] < 0x7f ? d[i] : '.', f);
    }
    fputc('\n', f);
}

/* I (FT_FMT_IHEXC) adds a comment to each data record. */
int ft_ihex_format(const ft_image *img, ft_format fmt, char **out, size_t *outlen, ft_err *err)
{
    bool comments = fmt == FT_FMT_IHEXC;
    FILE *f = open_memstream(out, outlen);
    if (!f)
        return ft_err_set(err, FT_E_FAIL, "out of memory");
    uint32_t ext = ft_image_extent(img), upper = 0;
    for (uint32_t a = 0; a < ext;) {
        if (!img->set[a]) {
            a++;
            continue;
        }
        uint8_t d[16];
        unsigned n = 0;
        uint32_t stop = (a | 15) + 1;
        while (a + n < stop && a + n < ext && img->set[a + n]) {
            d[n] = img->data[a + n];
            n++;
        }
        if (a >> 16 != upper) {
            upper = a >> 16;
            uint8_t u[2] = {(uint8_t)(upper >> 8), (uint8_t)upper};
            emit(f, 4, 0, u, 2, true);
        }
        emit(f, 0, a & 0xFFFF, d, n, !comments);
        if (comments)
            comment(f, a, d, n);
        a += n;
    }
    emit(f, 1, 0, NULL, 0, true);
    if (fclose(f) != 0) {
        free(*out);
        *out = NULL;
        return ft_err_set(err, FT_E_FAIL, "out of memory");
    }
    return FT_OK;
}
