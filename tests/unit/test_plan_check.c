/* Mistakes in -U operations found before the chip: standard input read
 * twice, a second value for a one-byte memory. */
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(stdin_once),
        cmocka_unit_test(one_byte_memories),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
