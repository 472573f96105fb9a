/* Mistakes in -U operations found before the chip: standard input read
 * twice, an output path that cannot be written, a second value for a
 * one-byte memory, an ELF file with no EEPROM data written to the EEPROM. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ftisp/plan_check.h"

static ft_opspec spec(const char *mem, ft_opkind k, const char *file, ft_format fmt)
{
    ft_opspec s;
    memset(&s, 0, sizeof s);
    snprintf(s.memory, sizeof s.memory, "%s", mem);
    s.kind = k;
    s.file = file;
    s.fmt = fmt;
    return s;
}

static void stdin_once(void **state)
{
    (void)state;
    ft_err err = {0};
    ft_opspec one[] = {spec("flash", FT_OP_WRITE, "-", FT_FMT_IHEX), spec("eeprom", FT_OP_READ, "-", FT_FMT_IHEX)};
    assert_int_equal(ft_plan_check_stdin(one, 2, &err), FT_OK);
    ft_opspec two[] = {spec("flash", FT_OP_WRITE, "-", FT_FMT_IHEX), spec("eeprom", FT_OP_VERIFY, "-", FT_FMT_IHEX)};
    assert_int_equal(ft_plan_check_stdin(two, 2, &err), FT_E_USAGE);
    assert_non_null(strstr(err.msg, "-U flash:w:- and -U eeprom:v:- both read standard input"));
}

static void output_paths(void **state)
{
    (void)state;
    ft_err err = {0};
    char dir[] = "/tmp/ftisp-pc-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char file[64];
    snprintf(file, sizeof file, "%s/out.hex", dir);
    ft_opspec s = spec("flash", FT_OP_READ, file, FT_FMT_IHEX);
    assert_int_equal(ft_plan_check_output(&s, &err), FT_OK);
    s.file = "-";
    assert_int_equal(ft_plan_check_output(&s, &err), FT_OK);
    s.file = "relative-name.hex";           /* the current directory */
    assert_int_equal(ft_plan_check_output(&s, &err), FT_OK);
    s.file = dir;
    assert_int_equal(ft_plan_check_output(&s, &err), FT_E_USAGE);
    assert_non_null(strstr(err.msg, "that is a directory"));
    ft_err_clear(&err);
    snprintf(file, sizeof file, "%s/missing/out.hex", dir);
    s.file = file;
    assert_int_equal(ft_plan_check_output(&s, &err), FT_E_USAGE);
    assert_non_null(strstr(err.msg, "No such file or directory"));
    assert_non_null(strstr(err.msg, "nothing was read from the chip"));
    rmdir(dir);
}

static void one_byte_memories(void **state)
{
    (void)state;
    ft_err err = {0};
    ft_op op;
    memset(&op, 0, sizeof op);
    op.spec = spec("lfuse", FT_OP_WRITE, "0xff,0xde", FT_FMT_IMM);
    ft_image_init(&op.img, ft_plan_input_limit(1));
    ft_image_put(&op.img, 0, 0xff);
    assert_int_equal(ft_plan_check_input(&op, FT_MEM_FUSE, &err), FT_OK);
    ft_image_put(&op.img, 1, 0xde);
    assert_int_equal(ft_plan_check_input(&op, FT_MEM_FUSE, &err), FT_E_INPUT);
    assert_non_null(strstr(err.msg, "lfuse is one byte; the value list gives 2 bytes"));
    ft_image_free(&op.img);
    assert_int_equal(ft_plan_input_limit(1024), 1024);
}

static void elf_without_eeprom(void **state)
{
    (void)state;
    ft_err err = {0};
    ft_op op;
    memset(&op, 0, sizeof op);
    op.spec = spec("eeprom", FT_OP_WRITE, "main.elf", FT_FMT_ELF);
    ft_image_init(&op.img, 1024);
    assert_int_equal(ft_plan_check_input(&op, FT_MEM_EEPROM, &err), FT_E_INPUT);
    assert_non_null(strstr(err.msg, "has no EEPROM data"));
    ft_err_clear(&err);
    ft_image_put(&op.img, 3, 0x42);
    assert_int_equal(ft_plan_check_input(&op, FT_MEM_EEPROM, &err), FT_OK);
    ft_image_free(&op.img);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(stdin_once),
        cmocka_unit_test(output_paths),
        cmocka_unit_test(one_byte_memories),
        cmocka_unit_test(elf_without_eeprom),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
