/* Intel HEX: real toolchain output, hand-made files with every record type,
 * each error's message, and write/read round trips. */
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
    static char buf[4][1024];
    static int n;
    const char *root = getenv("FTISP_ROOT");
    char *b = buf[n++ % 4];
    snprintf(b, sizeof buf[0], "%s/tests/data/firmware/%s", root ? root : ".", name);
    return b;
}

static void load(ft_image *img, uint32_t limit, const char *name, ft_format fmt, const char *mem)
{
    ft_err err;
    ft_err_clear(&err);
    ft_image_init(img, limit);
    int rc = ft_image_read_file(img, fw(name), fmt, mem, &err);
    if (rc)
        fail_msg("%s: %s", name, err.msg);
}

/* Parses text as Intel HEX into a 32 KiB image; returns the status. */
static int parse(ft_image *img, const char *text, ft_err *err)
{
    ft_err_clear(err);
    ft_image_init(img, 0x8000);
    return ft_image_parse(img, "t.hex", (const uint8_t *)text, strlen(text), FT_FMT_IHEX, "flash", err);
}

static void same(const ft_image *a, const ft_image *b)
{
    uint32_t first = 0;
    if (!ft_image_matches(a, b, &first))
        fail_msg("images differ at 0x%X", first);
    if (!ft_image_matches(b, a, &first))
        fail_msg("images differ at 0x%X", first);
}

static void avr_objcopy_output_matches_binary(void **state)
{
    (void)state;
    ft_image hex, bin, cat;
    load(&hex, 0x8000, "prog.hex", FT_FMT_AUTO, "flash");
    load(&bin, 0x8000, "prog.bin", FT_FMT_RAW, "flash");
    load(&cat, 0x8000, "prog.srec_cat.hex", FT_FMT_IHEX, "flash");
    assert_int_equal(ft_image_extent(&hex), 250);
    assert_int_equal(ft_image_count(&hex), 250);
    /* .data's initial value, loaded after .text */
    assert_int_equal(ft_image_get(&hex, 0xF8), 0x5A);
    same(&hex, &bin);
    same(&hex, &cat);
    ft_image_free(&hex);
    ft_image_free(&bin);
    ft_image_free(&cat);
}

static void atmega2560_past_64k(void **state)
{
    (void)state;
    ft_image hex, cat, elf;
    load(&hex, 0x40000, "big2560.hex", FT_FMT_IHEX, "flash");
    load(&cat, 0x40000, "big2560.srec_cat.hex", FT_FMT_IHEX, "flash");
    load(&elf, 0x40000, "big2560.elf", FT_FMT_ELF, "flash");
    /* The table at 0xFF00 runs 512 bytes, past 0x10000. */
    assert_int_equal(ft_image_extent(&hex), 0xFF00 + 512);
    assert_int_equal(ft_image_get(&hex, 0xFF00), 0);
    assert_int_equal(ft_image_get(&hex, 0xFFFF), 0xFF);
    assert_int_equal(ft_image_get(&hex, 0x10000), 7);
    assert_int_equal(ft_image_get(&hex, 0x10001), 8);
    same(&hex, &cat);
    same(&hex, &elf);
    /* objcopy said it with a type 02 record, srec_cat with type 04. */
    FILE *f = fopen(fw("big2560.hex"), "r");
    char line[600];
    int ext = 0;
    while (fgets(line, sizeof line, f))
        ext += strncmp(line, ":02000002", 9) == 0 || strncmp(line, ":02000004", 9) == 0;
    fclose(f);
    assert_true(ext > 0);
    ft_image_free(&hex);
    ft_image_free(&cat);
    ft_image_free(&elf);
}

static void every_record_type(void **state)
{
    (void)state;
    ft_image img;
    load(&img, 0x40000, "allrecords.hex", FT_FMT_AUTO, "flash");
    assert_int_equal(ft_image_count(&img), 4 + 3 + 2 + 4 + 32);
    for (uint32_t i = 0; i < 4; i++) {
        assert_int_equal(ft_image_get(&img, i), i + 1);
        assert_int_equal(ft_image_get(&img, 0x100 + i), 0x10 + i);
    }
    for (uint32_t i = 0; i < 3; i++)   /* segment 0x1000 * 16 + 0x10, lower case */
        assert_int_equal(ft_image_get(&img, 0x10010 + i), 0xA0 + i);
    assert_int_equal(ft_image_get(&img, 0x20004), 0xB0);
    assert_int_equal(ft_image_get(&img, 0x20005), 0xB1);
    for (uint32_t i = 0; i < 32; i++)  /* one record across 64 KiB */
        assert_int_equal(ft_image_get(&img, 0xFFF0 + i), i);
    ft_image_free(&img);
}

static void bootloader_at_top_of_flash(void **state)
{
    (void)state;
    ft_image img;
    load(&img, 0x8000, "bootloader.hex", FT_FMT_AUTO, "flash");
    assert_int_equal(ft_image_count(&img), 0x1F0 + 10);
    assert_int_equal(ft_image_extent(&img), 0x7E00 + 0x1F0 + 10);
    assert_false(ft_image_is_set(&img, 0x7DFF));
    assert_int_equal(ft_image_get(&img, 0x7E00), 3);
    uint32_t p = 0, n = 0;
    for (; ft_image_next_page(&img, 128, &p); p += 128)
        n++;
    assert_int_equal(n, 4);
    ft_image_free(&img);

    /* A 32 KiB bootloader file does not fit a 16 KiB part. */
    ft_err err;
    ft_err_clear(&err);
    ft_image_init(&img, 0x4000);
    assert_int_equal(ft_image_read_file(&img, fw("bootloader.hex"), FT_FMT_IHEX, "flash", &err),
                     FT_E_INPUT);
    assert_non_null(strstr(err.msg, "bootloader.hex:1: expected an address below 0x4000"));
    assert_true(ft_image_empty(&img));
    ft_image_free(&img);
}

static void line_ends_case_and_blanks(void **state)
{
    (void)state;
    ft_image img;
    ft_err err;
    assert_int_equal(parse(&img, "\n:02001000aBcD76\r\n\r\n  :00000001ff  \r\n\n", &err), FT_OK);
    assert_int_equal(ft_image_get(&img, 0x10), 0xAB);
    assert_int_equal(ft_image_get(&img, 0x11), 0xCD);
    assert_int_equal(ft_image_count(&img), 2);
    ft_image_free(&img);
}

static void expect_error(const char *text, const char *msg)
{
    ft_image img;
    ft_err err;
    assert_int_equal(parse(&img, text, &err), FT_E_INPUT);
    assert_int_equal(err.code, FT_E_INPUT);
    assert_string_equal(err.msg, msg);
    assert_true(ft_image_empty(&img));
    ft_image_free(&img);
}

static void errors(void **state)
{
    (void)state;
    expect_error(":0100000001FF\n:00000001FF\n", "t.hex:1: expected checksum FE, found FF");
    expect_error(":0200000001FD\n:00000001FF\n",
                 "t.hex:1: expected 14 hex digits for a record of 2 data bytes, found 12");
    expect_error(":0100\n", "t.hex:1: expected an even count of 10 to 520 hex digits after ':', found 4");
    expect_error(":0100000G01FE\n", "t.hex:1: expected a hex digit in column 9, found 'G'");
    expect_error(":01000000 01FE\n", "t.hex:1: expected a hex digit in column 10, found byte 0x20");
    expect_error("01000000 01FE\n", "t.hex:1: expected ':' to start a record, found '0'");
    expect_error(":00000001FF\n:0100000001FE\n",
                 "t.hex:2: expected nothing after the end-of-file record on line 1, found more records");
    expect_error(":0100000001FE\n:0100000002FD\n:00000001FF\n",
                 "t.hex:2: expected 0x01 at 0x0000 (an earlier record set it), found 0x02");
    expect_error(":01800000AAD5\n:00000001FF\n",
                 "t.hex:1: expected an address below 0x8000 (the memory's size), found 0x8000");
    expect_error(":020000040001F9\n:0100000001FE\n:00000001FF\n",
                 "t.hex:2: expected an address below 0x8000 (the memory's size), found 0x10000");
    expect_error(":0100000001FE\n", "t.hex:1: expected an end-of-file record (:00000001FF), found the end of the file");
    expect_error(":00000006FA\n", "t.hex:1: expected a record type 00 to 05, found 06");
    expect_error(":0100000401FA\n", "t.hex:1: expected length 02 for a type 04 record, found 01");
    expect_error(":0100000101FD\n", "t.hex:1: expected length 00 for a type 01 record, found 01");
    expect_error("", "t.hex: expected Intel HEX records ending with :00000001FF, found an empty file");
    expect_error("\n  \n\n", "t.hex: expected Intel HEX records ending with :00000001FF, found only blank lines");
}

static void identical_overlap_is_fine(void **state)
{
    (void)state;
    ft_image img;
    ft_err err;
    assert_int_equal(parse(&img, ":020000001234B8\n:0100010034CA\n:00000001FF\n", &err), FT_OK);
    assert_int_equal(ft_image_count(&img), 2);
    ft_image_free(&img);
}

static void write_layout(void **state)
{
    (void)state;
    ft_image img;
    ft_err err;
    ft_err_clear(&err);
    ft_image_init(&img, 0x40000);
    for (uint32_t a = 0xFFF8; a < 0x10008; a++)
        ft_image_put(&img, a, (uint8_t)a);
    ft_image_put(&img, 0x20000, 0x42);
    char *out;
    size_t len;
    assert_int_equal(ft_image_format(&img, FT_FMT_IHEX, &out, &len, &err), FT_OK);
    assert_int_equal(strlen(out), len);
    assert_string_equal(out,
                        ":08FFF800F8F9FAFBFCFDFEFF25\n"
                        ":020000040001F9\n"
                        ":080000000001020304050607DC\n"
                        ":020000040002F8\n"
                        ":0100000042BD\n"
                        ":00000001FF\n");
    free(out);
    ft_image_clear(&img);
    assert_int_equal(ft_image_format(&img, FT_FMT_IHEX, &out, &len, &err), FT_OK);
    assert_string_equal(out, ":00000001FF\n");
    free(out);
    ft_image_free(&img);
}

static void round_trip(const char *name, uint32_t limit)
{
    ft_image img, back;
    ft_err err;
    ft_err_clear(&err);
    load(&img, limit, name, FT_FMT_AUTO, "flash");
    char *out;
    size_t len;
    assert_int_equal(ft_image_format(&img, FT_FMT_IHEX, &out, &len, &err), FT_OK);
    ft_image_init(&back, limit);
    int rc = ft_image_parse(&back, "round", (const uint8_t *)out, len, FT_FMT_IHEX, "flash", &err);
    if (rc)
        fail_msg("%s", err.msg);
    same(&img, &back);
    assert_int_equal(ft_image_count(&img), ft_image_count(&back));
    free(out);
    ft_image_free(&img);
    ft_image_free(&back);
}

static void round_trips(void **state)
{
    (void)state;
    round_trip("prog.hex", 0x8000);
    round_trip("big2560.hex", 0x40000);
    round_trip("allrecords.hex", 0x40000);
    round_trip("bootloader.hex", 0x8000);
    round_trip("prog.srec", 0x8000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(avr_objcopy_output_matches_binary),
        cmocka_unit_test(atmega2560_past_64k),
        cmocka_unit_test(every_record_type),
        cmocka_unit_test(bootloader_at_top_of_flash),
        cmocka_unit_test(line_ends_case_and_blanks),
        cmocka_unit_test(errors),
        cmocka_unit_test(identical_overlap_is_fine),
        cmocka_unit_test(write_layout),
        cmocka_unit_test(round_trips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
