/* ft_part_clock_hz: the slowest clock a part's fuses prove. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ftisp/partdb.h"

static int load_db(void **state)
{
    const char *path = getenv("FTISP_PARTS");
    ft_partdb *db = malloc(sizeof *db);
    ft_err err = {0};
    ft_partdb_init(db);
    if (ft_partdb_load(db, path && *path ? path : "data/parts.conf", &err) != FT_OK) {
        fprintf(stderr, "%s\n", err.msg);
        free(db);
        return -1;
    }
    *state = db;
    return 0;
}

static int free_db(void **state)
{
    ft_partdb_free(*state);
    free(*state);
    return 0;
}

static uint32_t clk(void **state, const char *part, uint8_t l, uint8_t h, uint8_t e,
                    uint32_t xtal, char *why)
{
    const ft_part *p = ft_partdb_find(*state, part);
    assert_non_null(p);
    uint8_t f[FT_MAX_FUSES] = {l, h, e};
    return ft_part_clock_hz(p, f, xtal, why, 128);
}

static void m328p(void **state)
{
    char why[128];
    /* Factory: internal RC 8 MHz divided by 8. */
    assert_int_equal(clk(state, "m328p", 0x62, 0xd9, 0xff, 0, why), 1000000);
    assert_non_null(strstr(why, "CKDIV8"));
    /* Arduino Uno: low-power crystal 8-16 MHz, no division. */
    assert_int_equal(clk(state, "m328p", 0xff, 0xde, 0xfd, 0, why), 8000000);
    assert_non_null(strstr(why, "crystal"));
    assert_int_equal(clk(state, "m328p", 0xff, 0xde, 0xfd, 16000000, why), 16000000);
    /* Internal RC without division. */
    assert_int_equal(clk(state, "m328p", 0xe2, 0xd9, 0xff, 0, why), 8000000);
    /* 128 kHz oscillator, with and without CKDIV8. */
    assert_int_equal(clk(state, "m328p", 0xe3, 0xd9, 0xff, 0, why), 128000);
    assert_int_equal(clk(state, "m328p", 0x63, 0xd9, 0xff, 0, why), 16000);
    /* Full-swing crystal proves only 0.4 MHz. */
    assert_int_equal(clk(state, "m328p", 0xf7, 0xd9, 0xff, 0, why), 400000);
    /* External clock: nothing is proven unless the user says. */
    assert_int_equal(clk(state, "m328p", 0xe0, 0xd9, 0xff, 0, why), 0);
    assert_non_null(strstr(why, "unknown"));
    assert_int_equal(clk(state, "m328p", 0xe0, 0xd9, 0xff, 12000000, why), 12000000);
    /* Reserved CKSEL 0001. */
    assert_int_equal(clk(state, "m328p", 0xe1, 0xd9, 0xff, 0, why), 0);
}

static void other_families(void **state)
{
    char why[128];
    assert_int_equal(clk(state, "m2560", 0x62, 0x99, 0xff, 0, why), 1000000);
    assert_int_equal(clk(state, "m2560", 0xff, 0xd8, 0xfd, 0, why), 8000000);
    assert_int_equal(clk(state, "m1284p", 0x42, 0x99, 0xff, 0, why), 1000000);
    assert_int_equal(clk(state, "m644p", 0xd6, 0x99, 0xff, 0, why), 400000);
    /* ATtiny85: factory 1 MHz, PLL 16 MHz, 128 kHz. */
    assert_int_equal(clk(state, "t85", 0x62, 0xdf, 0xff, 0, why), 1000000);
    assert_int_equal(clk(state, "t85", 0xf1, 0xdf, 0xff, 0, why), 16000000);
    assert_int_equal(clk(state, "t85", 0xe4, 0xdf, 0xff, 0, why), 128000);
    /* ATtiny13A: factory 9.6 MHz / 8, 4.8 MHz without division. */
    assert_int_equal(clk(state, "t13a", 0x6a, 0xff, 0xff, 0, why), 1200000);
    assert_int_equal(clk(state, "t13a", 0x79, 0xff, 0xff, 0, why), 4800000);
    assert_int_equal(clk(state, "t13", 0x7b, 0xff, 0xff, 0, why), 128000);
    /* ATmega8: factory RC 1 MHz; crystal range depends on CKOPT. */
    assert_int_equal(clk(state, "m8", 0xe1, 0xd9, 0xff, 0, why), 1000000);
    assert_int_equal(clk(state, "m8", 0xe4, 0xd9, 0xff, 0, why), 8000000);
    assert_int_equal(clk(state, "m8", 0xff, 0xc9, 0xff, 0, why), 1000000);   /* CKOPT programmed */
    assert_int_equal(clk(state, "m8", 0xff, 0xd9, 0xff, 0, why), 3000000);   /* CKOPT unprogrammed */
    assert_int_equal(clk(state, "m8", 0xff, 0xc9, 0xff, 16000000, why), 16000000);
    assert_int_equal(clk(state, "m16", 0xe1, 0x99, 0xff, 0, why), 1000000);
}

static uint32_t low(void **state, const char *part, uint8_t l, uint8_t h, uint8_t e, uint32_t xtal,
                    char *why)
{
    const ft_part *p = ft_partdb_find(*state, part);
    assert_non_null(p);
    uint8_t f[FT_MAX_FUSES] = {l, h, e};
    return ft_part_clock_min_hz(p, f, xtal, why, 200);
}

/* The worst case the SCK is chosen from. */
static void worst_case(void **state)
{
    char why[200];
    /* Factory RC at the calibration's -10 %. */
    assert_int_equal(low(state, "m328p", 0x62, 0xd9, 0xff, 0, why), 900000);
    assert_non_null(strstr(why, "-10 %"));
    assert_int_equal(low(state, "m328p", 0xe2, 0xd9, 0xff, 0, why), 7200000);
    /* The 128 kHz oscillator at half nominal, with and without CKDIV8. */
    assert_int_equal(low(state, "m328p", 0xe3, 0xd9, 0xff, 0, why), 64000);
    assert_non_null(strstr(why, "half"));
    assert_int_equal(low(state, "m328p", 0x63, 0xd9, 0xff, 0, why), 8000);
    /* Crystals: the bottom of the range, or what the user says. */
    assert_int_equal(low(state, "m328p", 0xff, 0xde, 0xfd, 0, why), 8000000);
    assert_int_equal(low(state, "m328p", 0xff, 0xde, 0xfd, 12000000, why), 12000000);
    assert_int_equal(low(state, "m328p", 0xf7, 0xd9, 0xff, 0, why), 400000);
    /* External clock: unknown unless given. */
    assert_int_equal(low(state, "m328p", 0xe0, 0xd9, 0xff, 0, why), 0);
    /* The ATtiny85's PLL is fed by the RC: -10 % too. */
    assert_int_equal(low(state, "t85", 0xf1, 0xdf, 0xff, 0, why), 14400000);
    /* A 32.768 kHz low-frequency source is a watch crystal: as it says. */
    assert_int_equal(low(state, "m8", 0xe9, 0xd9, 0xff, 0, why), 32768);
}

static void unknown_family(void **state)
{
    const ft_partdb *db = *state;
    /* Some part has no clock table: the answer is 0 with a reason. */
    for (int i = 0; i < db->nparts; i++) {
        if (db->parts[i].nclocks == 0) {
            char why[128];
            uint8_t f[FT_MAX_FUSES] = {0x62, 0xd9, 0xff};
            assert_int_equal(ft_part_clock_hz(&db->parts[i], f, 16000000, why, sizeof why), 0);
            assert_non_null(strstr(why, "no clock table"));
            return;
        }
    }
    fail_msg("every part has a clock table");
}

static void tiny_why_buffer(void **state)
{
    const ft_part *p = ft_partdb_find(*state, "m328p");
    uint8_t f[FT_MAX_FUSES] = {0x62, 0xd9, 0xff};
    char why[4];
    assert_int_equal(ft_part_clock_hz(p, f, 0, why, sizeof why), 1000000);
    assert_int_equal(strlen(why), 3);
    assert_int_equal(ft_part_clock_hz(p, f, 0, NULL, 0), 1000000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(m328p),
        cmocka_unit_test(other_families),
        cmocka_unit_test(worst_case),
        cmocka_unit_test(unknown_family),
        cmocka_unit_test(tiny_why_buffer),
    };
    return cmocka_run_group_tests(tests, load_db, free_db);
}
