/* ELF as avr-gcc writes it: each memory taken by load address from the flat
 * AVR space, and each malformed header refused with its file offset. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ftisp/image.h"

static const char *path(const char *rel)
{
    static char buf[1024];
    const char *root = getenv("FTISP_ROOT");
    snprintf(buf, sizeof buf, "%s/%s", root ? root : ".", rel);
    return buf;
}

static void load(ft_image *img, uint32_t limit, const char *rel, ft_format fmt, const char *mem)
{
    ft_err err;
    ft_err_clear(&err);
    ft_image_init(img, limit);
    if (ft_image_read_file(img, path(rel), fmt, mem, &err))
        fail_msg("%s: %s", rel, err.msg);
}

static void same(const ft_image *a, const ft_image *b)
{
    uint32_t first = 0;
    if (!ft_image_matches(a, b, &first) || !ft_image_matches(b, a, &first))
        fail_msg("images differ at 0x%X", first);
}

static uint8_t *slurp(const char *rel, size_t *len)
{
    FILE *f = fopen(path(rel), "rb");
    assert_non_null(f);
    uint8_t *buf = malloc(1 << 16);
    *len = fread(buf, 1, 1 << 16, f);
    fclose(f);
    return buf;
}

static void flash_matches_objcopy(void **state)
{
    (void)state;
    ft_image elf, bin, hex;
    load(&elf, 0x8000, "tests/data/firmware/prog.elf", FT_FMT_AUTO, "flash");
    load(&bin, 0x8000, "tests/data/firmware/prog.bin", FT_FMT_RAW, "flash");
    same(&elf, &bin);
    /* .data's bytes sit at their load address after .text, not at 0x800100 */
    assert_int_equal(ft_image_get(&elf, 0xF8), 0x5A);
    assert_int_equal(ft_image_extent(&elf), 250);
    ft_image_free(&elf);
    load(&elf, 0x8000, "tests/demo/blink.elf", FT_FMT_ELF, "flash");
    load(&hex, 0x8000, "tests/demo/blink.hex", FT_FMT_IHEX, "flash");
    same(&elf, &hex);
    ft_image_free(&elf);
    ft_image_free(&hex);
    ft_image_free(&bin);
}

static void other_memories(void **state)
{
    (void)state;
    ft_image elf, eep;
    load(&elf, 1024, "tests/data/firmware/prog.elf", FT_FMT_ELF, "eeprom");
    load(&eep, 1024, "tests/data/firmware/prog.eep", FT_FMT_IHEX, "eeprom");
    same(&elf, &eep);
    assert_int_equal(ft_image_count(&elf), 8);
    assert_int_equal(ft_image_get(&elf, 7), 8);
    ft_image_free(&elf);
    ft_image_free(&eep);

    static const struct { const char *mem; uint32_t limit; uint8_t v[3]; uint32_t n; } want[] = {
        {"lfuse", 1, {0xE2}, 1}, {"fuse", 1, {0xE2}, 1}, {"hfuse", 1, {0xD9}, 1},
        {"efuse", 1, {0xFD}, 1}, {"lock", 1, {0xFC}, 1}, {"signature", 3, {0x0F, 0x95, 0x1E}, 3},   /* avr-libc stores it last byte first */
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        load(&elf, want[i].limit, "tests/data/firmware/prog.elf", FT_FMT_ELF, want[i].mem);
        assert_int_equal(ft_image_count(&elf), want[i].n);
        for (uint32_t k = 0; k < want[i].n; k++)
            assert_int_equal(ft_image_get(&elf, k), want[i].v[k]);
        ft_image_free(&elf);
    }
    load(&elf, 1, "tests/demo/blink-fuses.elf", FT_FMT_ELF, "hfuse");
    assert_int_equal(ft_image_get(&elf, 0), 0xDE);
    ft_image_free(&elf);
    /* No fuses in this one: an empty image, not an error. */
    load(&elf, 1, "tests/demo/blink.elf", FT_FMT_ELF, "lfuse");
    assert_true(ft_image_empty(&elf));
    ft_image_free(&elf);
}

static void expect_error(const uint8_t *buf, size_t len, uint32_t limit, const char *mem,
                         const char *msg)
{
    ft_image img;
    ft_err err;
    ft_err_clear(&err);
    ft_image_init(&img, limit);
    assert_int_equal(ft_image_parse(&img, "p.elf", buf, len, FT_FMT_ELF, mem, &err), FT_E_INPUT);
    assert_string_equal(err.msg, msg);
    assert_true(ft_image_empty(&img));
    ft_image_free(&img);
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16), p[3] = (uint8_t)(v >> 24);
}

static void errors(void **state)
{
    (void)state;
    size_t len;
    uint8_t *orig = slurp("tests/data/firmware/prog.elf", &len);
    uint8_t *b = malloc(len);
    /* Program header 0 at 52; each 32 bytes: type, offset, vaddr, paddr, filesz. */
    uint32_t off0 = orig[56] | orig[57] << 8, off1 = orig[88] | orig[89] << 8;

    expect_error(orig, 40, 0x8000, "flash", "p.elf: offset 0: expected an ELF header, found a file too short for one");
    memcpy(b, orig, len);
    b[1] = 'X';
    expect_error(b, len, 0x8000, "flash", "p.elf: offset 0: expected an ELF header, found no ELF magic");
    memcpy(b, orig, len);
    b[4] = 2;
    expect_error(b, len, 0x8000, "flash",
                 "p.elf: offset 4: expected a 32-bit little-endian ELF (class 1, data 1), found class 2, data 1");
    memcpy(b, orig, len);
    b[18] = 62;
    expect_error(b, len, 0x8000, "flash", "p.elf: offset 18: expected an AVR ELF (machine 83), found machine 62");
    memcpy(b, orig, len);
    b[44] = b[45] = 0;
    expect_error(b, len, 0x8000, "flash",
                 "p.elf: offset 44: expected program headers, found none (an object file, not a linked program?)");
    memcpy(b, orig, len);
    b[42] = 16;
    b[43] = 0;
    expect_error(b, len, 0x8000, "flash", "p.elf: offset 42: expected a program header size of at least 32, found 16");
    memcpy(b, orig, len);
    put32(b + 28, (uint32_t)len - 10);
    char msg[256];
    snprintf(msg, sizeof msg,
             "p.elf: offset 28: expected 6 program headers within the file's %zu bytes, found them at %zu",
             len, len - 10);
    expect_error(b, len, 0x8000, "flash", msg);
    memcpy(b, orig, len);
    put32(b + 52 + 16, 0x10000);   /* segment 0's size past the end */
    snprintf(msg, sizeof msg,
             "p.elf: offset 56: expected segment 0's 65536 bytes within the file, found them at %u past its end %zu",
             off0, len);
    expect_error(b, len, 0x8000, "flash", msg);
    /* A flash too small for the program. */
    snprintf(msg, sizeof msg, "p.elf: offset %u: expected an address below 0x80 (the memory's size), found 0x0080",
             off0 + 0x80);
    expect_error(orig, len, 0x80, "flash", msg);
    /* Segment 1 (.data) moved onto the vector table: two values for one byte. */
    memcpy(b, orig, len);
    put32(b + 84 + 12, 0);
    snprintf(msg, sizeof msg, "p.elf: offset %u: expected 0x%02X at 0x0000 (an earlier record set it), found 0x%02X",
             off1, orig[off0], orig[off1]);
    expect_error(b, len, 0x8000, "flash", msg);
    expect_error(orig, len, 16, "calibration",
                 "p.elf: expected a memory that ELF files carry (flash, eeprom, fuses, lock, signature), found calibration");
    free(b);
    free(orig);
}

static void detected_by_magic(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = slurp("tests/data/firmware/prog.elf", &len);
    assert_int_equal(ft_format_detect(buf, len), FT_FMT_ELF);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(flash_matches_objcopy),
        cmocka_unit_test(other_memories),
        cmocka_unit_test(errors),
        cmocka_unit_test(detected_by_magic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
