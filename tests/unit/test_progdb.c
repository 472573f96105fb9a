/* Programmer entries in avrdude.conf syntax and the built-in boards. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "ftisp/partdb.h"
#include "ftisp/progdb.h"

static int parse(ft_progdb *pdb, const char *text, ft_err *err)
{
    ft_partdb db;
    ft_partdb_init(&db);
    memset(err, 0, sizeof *err);
    int rc = ft_avrdude_parse(&db, pdb, "t.conf", text, strlen(text), err);
    ft_partdb_free(&db);
    return rc;
}

static void builtins(void **state)
{
    (void)state;
    ft_progdb pdb;
    ft_err err = {0};
    assert_int_equal(ft_progdb_init(&pdb, &err), FT_OK);
    const ft_programmer *t = ft_progdb_find(&pdb, "tigard");
    assert_non_null(t);
    assert_int_equal(t->channel, 1);
    assert_int_equal(t->reset_pin, 5);
    const ft_programmer *k = ft_progdb_find(&pdb, "KTLINK");
    assert_non_null(k);
    assert_int_equal(k->buff_pins, (1u << 5) | (1u << 10) | (1u << 13) | (1u << 14));
    assert_int_equal(k->buff_high, 1u << 5);
    assert_int_equal(k->led_pin[FT_LED_RDY], 15);
    assert_true(k->led_low[FT_LED_RDY]);
    assert_int_equal(ft_progdb_find(&pdb, "4232h")->pid, 0x6011);
    assert_string_equal(ft_progdb_find(&pdb, "avrisp-u")->serial, "AVR");
    ft_progdb_free(&pdb);
}

static void entries(void **state)
{
    (void)state;
    ft_progdb pdb;
    ft_err err;
    ft_progdb_init(&pdb, &err);
    assert_int_equal(parse(&pdb,
                           "default_programmer = \"mybox\";\ndefault_bitclock = 2.5;\n"
                           "programmer parent \"ft232h\"\n id = \"mybox\", \"box2\";\n usbsn = \"FT1ZX9QK\";\n"
                           " reset = 4;\n buff = ~7, 6;\n rdyled = ~ 9;\n pgmled = 10;\n;\n"
                           "programmer parent \"mybox\" id = \"boxb\"; usbdev = \"B\"; usbpid = 0x6010, 0x6011; ;\n",
                           &err),
                     FT_OK);
    assert_string_equal(pdb.default_id, "mybox");
    assert_true(pdb.default_bitclock > 2.4 && pdb.default_bitclock < 2.6);
    const ft_programmer *p = ft_progdb_find(&pdb, "box2");
    assert_non_null(p);
    assert_string_equal(p->serial, "FT1ZX9QK");
    assert_int_equal(p->reset_pin, 4);
    assert_int_equal(p->buff_pins, (1u << 7) | (1u << 6));
    assert_int_equal(p->buff_high, 1u << 6);
    assert_int_equal(p->led_pin[FT_LED_RDY], 9);
    assert_true(p->led_low[FT_LED_RDY]);
    assert_false(p->led_low[FT_LED_PGM]);
    assert_int_equal(p->vid, 0x0403);
    assert_string_equal(p->type, "avrftdi");
    const ft_programmer *b = ft_progdb_find(&pdb, "boxb");
    assert_int_equal(b->channel, 1);
    assert_int_equal(b->pid, 0x6010);
    assert_int_equal(b->reset_pin, 4);

    assert_int_equal(parse(&pdb, "programmer parent \"nosuch\" id = \"x\"; ;", &err), FT_E_INPUT);
    assert_non_null(strstr(err.msg, "t.conf:1"));
    assert_int_equal(parse(&pdb, "programmer id = \"x\"; sck = 3; ;", &err), FT_E_INPUT);
    assert_int_equal(parse(&pdb, "programmer id = \"x\"; usbdev = \"C\"; ;", &err), FT_E_INPUT);
    assert_int_equal(parse(&pdb, "programmer id = \"x\"; reset = ~5; ;", &err), FT_E_INPUT);
    assert_int_equal(parse(&pdb, "programmer id = \"x\"; buff = 16; ;", &err), FT_E_INPUT);
    assert_int_equal(parse(&pdb, "programmer id = \"x\"; reset = 5; rdyled = 5; ;", &err), FT_E_INPUT);
    /* without a programmer list the entries are read over */
    ft_partdb db;
    ft_partdb_init(&db);
    const char *t = "programmer id = \"y\"; reset = 4; ;";
    assert_int_equal(ft_partdb_parse_avrdude(&db, "t", t, strlen(t), &err), FT_OK);
    ft_partdb_free(&db);
    ft_progdb_free(&pdb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(builtins),
        cmocka_unit_test(entries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
