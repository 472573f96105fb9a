/* ft_part_check: every shipped part passes; each kind of bad -C definition
 * (parts.conf and avrdude.conf formats) is refused with its file:line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ftisp/partdb.h"

static const char *parts_path(void)
{
    const char *p = getenv("FTISP_PARTS");
    return p && *p ? p : "data/parts.conf";
}

static void shipped_parts_pass(void **state)
{
    (void)state;
    ft_partdb db;
    ft_err err = {0};
    ft_partdb_init(&db);
    assert_int_equal(ft_partdb_load(&db, parts_path(), &err), FT_OK);
    assert_true(db.nparts > 100);
    for (int i = 0; i < db.nparts; i++) {
        ft_err_clear(&err);
        if (ft_part_check(&db.parts[i], &err) != FT_OK)
            fail_msg("%s", err.msg);
    }
    ft_partdb_free(&db);
}

/* A parts.conf text for a part whose memories take `flash`/`eeprom` lines. */
static int check_conf(const char *sig, const char *flash, const char *eeprom, const char *extra,
                      ft_err *err)
{
    char text[1024];
    snprintf(text, sizeof text,
             "part xx\n"
             "    name Test\n"
             "    signature %s\n"
             "%s"
             "    memory flash\n%s    end\n"
             "    memory eeprom\n%s    end\n"
             "end\n",
             sig, extra, flash, eeprom);
    ft_partdb db;
    ft_partdb_init(&db);
    int rc = ft_partdb_parse(&db, "my.conf", text, strlen(text), err);
    if (rc == FT_OK)
        rc = ft_part_check(&db.parts[0], err);
    ft_partdb_free(&db);
    return rc;
}

#define FL "        size 32768\n        page 128\n"
#define EE "        size 1024\n        page 4\n        paged yes\n"

static void conf_errors(void **state)
{
    (void)state;
    ft_err err = {0};
    assert_int_equal(check_conf("0x1e 0x95 0x0f", FL, EE, "", &err), FT_OK);

    ft_err_clear(&err);
    assert_int_equal(check_conf("0x1e 0x95 0x0f", FL, "        size 1024\n        page 3\n        paged yes\n",
                                "", &err), FT_E_INPUT);
    assert_non_null(strstr(err.msg, "my.conf:8: part xx: eeprom page size 3: expected a power of two"));

    ft_err_clear(&err);
    assert_int_equal(check_conf("0x1e 0x95 0x0f", "        size 1000\n        page 128\n", EE, "", &err),
                     FT_E_INPUT);
    assert_non_null(strstr(err.msg, "my.conf:4: part xx: flash page size 128 does not divide the size 1000"));

    ft_err_clear(&err);
    assert_int_equal(check_conf("0x1e 0x95 0x0f", FL, "        size 1024\n        page 0\n        paged yes\n",
                                "", &err), FT_E_INPUT);
    assert_non_null(strstr(err.msg, "my.conf:8: part xx: eeprom is paged but its page size is 0"));

    ft_err_clear(&err);
    assert_int_equal(check_conf("0x1e 0x95 0x0f", FL, "        size 131072\n", "", &err), FT_E_INPUT);
    assert_non_null(strstr(err.msg, "my.conf:8: part xx: eeprom size 131072: expected at most 65536"));

    ft_err_clear(&err);
    assert_int_equal(check_conf("0x1e 0x95 0x0f", "        size 32768\n        page 128\n        delay 4500000\n",
                                EE, "", &err), FT_E_INPUT);
    assert_non_null(strstr(err.msg, "my.conf:4: part xx: flash write delay 4500000 us"));

    ft_err_clear(&err);
    assert_int_equal(check_conf("0x1e 0x95 0x0f", FL, EE, "    chip_erase_delay 9000000\n", &err), FT_E_INPUT);
    assert_non_null(strstr(err.msg, "my.conf:1: part xx: chip erase delay 9000000 us"));

    ft_err_clear(&err);
    assert_int_equal(check_conf("0x00 0x00 0x00", FL, EE, "", &err), FT_E_INPUT);
    assert_non_null(strstr(err.msg, "my.conf:"));   /* the parser may catch it first */
    ft_err_clear(&err);
    assert_int_equal(check_conf("0xff 0xff 0xff", FL, EE, "", &err), FT_E_INPUT);
    assert_non_null(strstr(err.msg, "signature ff ff ff"));
}

static void avrdude_errors(void **state)
{
    (void)state;
    static const char text[] =
        "part\n"
        "    id = \"zz\";\n"
        "    desc = \"ATzz\";\n"
        "    signature = 0x1e 0x95 0x0f;\n"
        "    memory \"flash\"\n"
        "        size = 32768;\n"
        "        page_size = 128;\n"
        "    ;\n"
        "    memory \"eeprom\"\n"
        "        size = 1024;\n"
        "        page_size = 3;\n"
        "    ;\n"
        ";\n";
    ft_partdb db;
    ft_err err = {0};
    ft_partdb_init(&db);
    assert_int_equal(ft_partdb_parse_avrdude(&db, "avr.conf", text, strlen(text), &err), FT_OK);
    const ft_part *p = ft_partdb_find(&db, "zz");
    assert_non_null(p);
    assert_int_equal(ft_part_check(p, &err), FT_E_INPUT);
    assert_non_null(strstr(err.msg, "avr.conf:9: part zz: eeprom page size 3"));
    ft_partdb_free(&db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(shipped_parts_pass),
        cmocka_unit_test(conf_errors),
        cmocka_unit_test(avrdude_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
