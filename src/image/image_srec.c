/* Motorola S-records in and out.
 *
 * Reading: S0 (header, ignored), S1/S2/S3 data, S5/S6 count (checked against
 * the data records seen so far), S7/S8/S9 end. Unlike Intel HEX the end
 * record is optional: srec_cat leaves it out when the input had no start
 * address. Nothing may follow it, though.
 * Writing uses the narrowest address width that reaches the image's extent. */
#include "ftisp/image.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct state {
    uint32_t ndata;     /* data records so far, for S5/S6 */
    bool ended;
};

/* Address width in bytes of each record type; 0 marks S4 (reserved). */
static const unsigned addr_bytes[10] = {2, 2, 3, 4, 0, 2, 3, 4, 3, 2};

static int record(ft_image *img, const char *where, const uint8_t *s, size_t n,
                  struct state *st, ft_err *err)
{
    char tmp[16];
    if (s[0] != 'S' && s[0] != 's')
        return ft_err_set(err, FT_E_INPUT, "%s: expected 'S' to start a record, found %s",
                          where, ft_show_char(s[0], tmp, sizeof tmp));
    if (n < 2 || s[1] < '0' || s[1] > '9' || s[1] == '4')
        return ft_err_set(err, FT_E_INPUT,
                          "%s: expected a record type 0-3 or 5-9 after 'S', found %s", where,
                          n < 2 ? "the end of the line" : ft_show_char(s[1], tmp, sizeof tmp));
    unsigned type = (unsigned)(s[1] - '0');
    for (size_t i = 2; i < n; i++)
        if (ft_hexval(s[i]) < 0)
            return ft_err_set(err, FT_E_INPUT, "%s: expected a hex digit in column %zu, found %s",
                              where, i + 1, ft_show_char(s[i], tmp, sizeof tmp));
    size_t digits = n - 2;
    unsigned ab = addr_bytes[type];
    if (digits < 2 * (ab + 2) || digits % 2 || digits > 2 * 256)
        return ft_err_set(err, FT_E_INPUT,
                          "%s: expected an even count of %u to 512 hex digits after S%u, found %zu",
                          where, 2 * (ab + 2), type, digits);
    uint8_t b[256] = {0};
    size_t nb = digits / 2;
    unsigned sum = 0;
    for (size_t i = 0; i < nb; i++) {
        b[i] = (uint8_t)(ft_hexval(s[2 + 2 * i]) << 4 | ft_hexval(s[3 + 2 * i]));
        sum += b[i];
    }
    if (b[0] != nb - 1)
        return ft_err_set(err, FT_E_INPUT,
                          "%s: expected %u hex digits for a byte count of %02X, found %zu",
                          where, 2 * (b[0] + 1), b[0], digits);
    if ((sum & 0xFF) != 0xFF)
        return ft_err_set(err, FT_E_INPUT, "%s: expected checksum %02X, found %02X", where,
                          ~(sum - b[nb - 1]) & 0xFF, b[nb - 1]);
    uint32_t addr = 0;
    for (unsigned i = 0; i < ab; i++)
        addr = addr << 8 | b[1 + i];
    const uint8_t *d = b + 1 + ab;
    size_t nd = nb - 2 - ab;
    switch (type) {
    case 1: case 2: case 3:
        for (size_t i = 0; i < nd; i++) {
            int rc = ft_image_put_at(img, (uint64_t)addr + i, d[i], where, err);
            if (rc)
                return rc;
        }
        st->ndata++;
        break;
    case 5: case 6:
        if (addr != st->ndata)
            return ft_err_set(err, FT_E_INPUT,
                              "%s: expected a record count of %" PRIu32 ", found %" PRIu32,
                              where, st->ndata, addr);
        break;
    case 7: case 8: case 9:
        st->ended = true;
        break;
    default:   /* S0: a free-form header */
        break;
    }
    return FT_OK;
}

int ft_srec_parse(ft_image *img, const char *name, const uint8_t *buf, size_t len, ft_format fmt,
                  const char *memory, ft_err *err)
{
    (void)fmt;
    (void)memory;
    struct state st = {0, false};
    unsigned line = 0, end_line = 0;
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
        if (start == end)
            continue;
        snprintf(where, sizeof where, "%s:%u", name, line);
        if (st.ended)
            return ft_err_set(err, FT_E_INPUT,
                              "%s: expected nothing after the end record on line %u, found more records",
                              where, end_line);
        int rc = record(img, where, buf + start, end - start, &st, err);
        if (rc)
            return rc;
        if (st.ended)
            end_line = line;
    }
    return FT_OK;
}

static void emit(FILE *f, unsigned type, uint32_t addr, const uint8_t *d, size_t n)
{
    unsigned ab = addr_bytes[type];
    unsigned count = (unsigned)(ab + n + 1), sum = count;
    fprintf(f, "S%u%02X", type, count);
    for (unsigned i = ab; i-- > 0;) {
        unsigned v = (addr >> (8 * i)) & 0xFF;
        fprintf(f, "%02X", v);
        sum += v;
    }
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "%02X", d[i]);
        sum += d[i];
    }
    fprintf(f, "%02X\n", ~sum & 0xFF);
}

int ft_srec_format(const ft_image *img, ft_format fmt, char **out, size_t *outlen, ft_err *err)
{
    (void)fmt;
    FILE *f = open_memstream(out, outlen);
    if (!f)
        return ft_err_set(err, FT_E_FAIL, "out of memory");
    uint32_t ext = ft_image_extent(img), nrec = 0;
    unsigned data = ext <= 0x10000 ? 1 : ext <= 0x1000000 ? 2 : 3;
    static const char header[] = "ftisp";
    emit(f, 0, 0, (const uint8_t *)header, strlen(header));
    for (uint32_t a = 0; a < ext;) {
        if (!img->set[a]) {
            a++;
            continue;
        }
        unsigned n = 0;
        uint32_t stop = (a | 15) + 1;
        while (a + n < stop && a + n < ext && img->set[a + n])
            n++;
        emit(f, data, a, img->data + a, n);
        nrec++;
        a += n;
    }
    if (nrec <= 0xFFFF)
        emit(f, 5, nrec, NULL, 0);
    else
        emit(f, 6, nrec, NULL, 0);
    emit(f, 10 - data, 0, NULL, 0);
    if (fclose(f) != 0) {
        free(*out);
        *out = NULL;
        return ft_err_set(err, FT_E_FAIL, "out of memory");
    }
    return FT_OK;
}
