/* Immediate values (m) and byte lists (d, h, o, b): every number spelling
 * in, each list format out, round trips and error messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ftisp/image.h"

static int parse(ft_image *img, const char *text, ft_format fmt, ft_err *err)
{
    ft_err_clear(err);
    ft_image_init(img, 16);
    return ft_image_parse(img, text, (const uint8_t *)text, strlen(text), fmt, "eeprom", err);
}

static void expect_bytes(const char *text, ft_format fmt, const uint8_t *want, uint32_t n)
{
    ft_image img;
    ft_err err;
    if (parse(&img, text, fmt, &err))
        fail_msg("%s: %s", text, err.msg);
    assert_int_equal(ft_image_count(&img), n);
    assert_int_equal(ft_image_extent(&img), n);
    for (uint32_t i = 0; i < n; i++)
        assert_int_equal(ft_image_get(&img, i), want[i]);
    ft_image_free(&img);
}

static void immediate_spellings(void **state)
{
    (void)state;
    expect_bytes("0xff", FT_FMT_IMM, (const uint8_t[]){0xFF}, 1);
    expect_bytes("0XE2", FT_FMT_IMM, (const uint8_t[]){0xE2}, 1);
    expect_bytes("0x12,0x34 0x56", FT_FMT_IMM, (const uint8_t[]){0x12, 0x34, 0x56}, 3);
    expect_bytes("255", FT_FMT_IMM, (const uint8_t[]){255}, 1);
    expect_bytes("0", FT_FMT_IMM, (const uint8_t[]){0}, 1);
    expect_bytes("0377", FT_FMT_IMM, (const uint8_t[]){0xFF}, 1);
    expect_bytes("0b11100010", FT_FMT_IMM, (const uint8_t[]){0xE2}, 1);
    expect_bytes(" 1 ,, 2,\t0x3 ,04,0b101 ", FT_FMT_IMM, (const uint8_t[]){1, 2, 3, 4, 5}, 5);
}

static void list_files(void **state)
{
    (void)state;
    expect_bytes("255,18\n", FT_FMT_DEC, (const uint8_t[]){255, 18}, 2);
    expect_bytes("0xff,0x12\n", FT_FMT_HEX, (const uint8_t[]){255, 18}, 2);
    expect_bytes("0377,022\n", FT_FMT_OCT, (const uint8_t[]){255, 18}, 2);
    expect_bytes("0b11111111,0b00010010\n", FT_FMT_BIN, (const uint8_t[]){255, 18}, 2);
    expect_bytes("1\n2\r\n3 4\n", FT_FMT_DEC, (const uint8_t[]){1, 2, 3, 4}, 4);
    ft_image img;
    ft_err err;
    assert_int_equal(parse(&img, "", FT_FMT_DEC, &err), FT_OK);   /* an empty list file */
    assert_true(ft_image_empty(&img));
    ft_image_free(&img);
}

static void output(void **state)
{
    (void)state;
    ft_image img;
    ft_err err;
    ft_err_clear(&err);
    ft_image_init(&img, 16);
    ft_image_put(&img, 0, 0xFF);
    ft_image_put(&img, 1, 0x12);
    ft_image_put(&img, 3, 0x00);   /* a hole at 2 is written as 0xFF */
    static const struct { ft_format f; const char *want; } cases[] = {
        {FT_FMT_DEC, "255,18,255,0\n"},
        {FT_FMT_HEX, "0xff,0x12,0xff,0x00\n"},
        {FT_FMT_OCT, "0377,022,0377,0\n"},
        {FT_FMT_BIN, "0b11111111,0b00010010,0b11111111,0b00000000\n"},
    };
    for (size_t i = 0; i < 4; i++) {
        char *out;
        size_t len;
        assert_int_equal(ft_image_format(&img, cases[i].f, &out, &len, &err), FT_OK);
        assert_string_equal(out, cases[i].want);
        assert_int_equal(len, strlen(cases[i].want));
        ft_image back;
        ft_image_init(&back, 16);
        assert_int_equal(ft_image_parse(&back, "rt", (const uint8_t *)out, len, cases[i].f, "eeprom", &err), FT_OK);
        assert_int_equal(ft_image_count(&back), 4);
        assert_int_equal(ft_image_get(&back, 1), 0x12);
        assert_int_equal(ft_image_get(&back, 2), 0xFF);
        assert_int_equal(ft_image_get(&back, 3), 0x00);
        free(out);
        ft_image_free(&back);
    }
    ft_image_clear(&img);
    char *out;
    size_t len;
    assert_int_equal(ft_image_format(&img, FT_FMT_HEX, &out, &len, &err), FT_OK);
    assert_int_equal(len, 0);
    free(out);
    ft_image_free(&img);
}

static void expect_error(const char *text, ft_format fmt, const char *msg)
{
    ft_image img;
    ft_err err;
    assert_int_equal(parse(&img, text, fmt, &err), FT_E_INPUT);
    assert_string_equal(err.msg, msg);
    assert_true(ft_image_empty(&img));
    ft_image_free(&img);
}

/* avrdude 8's data items: sized numbers, little-endian; characters and
 * strings; zero padding past a memory's end dropped, a value past it not. */
static void avrdude8_items(void **state)
{
    (void)state;
    expect_bytes("0x002a", FT_FMT_IMM, (const uint8_t[]){0x2a, 0}, 2);
    expect_bytes("256", FT_FMT_IMM, (const uint8_t[]){0, 1}, 2);
    expect_bytes("0x12345", FT_FMT_IMM, (const uint8_t[]){0x45, 0x23, 0x01, 0}, 4);
    expect_bytes("-1,1L", FT_FMT_IMM, (const uint8_t[]){0xff, 1, 0, 0, 0}, 5);
    expect_bytes("'A' \"hi\"", FT_FMT_IMM, (const uint8_t[]){'A', 'h', 'i', 0}, 4);
    expect_bytes("\"a,b\\n\" 7HH", FT_FMT_IMM, (const uint8_t[]){'a', ',', 'b', '\n', 0, 7}, 6);
    expect_bytes("1.5", FT_FMT_IMM, (const uint8_t[]){0, 0, 0xc0, 0x3f}, 4);
    /* a one-byte memory takes 0x002a as 0x2a, refuses 0x012a */
    ft_image img;
    ft_err err = {0};
    ft_image_init(&img, 1);
    assert_int_equal(ft_image_parse(&img, "m", (const uint8_t *)"0x002a", 6, FT_FMT_IMM, "lfuse", &err), FT_OK);
    assert_int_equal(ft_image_extent(&img), 1);
    assert_int_equal(ft_image_get(&img, 0), 0x2a);
    ft_image_free(&img);
    ft_image_init(&img, 1);
    assert_int_equal(ft_image_parse(&img, "m", (const uint8_t *)"0x012a", 6, FT_FMT_IMM, "lfuse", &err),
                     FT_E_INPUT);
    ft_image_free(&img);
}

static void errors(void **state)
{
    (void)state;
    expect_error("0x1g", FT_FMT_IMM,
                 "0x1g:m: expected a number (decimal, 0x hex, 0 octal or 0b binary, size suffix HH H L LL), 'c' or \"string\", found '0x1g'");
    expect_error("1,256HH", FT_FMT_IMM,
                 "1,256HH:m: expected a number that fits its size suffix, found '256HH'");
    expect_error("1\n2\n099\n", FT_FMT_DEC,
                 "1\n2\n099\n:3: expected a number (decimal, 0x hex, 0 octal or 0b binary, size suffix HH H L LL), 'c' or \"string\", found '099'");
    expect_error("0b102", FT_FMT_IMM,
                 "0b102:m: expected a number (decimal, 0x hex, 0 octal or 0b binary, size suffix HH H L LL), 'c' or \"string\", found '0b102'");
    expect_error("0x", FT_FMT_IMM,
                 "0x:m: expected a number (decimal, 0x hex, 0 octal or 0b binary, size suffix HH H L LL), 'c' or \"string\", found '0x'");
    expect_error("99999999999999999999", FT_FMT_IMM,
                 "99999999999999999999:m: expected a number below 2^64, found '99999999999999999999'");
    expect_error(" , ", FT_FMT_IMM, " , :m: expected at least one byte value, found none");
    expect_error("0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16", FT_FMT_IMM,
                 "0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16:m: expected an address below 0x10 (the memory's size), found 0x0010");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(immediate_spellings),
        cmocka_unit_test(list_files),
        cmocka_unit_test(output),
        cmocka_unit_test(errors),
        cmocka_unit_test(avrdude8_items),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
