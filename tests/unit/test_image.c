/* The sparse image itself, format detection, dispatch, and file I/O. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ftisp/image.h"

static void put_get_and_holes(void **state)
{
    (void)state;
    ft_image img;
    ft_image_init(&img, 0x8000);
    assert_true(ft_image_empty(&img));
    assert_int_equal(ft_image_extent(&img), 0);
    assert_int_equal(ft_image_put(&img, 10, 0x12), FT_PUT_OK);
    assert_int_equal(ft_image_put(&img, 10, 0x12), FT_PUT_OK);
    assert_int_equal(ft_image_put(&img, 10, 0x13), FT_PUT_CONFLICT);
    assert_int_equal(ft_image_get(&img, 10), 0x12);
    assert_int_equal(ft_image_store(&img, 10, 0x13), FT_PUT_OK);
    assert_int_equal(ft_image_get(&img, 10), 0x13);
    assert_int_equal(ft_image_put(&img, 0x8000, 0), FT_PUT_RANGE);
    assert_int_equal(ft_image_put(&img, 0x7FFF, 0), FT_PUT_OK);
    assert_true(ft_image_is_set(&img, 0x7FFF));
    assert_false(ft_image_is_set(&img, 11));
    assert_false(ft_image_is_set(&img, 0x123456));
    assert_int_equal(ft_image_get(&img, 11), 0xFF);
    assert_int_equal(ft_image_extent(&img), 0x8000);
    assert_int_equal(ft_image_count(&img), 2);
    assert_false(ft_image_empty(&img));
    assert_true(img.alloc <= img.limit);
    ft_image_clear(&img);
    assert_true(ft_image_empty(&img));
    assert_int_equal(ft_image_count(&img), 0);
    ft_image_free(&img);
}

static void pages(void **state)
{
    (void)state;
    ft_image img;
    ft_image_init(&img, 0x8000);
    ft_image_put(&img, 5, 1);          /* page 0 */
    ft_image_put(&img, 0x17F, 2);      /* last byte of page 2 */
    ft_image_put(&img, 0x180, 3);      /* first byte of page 3 */
    ft_image_put(&img, 0x7FFF, 4);     /* last page */
    uint32_t got[8], n = 0;
    for (uint32_t p = 0; ft_image_next_page(&img, 128, &p); p += 128) {
        assert_true(n < 8);
        got[n++] = p;
    }
    assert_int_equal(n, 4);
    assert_int_equal(got[0], 0);
    assert_int_equal(got[1], 0x100);
    assert_int_equal(got[2], 0x180);
    assert_int_equal(got[3], 0x7F80);
    assert_true(ft_image_page_has_data(&img, 0x100, 128));
    assert_false(ft_image_page_has_data(&img, 0x80, 128));
    assert_false(ft_image_page_has_data(&img, 0x10000, 128));
    uint32_t p = 0x101;   /* unaligned start rounds down */
    assert_true(ft_image_next_page(&img, 128, &p));
    assert_int_equal(p, 0x100);
    ft_image_free(&img);

    ft_image_init(&img, 0x8000);
    p = 0;
    assert_false(ft_image_next_page(&img, 128, &p));
    assert_false(ft_image_next_page(&img, 0, &p));
    ft_image_free(&img);
}

static void trim_trailing_ff(void **state)
{
    (void)state;
    ft_image img;
    ft_image_init(&img, 1024);
    ft_image_put(&img, 0, 0xFF);
    ft_image_put(&img, 1, 0x00);
    ft_image_put(&img, 2, 0xFF);
    ft_image_put(&img, 3, 0xFF);
    ft_image_put(&img, 10, 0xFF);      /* after a hole */
    assert_int_equal(ft_image_trim_ff(&img), 2);
    assert_int_equal(ft_image_extent(&img), 2);
    assert_true(ft_image_is_set(&img, 0));   /* leading 0xFF stays */
    assert_false(ft_image_is_set(&img, 3));
    ft_image_clear(&img);
    ft_image_put(&img, 7, 0xFF);
    assert_int_equal(ft_image_trim_ff(&img), 0);
    assert_true(ft_image_empty(&img));
    ft_image_free(&img);
}

static void compare_over_set_bytes(void **state)
{
    (void)state;
    ft_image want, have;
    ft_image_init(&want, 1024);
    ft_image_init(&have, 1024);
    for (uint32_t a = 0; a < 64; a++)
        ft_image_put(&have, a, (uint8_t)a);
    ft_image_put(&want, 3, 3);
    ft_image_put(&want, 40, 40);
    uint32_t first = 999;
    assert_true(ft_image_matches(&want, &have, &first));
    ft_image_store(&have, 40, 0);
    assert_false(ft_image_matches(&want, &have, &first));
    assert_int_equal(first, 40);
    ft_image_put(&want, 100, 0xFF);    /* never read back: a difference */
    ft_image_store(&have, 40, 40);
    assert_false(ft_image_matches(&want, &have, &first));
    assert_int_equal(first, 100);
    ft_image_free(&want);
    ft_image_free(&have);
}

static void formats_and_detection(void **state)
{
    (void)state;
    for (const char *c = "aisremdhob"; *c; c++)
        assert_true(ft_format_valid(*c));
    assert_false(ft_format_valid('x'));
    assert_false(ft_format_valid(0));
    assert_string_equal(ft_format_name(FT_FMT_IHEX), "Intel HEX");
    const uint8_t elf[] = "\177ELF\001\001";
    assert_int_equal(ft_format_detect(elf, 6), FT_FMT_ELF);
    assert_int_equal(ft_format_detect((const uint8_t *)":00000001FF", 11), FT_FMT_IHEX);
    assert_int_equal(ft_format_detect((const uint8_t *)"\r\n  :00", 7), FT_FMT_IHEX);
    assert_int_equal(ft_format_detect((const uint8_t *)"S00300", 6), FT_FMT_SREC);
    assert_int_equal(ft_format_detect((const uint8_t *)"Sx", 2), FT_FMT_RAW);
    assert_int_equal(ft_format_detect((const uint8_t *)"0xff", 4), FT_FMT_RAW);
    assert_int_equal(ft_format_detect((const uint8_t *)"", 0), FT_FMT_RAW);
}

static void raw_in_and_out(void **state)
{
    (void)state;
    ft_image img;
    ft_err err;
    ft_err_clear(&err);
    ft_image_init(&img, 8);
    const uint8_t bin[] = {1, 2, 0xFF, 4};
    assert_int_equal(ft_image_parse(&img, "x.bin", bin, 4, FT_FMT_RAW, "flash", &err), FT_OK);
    assert_int_equal(ft_image_count(&img), 4);
    ft_image_clear(&img);
    ft_image_put(&img, 1, 0xAA);
    ft_image_put(&img, 3, 0xBB);
    char *out;
    size_t len;
    assert_int_equal(ft_image_format(&img, FT_FMT_RAW, &out, &len, &err), FT_OK);
    assert_int_equal(len, 4);
    assert_memory_equal(out, "\xFF\xAA\xFF\xBB", 4);
    free(out);

    const uint8_t big[9] = {0};
    assert_int_equal(ft_image_parse(&img, "x.bin", big, 9, FT_FMT_RAW, "flash", &err), FT_E_INPUT);
    assert_string_equal(err.msg, "x.bin: offset 8: expected at most 8 bytes (the memory's size), found 9");
    assert_true(ft_image_empty(&img));

    /* A fuse value in a text file, auto-detected as raw: the message hints. */
    ft_err_clear(&err);
    ft_image_free(&img);
    ft_image_init(&img, 1);
    const uint8_t txt[] = "0xE2\n";
    assert_int_equal(ft_format_detect(txt, 5), FT_FMT_RAW);
    assert_int_equal(ft_image_parse(&img, "f.txt", txt, 5, FT_FMT_RAW, "lfuse", &err), FT_E_INPUT);
    assert_string_equal(err.msg, "f.txt: offset 1: expected at most 1 bytes (the memory's size), found 5"
                                 " (a text file read as raw binary: give its format, e.g. :m or :h)");
    ft_image_free(&img);
}

static void unwritable_formats(void **state)
{
    (void)state;
    ft_image img;
    ft_err err;
    ft_err_clear(&err);
    ft_image_init(&img, 8);
    char *out;
    size_t len;
    assert_int_equal(ft_image_format(&img, FT_FMT_ELF, &out, &len, &err), FT_E_USAGE);
    assert_non_null(strstr(err.msg, "cannot write ELF"));
    ft_err_clear(&err);
    assert_int_equal(ft_image_parse(&img, "x", (const uint8_t *)"", 0, FT_FMT_AUTO, "flash", &err),
                     FT_E_USAGE);
    ft_image_free(&img);
}

static void files_and_stdio(void **state)
{
    (void)state;
    char dir[] = "/tmp/ftisp-image-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/out.hex", dir);
    ft_image img, back;
    ft_err err;
    ft_err_clear(&err);
    ft_image_init(&img, 0x8000);
    ft_image_init(&back, 0x8000);
    for (uint32_t a = 0x100; a < 0x180; a++)
        ft_image_put(&img, a, (uint8_t)(a * 3));
    const ft_format fmts[] = {FT_FMT_IHEX, FT_FMT_SREC};
    const char *names[] = {"out.hex", "out.srec"};
    for (size_t i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        assert_int_equal(ft_image_write_file(&img, path, fmts[i], &err), FT_OK);
        ft_image_clear(&back);
        assert_int_equal(ft_image_read_file(&back, path, FT_FMT_AUTO, "flash", &err), FT_OK);
        assert_int_equal(ft_image_count(&back), 0x80);
        assert_true(ft_image_matches(&img, &back, NULL));
    }
    /* A name that claims a format is read as that format only. */
    char claimed[256];
    snprintf(claimed, sizeof claimed, "%s/srec-inside.hex", dir);
    assert_int_equal(rename(path, claimed), 0);
    ft_image_clear(&back);
    assert_int_equal(ft_image_read_file(&back, claimed, FT_FMT_AUTO, "flash", &err), FT_E_INPUT);
    assert_non_null(strstr(err.msg, "srec-inside.hex:1: expected ':'"));
    ft_err_clear(&err);
    assert_int_equal(rename(claimed, path), 0);
    assert_int_equal(ft_format_claimed("a/b.c/main.EEP"), FT_FMT_IHEX);
    assert_int_equal(ft_format_claimed("x.s19"), FT_FMT_SREC);
    assert_int_equal(ft_format_claimed("x.elf"), FT_FMT_ELF);
    assert_int_equal(ft_format_claimed("dir.hex/firmware"), FT_FMT_AUTO);
    assert_int_equal(ft_format_claimed("x.bin"), FT_FMT_RAW);
    assert_int_equal(ft_format_claimed("x.RAW"), FT_FMT_RAW);
    assert_int_equal(ft_format_claimed("x.mhx"), FT_FMT_SREC);
    assert_int_equal(ft_format_claimed("x.h86"), FT_FMT_IHEX);
    assert_int_equal(ft_format_claimed("x.hx"), FT_FMT_AUTO);

    /* A name that says nothing: the content decides; what is none of the
     * formats is refused with what it looks like (issue 19, defect 3). */
    char other[256];
    snprintf(other, sizeof other, "%s/page.hx", dir);
    FILE *h = fopen(other, "w");
    assert_non_null(h);
    fputs("<!DOCTYPE html>\n<html><body>Not Found</body></html>\n", h);
    fclose(h);
    ft_image_clear(&back);
    assert_int_equal(ft_image_read_file(&back, other, FT_FMT_AUTO, "flash", &err), FT_E_INPUT);
    assert_non_null(strstr(err.msg, "page.hx: cannot tell its format"));
    assert_non_null(strstr(err.msg, "it looks like an HTML page, starting \"<!DOCTYPE html>\""));
    ft_err_clear(&err);
    h = fopen(other, "wb");
    assert_non_null(h);
    fwrite("\x0c\x94\x34\x00\x0c\x94", 1, 6, h);
    fclose(h);
    assert_int_equal(ft_image_read_file(&back, other, FT_FMT_AUTO, "flash", &err), FT_E_INPUT);
    assert_non_null(strstr(err.msg, "binary data"));
    assert_non_null(strstr(err.msg, "add :r"));
    ft_err_clear(&err);
    assert_int_equal(ft_image_read_file(&back, other, FT_FMT_RAW, "flash", &err), FT_OK);
    assert_int_equal(ft_image_count(&back), 6);
    /* ... and binary named .hex: the parser's error and the same hint */
    snprintf(claimed, sizeof claimed, "%s/bin.hex", dir);
    assert_int_equal(rename(other, claimed), 0);
    ft_image_clear(&back);
    assert_int_equal(ft_image_read_file(&back, claimed, FT_FMT_AUTO, "flash", &err), FT_E_INPUT);
    assert_non_null(strstr(err.msg, "bin.hex:1:"));
    assert_non_null(strstr(err.msg, "if it really is a raw image, add :r"));
    ft_err_clear(&err);
    unlink(claimed);

    /* "-" reads standard input. */
    assert_non_null(freopen(path, "rb", stdin));
    ft_image_clear(&back);
    assert_int_equal(ft_image_read_file(&back, "-", FT_FMT_SREC, "flash", &err), FT_OK);
    assert_true(ft_image_matches(&img, &back, NULL));

    /* Errors name stdin, and leave the image empty. */
    FILE *f = fopen(path, "w");
    fputs(":00000001FE\n", f);
    fclose(f);
    assert_non_null(freopen(path, "rb", stdin));
    assert_int_equal(ft_image_read_file(&back, "-", FT_FMT_AUTO, "flash", &err), FT_E_INPUT);
    assert_string_equal(err.msg, "<stdin>:1: expected checksum FF, found FE");
    assert_true(ft_image_empty(&back));

    ft_err_clear(&err);
    snprintf(path, sizeof path, "%s/missing.hex", dir);
    assert_int_equal(ft_image_read_file(&back, path, FT_FMT_AUTO, "flash", &err), FT_E_INPUT);
    assert_non_null(strstr(err.msg, "cannot open"));

    ft_err_clear(&err);
    snprintf(path, sizeof path, "%s/no/such/dir/x.hex", dir);
    assert_int_equal(ft_image_write_file(&img, path, FT_FMT_IHEX, &err), FT_E_FAIL);
    assert_non_null(strstr(err.msg, "cannot create"));

    /* Immediate: the "path" is the data. */
    ft_err_clear(&err);
    ft_image_clear(&back);
    assert_int_equal(ft_image_read_file(&back, "0xE2", FT_FMT_IMM, "lfuse", &err), FT_OK);
    assert_int_equal(ft_image_get(&back, 0), 0xE2);

    snprintf(path, sizeof path, "%s/out.srec", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/out.hex", dir);
    unlink(path);
    rmdir(dir);
    ft_image_free(&img);
    ft_image_free(&back);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(put_get_and_holes),
        cmocka_unit_test(pages),
        cmocka_unit_test(trim_trailing_ff),
        cmocka_unit_test(compare_over_set_bytes),
        cmocka_unit_test(formats_and_detection),
        cmocka_unit_test(raw_in_and_out),
        cmocka_unit_test(unwritable_formats),
        cmocka_unit_test(files_and_stdio),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
