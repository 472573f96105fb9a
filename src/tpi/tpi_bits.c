/* TPI bit streams: frames and idle bits packed MSB first into the bytes the
 * wire shifts, and answers found again in the bits shifted in. */
#include <stdlib.h>
#include <string.h>

#include "ftisp/tpi.h"

void ft_tpi_bits_free(ft_tpi_bits *s)
{
    free(s->b);
    memset(s, 0, sizeof *s);
}

void ft_tpi_bits_clear(ft_tpi_bits *s)
{
    s->n = 0;
}

static void put(ft_tpi_bits *s, int bit)
{
    size_t byte = s->n >> 3;
    if (byte >= s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 256;
        uint8_t *nb = realloc(s->b, cap);
        if (!nb) {
            s->oom = true;
            return;
        }
        s->b = nb;
        s->cap = cap;
    }
    uint8_t m = (uint8_t)(0x80u >> (s->n & 7));
    if (bit)
        s->b[byte] |= m;
    else
        s->b[byte] &= (uint8_t)~m;
    s->n++;
}

void ft_tpi_bits_idle(ft_tpi_bits *s, size_t n)
{
    while (n--)
        put(s, 1);
}

void ft_tpi_bits_frame(ft_tpi_bits *s, uint8_t v)
{
    int par = 0;
    put(s, 0);
    for (int i = 0; i < 8; i++) {
        int bit = v >> i & 1;
        par ^= bit;
        put(s, bit);
    }
    put(s, par);
    put(s, 1);
    put(s, 1);
}

void ft_tpi_bits_break(ft_tpi_bits *s)
{
    /* 12 low bits make a BREAK; a few more in case a frame was under way */
    for (int i = 0; i < 16; i++)
        put(s, 0);
    ft_tpi_bits_idle(s, 4);
}

size_t ft_tpi_bits_pad(ft_tpi_bits *s)
{
    while (s->n & 7)
        put(s, 1);
    return s->n >> 3;
}

int ft_tpi_decode(const uint8_t *in, size_t from, size_t len, uint8_t *v, ft_err *err)
{
    size_t k = from, end = from + len;
    while (k < end && ft_tpi_bit(in, k))
        k++;
    if (k == end)
        return ft_err_set(err, FT_E_TARGET, "no answer (TPIDATA stayed high)");
    if (end - k < 12)
        return ft_err_set(err, FT_E_TARGET, "answer too late (start bit %zu bits into its window)",
                          k - from);
    uint8_t d = 0;
    int par = 0;
    for (int i = 0; i < 8; i++) {
        int bit = ft_tpi_bit(in, k + 1 + (size_t)i);
        d |= (uint8_t)(bit << i);
        par ^= bit;
    }
    if (ft_tpi_bit(in, k + 9) != par)
        return ft_err_set(err, FT_E_TARGET, "parity error in an answer (0x%02x)", d);
    if (!ft_tpi_bit(in, k + 10) || !ft_tpi_bit(in, k + 11))
        return ft_err_set(err, FT_E_TARGET, "frame error in an answer (stop bits low)");
    *v = d;
    return FT_OK;
}
