/* TPI framing over the byte wire (src/tpi/tpi_bits.c): frames, idle bits,
 * BREAK, padding, MSB-first packing, and answers found in the bits shifted
 * in; the instruction encodings. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "ftisp/tpi.h"

/* the bits of s as a '0'/'1' string */
static const char *bits_of(const ft_tpi_bits *s)
{
    static char out[1024];
    size_t i;
    for (i = 0; i < s->n && i < sizeof out - 1; i++)
        out[i] = (char)('0' + ft_tpi_bit(s->b, i));
    out[i] = '\0';
    return out;
}

static void frame_layout(void **state)
{
    (void)state;
    ft_tpi_bits s = {0};
    ft_tpi_bits_frame(&s, 0x00);
    /* start, 8 data LSB first, even parity, 2 stops */
    assert_string_equal(bits_of(&s), "000000000011");
    ft_tpi_bits_clear(&s);
    ft_tpi_bits_frame(&s, 0x01);
    assert_string_equal(bits_of(&s), "010000000111");
    ft_tpi_bits_clear(&s);
    ft_tpi_bits_frame(&s, 0x80);
    assert_string_equal(bits_of(&s), "000000001111");
    ft_tpi_bits_clear(&s);
    ft_tpi_bits_frame(&s, 0xFF);
    assert_string_equal(bits_of(&s), "011111111011");
    ft_tpi_bits_clear(&s);
    ft_tpi_bits_frame(&s, 0x12);   /* 0001 0010: bits 1 and 4, parity 0 */
    assert_string_equal(bits_of(&s), "001001000011");
    ft_tpi_bits_free(&s);
}

static void packing_msb_first_and_padding(void **state)
{
    (void)state;
    ft_tpi_bits s = {0};
    ft_tpi_bits_idle(&s, 2);
    ft_tpi_bits_frame(&s, 0x00);   /* 11 000000000011 */
    assert_int_equal(s.n, 14);
    assert_int_equal(ft_tpi_bits_pad(&s), 2);
    assert_int_equal(s.n, 16);
    assert_int_equal(s.b[0], 0xC0);   /* 1100 0000 */
    assert_int_equal(s.b[1], 0x0F);   /* 0000 11 + idle 11 */
    ft_tpi_bits_free(&s);
}

static void break_is_twelve_or_more_low_bits(void **state)
{
    (void)state;
    ft_tpi_bits s = {0};
    ft_tpi_bits_break(&s);
    size_t zeros = 0;
    while (zeros < s.n && !ft_tpi_bit(s.b, zeros))
        zeros++;
    assert_true(zeros >= 12);
    assert_true(s.n > zeros && ft_tpi_bit(s.b, s.n - 1));   /* ends high */
    ft_tpi_bits_free(&s);
}

/* What the target sends back: idle until its answer, then the frame. */
static void answer_at(uint8_t *in, size_t nbytes, size_t start, uint8_t v)
{
    ft_tpi_bits s = {0};
    ft_tpi_bits_idle(&s, start);
    ft_tpi_bits_frame(&s, v);
    ft_tpi_bits_idle(&s, nbytes * 8 - s.n);
    memcpy(in, s.b, nbytes);
    ft_tpi_bits_free(&s);
}

static void decode_finds_the_start_bit(void **state)
{
    (void)state;
    uint8_t in[16];
    ft_err err = {0};
    for (size_t off = 0; off + 12 <= FT_TPI_ANSWER_BITS; off++) {
        for (int v = 0; v < 256; v += 37) {
            uint8_t got = 0;
            answer_at(in, sizeof in, 20 + off, (uint8_t)v);
            assert_int_equal(ft_tpi_decode(in, 20, FT_TPI_ANSWER_BITS, &got, &err), FT_OK);
            assert_int_equal(got, v);
        }
    }
}

static void decode_errors(void **state)
{
    (void)state;
    uint8_t in[16];
    uint8_t v;
    ft_err err = {0};
    memset(in, 0xFF, sizeof in);
    assert_int_equal(ft_tpi_decode(in, 8, FT_TPI_ANSWER_BITS, &v, &err), FT_E_TARGET);
    assert_non_null(strstr(err.msg, "no answer"));
    /* a parity bit flipped */
    answer_at(in, sizeof in, 10, 0x5A);
    size_t pbit = 10 + 9;
    in[pbit >> 3] ^= (uint8_t)(0x80 >> (pbit & 7));
    err = (ft_err){0};
    assert_int_equal(ft_tpi_decode(in, 8, FT_TPI_ANSWER_BITS, &v, &err), FT_E_TARGET);
    assert_non_null(strstr(err.msg, "parity"));
    /* a stop bit low */
    answer_at(in, sizeof in, 10, 0x5A);
    size_t sbit = 10 + 11;
    in[sbit >> 3] &= (uint8_t)~(0x80 >> (sbit & 7));
    err = (ft_err){0};
    assert_int_equal(ft_tpi_decode(in, 8, FT_TPI_ANSWER_BITS, &v, &err), FT_E_TARGET);
    assert_non_null(strstr(err.msg, "stop"));
    /* starting too late for the frame to fit its window */
    answer_at(in, sizeof in, 8 + FT_TPI_ANSWER_BITS - 11, 0x00);
    err = (ft_err){0};
    assert_int_equal(ft_tpi_decode(in, 8, FT_TPI_ANSWER_BITS, &v, &err), FT_E_TARGET);
    assert_non_null(strstr(err.msg, "late"));
}

static void instruction_encodings(void **state)
{
    (void)state;
    assert_int_equal(FT_TPI_SIN(FT_TPI_NVMCSR), 0x72);    /* 0aa1aaaa, 0x32 */
    assert_int_equal(FT_TPI_SOUT(FT_TPI_NVMCMD), 0xF3);   /* 1aa1aaaa, 0x33 */
    assert_int_equal(FT_TPI_SIN(0x00), 0x10);
    assert_int_equal(FT_TPI_SOUT(0x3F), 0xFF);
    assert_int_equal(FT_TPI_SLDCS(FT_TPI_TPIIR), 0x8F);
    assert_int_equal(FT_TPI_SSTCS(FT_TPI_TPIPCR), 0xC2);
    assert_int_equal(FT_TPI_SSTCS(FT_TPI_TPISR), 0xC0);
    /* an answer window holds 2 idle bits, the frame and some slack */
    assert_true(FT_TPI_ANSWER_BITS >= FT_TPI_GUARD_BITS + 2 + 12 + 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(frame_layout),
        cmocka_unit_test(packing_msb_first_and_padding),
        cmocka_unit_test(break_is_twelve_or_more_low_bits),
        cmocka_unit_test(decode_finds_the_start_bit),
        cmocka_unit_test(decode_errors),
        cmocka_unit_test(instruction_encodings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
