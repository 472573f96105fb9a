/* The terminal's command-line splitter and its commands on a dry chip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "ftisp/term.h"
#include "ftisp/wire.h"

static void split(void **state)
{
    (void)state;
    char buf[128], *argv[16];
    int n = ft_term_split("  write ee 0 \"a b\" 'c' 1, # comment", buf, argv, 16);
    assert_int_equal(n, 6);
    assert_string_equal(argv[0], "write");
    assert_string_equal(argv[3], "\"a b\"");
    assert_string_equal(argv[4], "'c'");
    assert_string_equal(argv[5], "1,");
    assert_int_equal(ft_term_split("write \"open", buf, argv, 16), -1);
    assert_int_equal(ft_term_split("   ", buf, argv, 16), 0);
    assert_int_equal(ft_term_split("a \"x\\\"y\" b", buf, argv, 16), 3);
    assert_string_equal(argv[1], "\"x\\\"y\"");
}

static void dry_session(void **state)
{
    (void)state;
    ft_part p;
    memset(&p, 0, sizeof p);
    strcpy(p.id, "t");
    strcpy(p.name, "TestPart");
    p.signature[0] = 0x1e;
    p.flash = (ft_mem){.size = 256, .page_size = 32};
    p.eeprom = (ft_mem){.size = 64, .page_size = 4, .paged = true};
    p.nfuses = 1;
    p.fuses[0] = (ft_fuse){.name = "lfuse", .writable = 0xff, .factory = 0x62, .nfields = 1,
                           .fields = {{"SUT", 0x30}}};
    ft_wire *dry;
    ft_wire_opts wo;
    ft_wire_opts_default(&wo);
    wo.part = &p;
    ft_err err = {0};
    assert_int_equal(ft_wire_open(&dry, "dryrun", &wo, &err), FT_OK);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    FILE *null = fopen("/dev/null", "w");
    ft_out out;
    ft_out_init(&out, null, 0);   /* at -qq `config` would not say what it changed */
    ft_term_target tg = {.part = &p, .w = dry, .out = &out};
    ft_term *t;
    assert_int_equal(ft_term_new(&t, &tg, f, &err), FT_OK);
    assert_int_equal(ft_term_exec(t, "write flash 0x20 0x1234 \"A\"", &err), FT_OK);
    assert_int_equal(ft_term_exec(t, "flush", &err), FT_OK);
    assert_int_equal(ft_term_exec(t, "d flash 0x20 8", &err), FT_OK);
    assert_int_equal(ft_term_exec(t, "config sut=1", &err), FT_OK);
    assert_int_equal(ft_term_exec(t, "config sut", &err), FT_OK);
    assert_int_equal(ft_term_exec(t, "write flash 300 1", &err), FT_E_USAGE);
    assert_int_equal(ft_term_exec(t, "write signature 0 1", &err), FT_E_USAGE);
    ft_term_free(t);
    fclose(f);
    assert_non_null(strstr(text, "0020  34 12 41 00"));
    assert_non_null(strstr(text, "lfuse 0x62 -> 0x52"));
    assert_non_null(strstr(text, "config sut=1   # 1"));
    free(text);
    fclose(null);
    ft_wire_close(dry);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(split),
        cmocka_unit_test(dry_session),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
