/* Motorola S-records: toolchain and srec_cat output, hand-made files with
 * every record type, each error's message, widths and round trips. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ftisp/image.h"

static const char *fw(const char *name)
{
    static char buf[1024];
    const char *root = getenv("FTISP_ROOT");
    snprintf(buf, sizeof buf, "%s/tests/data/firmware/%s", root ? root : ".", name);
    return buf;
}

static void load(ft_image *img, uint32_t limit, const char *name, ft_format fmt)
{
    ft_err err;
    ft_err_clear(&err);
    ft_image_init(img, limit);
    if (ft_image_read_file(img, fw(name), fmt, "flash", &err))
        fail_msg("%s: %s", name, err.msg);
}

static int parse(ft_image *img, const char *text, ft_err *err)
{
    ft_err_clear(err);
    ft_image_init(img, 0x8000);
    return ft_image_parse(img, "t.srec", (const uint8_t *)text, strlen(text), FT_FMT_SREC, "flash", err);
}

static void same(const ft_image *a, const ft_image *b)
{
    uint32_t first = 0;
    if (!ft_image_matches(a, b, &first) || !ft_image_matches(b, a, &first))
        fail_msg("images differ at 0x%X", first);
}

static void toolchain_files(void **state)
{
    (void)state;
    ft_image s, bin, cat, s2, hex2, cat2;
    load(&s, 0x8000, "prog.srec", FT_FMT_AUTO);
    load(&bin, 0x8000, "prog.bin", FT_FMT_RAW);
    load(&cat, 0x8000, "prog.srec_cat.srec", FT_FMT_SREC);
    assert_int_equal(ft_image_count(&s), 250);
    same(&s, &bin);
    same(&s, &cat);
    load(&s2, 0x40000, "big2560.srec", FT_FMT_AUTO);
    load(&cat2, 0x40000, "big2560.srec_cat.srec", FT_FMT_AUTO);
    load(&hex2, 0x40000, "big2560.hex", FT_FMT_AUTO);
    assert_int_equal(ft_image_get(&s2, 0x10000), 7);
    same(&s2, &hex2);
    same(&cat2, &hex2);
    ft_image_free(&s);
    ft_image_free(&bin);
    ft_image_free(&cat);
    ft_image_free(&s2);
    ft_image_free(&cat2);
    ft_image_free(&hex2);
}

static void every_record_type(void **state)
{
    (void)state;
    ft_image img;
    load(&img, 0x20000, "allrecords.srec", FT_FMT_AUTO);
    assert_int_equal(ft_image_count(&img), 4 + 3 + 2);
    for (uint32_t i = 0; i < 4; i++)
        assert_int_equal(ft_image_get(&img, i), i + 1);
    assert_int_equal(ft_image_get(&img, 0x200), 0x30);
    assert_int_equal(ft_image_get(&img, 0x202), 0x32);
    assert_int_equal(ft_image_get(&img, 0x10000), 0x20);
    assert_int_equal(ft_image_get(&img, 0x10001), 0x21);
    ft_image_free(&img);
    load(&img, 0x20000, "s6s7.srec", FT_FMT_AUTO);   /* lower case, CRLF, S6, S7 */
    assert_int_equal(ft_image_count(&img), 2);
    assert_int_equal(ft_image_get(&img, 0x40), 0xCA);
    assert_int_equal(ft_image_get(&img, 0x41), 0xFE);
    ft_image_free(&img);
}

static void expect_error(const char *text, const char *msg)
{
    ft_image img;
    ft_err err;
    assert_int_equal(parse(&img, text, &err), FT_E_INPUT);
    assert_string_equal(err.msg, msg);
    assert_true(ft_image_empty(&img));
    ft_image_free(&img);
}

static void errors(void **state)
{
    (void)state;
    expect_error("S104000001FB\nS9030000FC\n", "t.srec:1: expected checksum FA, found FB");
    expect_error("S105000001FA\nS9030000FC\n",
                 "t.srec:1: expected 12 hex digits for a byte count of 05, found 10");
    expect_error("S1040000\n", "t.srec:1: expected an even count of 8 to 512 hex digits after S1, found 6");
    expect_error("S10400X001FA\n", "t.srec:1: expected a hex digit in column 7, found 'X'");
    expect_error("S404000001FA\n", "t.srec:1: expected a record type 0-3 or 5-9 after 'S', found '4'");
    expect_error(":00000001FF\n", "t.srec:1: expected 'S' to start a record, found ':'");
    expect_error("S9030000FC\nS104000001FA\n",
                 "t.srec:2: expected nothing after the end record on line 1, found more records");
    expect_error("S104000001FA\nS104000002F9\nS9030000FC\n",
                 "t.srec:2: expected 0x01 at 0x0000 (an earlier record set it), found 0x02");
    expect_error("S1048000AAD1\nS9030000FC\n",
                 "t.srec:1: expected an address below 0x8000 (the memory's size), found 0x8000");
    expect_error("S205010000AA4F\nS9030000FC\n",
                 "t.srec:1: expected an address below 0x8000 (the memory's size), found 0x10000");
    expect_error("S104000001FA\nS5030002FA\nS9030000FC\n",
                 "t.srec:2: expected a record count of 1, found 2");
}

static void identical_overlap_and_case(void **state)
{
    (void)state;
    ft_image img;
    ft_err err;
    assert_int_equal(parse(&img, "S104000001FA\r\ns104000001fa\r\nS1050010ABCD72\r\nS9030000FC\r\n", &err), FT_OK);
    assert_int_equal(ft_image_count(&img), 3);
    assert_int_equal(ft_image_get(&img, 0x11), 0xCD);
    ft_image_free(&img);
    /* No end record: srec_cat writes files like this. */
    assert_int_equal(parse(&img, "S104000001FA\nS5030001FB\n", &err), FT_OK);
    assert_int_equal(ft_image_count(&img), 1);
    ft_image_free(&img);
}

static void widths(void **state)
{
    (void)state;
    ft_image img;
    ft_err err;
    ft_err_clear(&err);
    ft_image_init(&img, 0x2000000);
    char *out;
    size_t len;
    ft_image_put(&img, 0xFFFF, 0x11);
    assert_int_equal(ft_image_format(&img, FT_FMT_SREC, &out, &len, &err), FT_OK);
    assert_string_equal(out, "S00800006674697370D1\nS104FFFF11EC\nS5030001FB\nS9030000FC\n");
    free(out);
    ft_image_put(&img, 0x10000, 0x22);
    assert_int_equal(ft_image_format(&img, FT_FMT_SREC, &out, &len, &err), FT_OK);
    assert_non_null(strstr(out, "\nS2050100002"));
    assert_non_null(strstr(out, "\nS804000000FB\n"));
    free(out);
    ft_image_put(&img, 0x1000000, 0x33);
    assert_int_equal(ft_image_format(&img, FT_FMT_SREC, &out, &len, &err), FT_OK);
    assert_non_null(strstr(out, "\nS306010000003"));
    assert_non_null(strstr(out, "\nS70500000000FA\n"));
    assert_non_null(strstr(out, "\nS5030003F9\n"));
    free(out);
    ft_image_free(&img);
}

static void round_trip(const char *name, uint32_t limit)
{
    ft_image img, back;
    ft_err err;
    ft_err_clear(&err);
    load(&img, limit, name, FT_FMT_AUTO);
    char *out;
    size_t len;
    assert_int_equal(ft_image_format(&img, FT_FMT_SREC, &out, &len, &err), FT_OK);
    ft_image_init(&back, limit);
    if (ft_image_parse(&back, "round", (const uint8_t *)out, len, FT_FMT_SREC, "flash", &err))
        fail_msg("%s", err.msg);
    same(&img, &back);
    free(out);
    ft_image_free(&img);
    ft_image_free(&back);
}

static void round_trips(void **state)
{
    (void)state;
    round_trip("prog.srec", 0x8000);
    round_trip("big2560.hex", 0x40000);
    round_trip("allrecords.hex", 0x40000);
    round_trip("allrecords.srec", 0x40000);
    round_trip("bootloader.hex", 0x8000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(toolchain_files),
        cmocka_unit_test(every_record_type),
        cmocka_unit_test(errors),
        cmocka_unit_test(identical_overlap_and_case),
        cmocka_unit_test(widths),
        cmocka_unit_test(round_trips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
