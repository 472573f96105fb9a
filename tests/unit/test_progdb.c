/* Programmer entries in avrdude.conf syntax and the built-in boards. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
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
    /* pins an MPSSE cannot use: read, kept, judged only when selected */
    static const char *const bad[][2] = {
        {"sck = 3;", "sck = 3: the MPSSE engine has sck on pin 0"},
        {"usbdev = \"C\";", "usbdev \"C\""},
        {"reset = ~5;", "inverted RESET"},
        {"buff = 16;", "buff pin 16"},
        {"reset = 5; rdyled = 5;", "RESET pin 5 also used"},
        {"reset = 1;", "AD0-AD2 carry"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[200];
        snprintf(text, sizeof text, "programmer id = \"x\"; type = \"avrftdi\"; %s ;", bad[i][0]);
        assert_int_equal(parse(&pdb, text, &err), FT_OK);
        const ft_programmer *x = ft_progdb_find(&pdb, "x");
        assert_true(x->problem[0] != '\0');
        assert_non_null(strstr(x->problem, bad[i][1]));
        assert_non_null(strstr(x->problem, "t.conf:1"));
    }
    /* other types keep their pins as written, whatever the numbers */
    assert_int_equal(parse(&pdb, "programmer id = \"gp\"; type = \"linuxgpio\"; reset = ~25; sck = 11;\n"
                           " vcc = 2, 3, 4, 5; buff = ~(8, 9); ;\n"
                           "programmer parent \"gp\" id = \"gp2\"; buff = ; ;", &err), FT_OK);
    const ft_programmer *g = ft_progdb_find(&pdb, "gp");
    assert_string_equal(g->problem, "");
    assert_int_equal(g->pins[FT_PIN_RESET].n, 1);
    assert_int_equal(g->pins[FT_PIN_RESET].pin[0], 25);
    assert_true(g->pins[FT_PIN_RESET].low[0]);
    assert_int_equal(g->pins[FT_PIN_VCC].n, 4);
    assert_int_equal(g->pins[FT_PIN_VCC].pin[3], 5);
    assert_int_equal(g->pins[FT_PIN_BUFF].n, 2);
    assert_true(g->pins[FT_PIN_BUFF].low[1]);
    assert_int_equal(ft_progdb_find(&pdb, "gp2")->pins[FT_PIN_BUFF].n, 0);
    assert_int_equal(ft_progdb_find(&pdb, "gp2")->pins[FT_PIN_SCK].pin[0], 11);
    /* without a programmer list the entries are read over */
    ft_partdb db;
    ft_partdb_init(&db);
    const char *t = "programmer id = \"y\"; reset = 4; ;";
    assert_int_equal(ft_partdb_parse_avrdude(&db, "t", t, strlen(t), &err), FT_OK);
    ft_partdb_free(&db);
    ft_progdb_free(&pdb);
}

/* avrdude's ftdi_syncbb boards are built in, with their pins, and driven by
 * the bit-bang bridge: the pins as written and as resolved agree */
static void syncbb_builtins(void **state)
{
    (void)state;
    ft_progdb pdb;
    ft_err err = {0};
    assert_int_equal(ft_progdb_init(&pdb, &err), FT_OK);
    static const struct { const char *id; int reset, sck, sdo, sdi; } want[] = {
        {"arduino-ft232r", 7, 5, 6, 3}, {"diecimila", 7, 5, 6, 3}, {"ft232r", 4, 0, 2, 1}, {"ft245r", 4, 0, 2, 1},
        {"bwmega", 7, 6, 3, 5}, {"tc2030", 3, 2, 0, 1}, {"uncompatino", 7, 5, 6, 3}, {"ttl232r", 0, 1, 3, 2},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const ft_programmer *p = ft_progdb_find(&pdb, want[i].id);
        assert_non_null(p);
        assert_string_equal(p->type, "ftdi_syncbb");
        assert_string_equal(p->problem, "");
        assert_int_equal(p->reset_pin, want[i].reset);
        assert_int_equal(p->sck_pin, want[i].sck);
        assert_int_equal(p->sdo_pin, want[i].sdo);
        assert_int_equal(p->sdi_pin, want[i].sdi);
        assert_int_equal(p->vid, 0x0403);
        assert_int_equal(p->pid, 0x6001);
        assert_int_equal(p->pins[FT_PIN_RESET].pin[0], want[i].reset);
        assert_int_equal(p->pins[FT_PIN_SCK].pin[0], want[i].sck);
        assert_int_equal(p->pins[FT_PIN_SDO].pin[0], want[i].sdo);
        assert_int_equal(p->pins[FT_PIN_SDI].pin[0], want[i].sdi);
    }
    ft_progdb_free(&pdb);
}

/* Real avrdude.conf files (tests/data/avrdude-conf) read whole: every
 * avrftdi entry drivable as before, the others kept by name and type. */
static void real_files(void **state)
{
    (void)state;
    static const char *const files[] = {
        "tests/data/avrdude-conf/avrdude-8.2.conf",
        "tests/data/avrdude-conf/avrdude-7.1-debian.conf",
        "tests/data/avrdude-conf/avrdude-6-attinycore.conf",
    };
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        ft_partdb db;
        ft_progdb pdb;
        ft_err err = {0};
        ft_partdb_init(&db);
        assert_int_equal(ft_progdb_init(&pdb, &err), FT_OK);
        int rc = ft_partdb_load_conf(&db, &pdb, files[f], &err);
        if (rc)
            fprintf(stderr, "%s\n", err.msg);
        assert_int_equal(rc, FT_OK);
        int ftdi = 0;
        for (int i = 0; i < pdb.n; i++)
            if (strcmp(pdb.v[i].type, "avrftdi") == 0) {
                if (pdb.v[i].problem[0])
                    fprintf(stderr, "%s\n", pdb.v[i].problem);
                assert_string_equal(pdb.v[i].problem, "");
                ftdi++;
            }
        assert_true(ftdi >= 8);
        const ft_programmer *u = ft_progdb_find(&pdb, "usbasp");
        assert_non_null(u);
        assert_string_equal(u->type, "usbasp");
        assert_non_null(strstr(u->source, files[f]));
        const ft_programmer *s = ft_progdb_find(&pdb, "arduino-ft232r");
        assert_string_equal(s->type, "ftdi_syncbb");
        assert_int_equal(s->pins[FT_PIN_RESET].pin[0], 7);
        assert_int_equal(ft_progdb_find(&pdb, "ft232h")->reset_pin, 3);
        assert_true(db.nparts >= 20);
        if (f < 2)                                   /* ATTinyCore's holds ATtinys only */
            assert_non_null(ft_partdb_find(&db, "m328p"));
        ft_partdb_free(&db);
        ft_progdb_free(&pdb);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(builtins),
        cmocka_unit_test(entries),
        cmocka_unit_test(syncbb_builtins),
        cmocka_unit_test(real_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
