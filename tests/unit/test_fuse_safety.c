/* Fuse safety judged by what a value selects: each clock rule, and sweeps
 * over every low-fuse value against the datasheet's CKSEL table (written out
 * here, independently of the database's clock table). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ftisp/fuse_words.h"
#include "ftisp/plan.h"

#include "parts_fixture.h"

/* Checks writing `value` to fuse `mem` of `part` whose fuses are now[]. */
static int judge(const char *part, const uint8_t now[FT_MAX_FUSES], const char *mem, uint8_t value,
                 uint32_t crystal_hz, unsigned allow, ft_err *err)
{
    const ft_part *p = ft_partdb_find(&db, part);
    assert_non_null(p);
    const ft_fuse *f = ft_part_fuse(p, mem);
    assert_non_null(f);
    ft_fuse_ctx c = {.now = now, .crystal_hz = crystal_hz, .allow = allow};
    memset(err, 0, sizeof *err);
    return ft_fuse_check(p, f, value, &c, err);
}

static const uint8_t UNO[FT_MAX_FUSES] = {0xff, 0xde, 0xfd};
static const uint8_t FACTORY_328P[FT_MAX_FUSES] = {0x62, 0xd9, 0xff};

static void internal_rc_always_allowed(void **state)
{
    (void)state;
    ft_err err;
    /* The most common fuse write there is: an Arduino to the internal 8 MHz RC. */
    assert_int_equal(judge("m328p", UNO, "lfuse", 0xe2, 0, 0, &err), FT_OK);
    assert_int_equal(judge("m328p", UNO, "lfuse", 0x62, 0, 0, &err), FT_OK);
    assert_int_equal(judge("m328p", UNO, "lfuse", 0xe3, 0, 0, &err), FT_OK); /* 128 kHz */
    assert_int_equal(judge("m328p", UNO, "lfuse", 0xd2, 0, 0, &err), FT_OK); /* other SUT */
    /* ATtiny85: the PLL and the 6.4 MHz compatibility mode run from the RC. */
    const uint8_t t85[FT_MAX_FUSES] = {0x62, 0xdf, 0xff};
    assert_int_equal(judge("t85", t85, "lfuse", 0xf1, 0, 0, &err), FT_OK);
    assert_int_equal(judge("t85", t85, "lfuse", 0xe3, 0, 0, &err), FT_OK);
    assert_int_equal(judge("t85", t85, "lfuse", 0xe4, 0, 0, &err), FT_OK);
}

static void speed_and_startup_bits_allowed(void **state)
{
    (void)state;
    ft_err err;
    assert_int_equal(judge("m328p", UNO, "lfuse", 0x7f, 0, 0, &err), FT_OK); /* CKDIV8 */
    assert_int_equal(judge("m328p", UNO, "lfuse", 0xbf, 0, 0, &err), FT_OK); /* CKOUT */
    assert_int_equal(judge("m328p", UNO, "lfuse", 0xcf, 0, 0, &err), FT_OK); /* SUT */
    assert_int_equal(judge("m328p", UNO, "lfuse", 0xfe, 0, 0, &err), FT_OK); /* CKSEL0: start-up */
}

static void external_clock_from_crystal_refused(void **state)
{
    (void)state;
    ft_err err;
    assert_int_equal(judge("m328p", UNO, "lfuse", 0xe0, 0, 0, &err), FT_E_UNSAFE);
    /* Old and new named by what they mean. */
    assert_non_null(strstr(err.msg, "lfuse 0xe0"));
    assert_non_null(strstr(err.msg, "external clock signal on XTAL1"));
    assert_non_null(strstr(err.msg, "now runs from an external crystal or resonator of 8 to 16 MHz"));
    assert_non_null(strstr(err.msg, "--allow=clock"));
    assert_int_equal(judge("m328p", UNO, "lfuse", 0xe0, 0, FT_ALLOW_CLOCK, &err), FT_OK);
}

static void board_source_from_internal_refused(void **state)
{
    (void)state;
    ft_err err;
    assert_int_equal(judge("m328p", FACTORY_328P, "lfuse", 0xff, 0, 0, &err), FT_E_UNSAFE);
    assert_non_null(strstr(err.msg, "now runs from the internal RC oscillator of 8 MHz"));
    assert_non_null(strstr(err.msg, "selects an external crystal or resonator of 8 to 16 MHz"));
    assert_int_equal(judge("m328p", FACTORY_328P, "lfuse", 0xe4, 0, 0, &err), FT_E_UNSAFE);
    assert_non_null(strstr(err.msg, "32.768 kHz watch crystal"));
    assert_int_equal(judge("m328p", FACTORY_328P, "lfuse", 0xe0, 0, 0, &err), FT_E_UNSAFE);
    /* A watch crystal from a fast crystal is a different board. */
    assert_int_equal(judge("m328p", UNO, "lfuse", 0xe5, 0, 0, &err), FT_E_UNSAFE);
}

static void same_kind_allowed(void **state)
{
    (void)state;
    ft_err err;
    const uint8_t ext[FT_MAX_FUSES] = {0xe0, 0xd9, 0xff};
    assert_int_equal(judge("m328p", ext, "lfuse", 0xd0, 0, 0, &err), FT_OK); /* SUT of ext clock */
    const uint8_t watch[FT_MAX_FUSES] = {0xe4, 0xd9, 0xff};
    assert_int_equal(judge("m328p", watch, "lfuse", 0xe5, 0, 0, &err), FT_OK);
}

static void crystal_range_must_cover(void **state)
{
    (void)state;
    ft_err err;
    /* 8-16 MHz low power -> full swing 0.4-20 MHz covers it. */
    assert_int_equal(judge("m328p", UNO, "lfuse", 0xf7, 0, 0, &err), FT_OK);
    /* 8-16 MHz -> 3-8 MHz: the fuses prove no more than 8-16: refused... */
    assert_int_equal(judge("m328p", UNO, "lfuse", 0xfd, 0, 0, &err), FT_E_UNSAFE);
    assert_non_null(strstr(err.msg, "of 3 to 8 MHz"));
    assert_non_null(strstr(err.msg, "of 8 to 16 MHz"));
    assert_non_null(strstr(err.msg, "--fck"));
    /* ...unless the user says the crystal is 8 MHz, which 3-8 covers; 16 MHz is not. */
    assert_int_equal(judge("m328p", UNO, "lfuse", 0xfd, 8000000, 0, &err), FT_OK);
    assert_int_equal(judge("m328p", UNO, "lfuse", 0xfd, 16000000, 0, &err), FT_E_UNSAFE);
    /* Full swing 0.4-20 -> low power 8-16: not proven. */
    const uint8_t fs[FT_MAX_FUSES] = {0xf7, 0xd9, 0xff};
    assert_int_equal(judge("m328p", fs, "lfuse", 0xff, 0, 0, &err), FT_E_UNSAFE);
    assert_int_equal(judge("m328p", fs, "lfuse", 0xff, 16000000, 0, &err), FT_OK);
}

static void second_byte_selects_range(void **state)
{
    (void)state;
    ft_err err;
    /* ATmega8: CKOPT (high fuse bit 4) widens the crystal range to 1-16 MHz;
     * unprogramming it leaves 3-8 MHz, which does not cover 1-16. */
    const uint8_t m8[FT_MAX_FUSES] = {0xff, 0xc9, 0xff};
    assert_int_equal(judge("m8", m8, "hfuse", 0xd9, 0, 0, &err), FT_E_UNSAFE);
    assert_non_null(strstr(err.msg, "hfuse 0xd9"));
    /* Other high-fuse bits are no clock matter. */
    assert_int_equal(judge("m8", m8, "hfuse", 0xc1, 0, 0, &err), FT_OK); /* EESAVE */
    /* Internal RC of the ATmega8 (1 MHz) is always fine. */
    assert_int_equal(judge("m8", m8, "lfuse", 0xe1, 0, 0, &err), FT_OK);
    /* Two bytes in one run: the combined result is judged. */
    const ft_part *p = ft_partdb_find(&db, "m8");
    const uint8_t rc1[FT_MAX_FUSES] = {0xe1, 0xd9, 0xff};
    uint8_t after[FT_MAX_FUSES] = {0xff, 0xc9, 0xff};
    ft_fuse_ctx c = {.now = rc1, .after = after};
    assert_int_equal(ft_fuse_check(p, ft_part_fuse(p, "lfuse"), 0xff, &c, &err), FT_E_UNSAFE);
    assert_non_null(strstr(err.msg, "1 to 16 MHz"));
}

static void unknown_source_refused(void **state)
{
    (void)state;
    /* A part with CKSEL bits but neither clock table nor value names: any
     * change of them is refused, as ftisp cannot tell what it selects. */
    static const char conf[] = "part zz\n signature 0x1e 0x01 0x02\n memory flash\n  size 1024\n end\n"
                               " fuse lfuse\n  field CKSEL 0x0f\n end\nend\n";
    ft_partdb d;
    ft_err err = {0};
    ft_partdb_init(&d);
    assert_int_equal(ft_partdb_parse(&d, "zz.conf", conf, strlen(conf), &err), FT_OK);
    const ft_part *p = &d.parts[0];
    const uint8_t now[FT_MAX_FUSES] = {0xf2, 0xff, 0xff};
    ft_fuse_ctx c = {.now = now};
    assert_int_equal(ft_fuse_check(p, ft_part_fuse(p, "lfuse"), 0xf3, &c, &err), FT_E_UNSAFE);
    assert_non_null(strstr(err.msg, "cannot identify"));
    memset(&err, 0, sizeof err);
    assert_int_equal(ft_fuse_check(p, ft_part_fuse(p, "lfuse"), 0x72, &c, &err), FT_OK);
    ft_partdb_free(&d);
}

/* ATmega328P datasheet, "Device Clocking Options Select": CKSEL3..0. */
enum ds_kind { DS_EXT, DS_RC, DS_WATCH, DS_CRYSTAL };
static enum ds_kind ds_328p(uint8_t lfuse, uint32_t *lo, uint32_t *hi)
{
    unsigned ck = lfuse & 0x0f;
    *lo = *hi = 0;
    if (ck == 0)
        return DS_EXT;
    if (ck == 2 || ck == 3)
        return DS_RC;
    if (ck == 4 || ck == 5)
        return DS_WATCH;
    if (ck == 6 || ck == 7) {
        *lo = 400000, *hi = 20000000;
        return DS_CRYSTAL;
    }
    static const uint32_t lows[] = {400000, 900000, 3000000, 8000000};
    static const uint32_t highs[] = {900000, 3000000, 8000000, 16000000};
    *lo = lows[(ck - 8) / 2];
    *hi = highs[(ck - 8) / 2];
    return DS_CRYSTAL;
}

/* Every low-fuse value from every kind of present source: the verdict is
 * what the datasheet's table says it should be. */
static void sweep_m328p_lfuse(void **state)
{
    (void)state;
    const uint8_t from[] = {0x62, 0xe2, 0xe3, 0xff, 0xf7, 0xe0, 0xe4, 0xfd, 0xc8};
    int refused = 0, allowed = 0;
    for (size_t k = 0; k < sizeof from; k++) {
        uint8_t now[FT_MAX_FUSES] = {from[k], 0xd9, 0xff};
        uint32_t nlo, nhi;
        enum ds_kind was = ds_328p(from[k], &nlo, &nhi);
        for (int v = 0; v < 256; v++) {
            if ((v & 0x0f) == 1)
                continue; /* reserved CKSEL value */
            uint32_t lo, hi;
            enum ds_kind will = ds_328p((uint8_t)v, &lo, &hi);
            bool ok = will == DS_RC || (will == was && (will != DS_CRYSTAL || (lo <= nlo && nhi <= hi)));
            if ((v & 0x0f) == (from[k] & 0x0f))
                ok = true; /* only SUT, CKOUT or CKDIV8 differ */
            ft_err err;
            int rc = judge("m328p", now, "lfuse", (uint8_t)v, 0, 0, &err);
            if (rc != (ok ? FT_OK : FT_E_UNSAFE)) {
                fprintf(stderr, "from 0x%02x to 0x%02x: %s\n", from[k], v, err.msg);
                fail();
            }
            ok ? allowed++ : refused++;
            /* --allow=clock lifts every clock refusal. */
            assert_int_equal(judge("m328p", now, "lfuse", (uint8_t)v, 0, FT_ALLOW_CLOCK, &err), FT_OK);
        }
    }
    assert_true(refused > 0 && allowed > 0);
}

/* Every fuse value of every part with a clock table: a value whose source
 * is internal is never refused for its clock, whatever the chip ran from. */
static void sweep_internal_never_refused(void **state)
{
    (void)state;
    int judged = 0;
    for (int i = 0; i < db.nparts; i++) {
        const ft_part *p = &db.parts[i];
        if (p->nclocks == 0)
            continue;
        const ft_fuse *f = NULL;
        for (int k = 0; k < p->nfuses; k++)
            if (p->fuses[k].index == p->clocks[0].fuse)
                f = &p->fuses[k];
        if (!f)
            continue;
        uint8_t now[FT_MAX_FUSES] = {0xff, 0xff, 0xff};
        for (int k = 0; k < p->nfuses; k++)
            now[p->fuses[k].index] = p->fuses[k].factory;
        for (int cur = 0; cur < 256; cur += 0x11) {
            now[f->index] = (uint8_t)cur;
            for (int v = 0; v < 256; v++) {
                uint8_t after[FT_MAX_FUSES];
                memcpy(after, now, sizeof after);
                after[f->index] = (uint8_t)v;
                ft_source s;
                ft_fuse_source(p, after, &s);
                if (!ft_source_internal(s.kind))
                    continue;
                /* Keep the other rules out of it: SPIEN/RSTDISBL/DWEN bits as they are safe. */
                ft_fuse_ctx c = {.now = now, .allow = FT_ALLOW_RSTDISBL | FT_ALLOW_DWEN};
                ft_err err = {0};
                uint8_t safe = (uint8_t)v;
                const ft_field *sp = ft_fuse_field(f, "SPIEN");
                if (sp)
                    safe &= (uint8_t)~sp->mask;
                if (ft_fuse_check(p, f, safe, &c, &err) != FT_OK) {
                    fprintf(stderr, "%s %s 0x%02x from 0x%02x: %s\n", p->id, f->name, safe, cur, err.msg);
                    fail();
                }
                judged++;
            }
        }
    }
    assert_true(judged > 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(internal_rc_always_allowed),
        cmocka_unit_test(speed_and_startup_bits_allowed),
        cmocka_unit_test(external_clock_from_crystal_refused),
        cmocka_unit_test(board_source_from_internal_refused),
        cmocka_unit_test(same_kind_allowed),
        cmocka_unit_test(crystal_range_must_cover),
        cmocka_unit_test(second_byte_selects_range),
        cmocka_unit_test(unknown_source_refused),
        cmocka_unit_test(sweep_m328p_lfuse),
        cmocka_unit_test(sweep_internal_never_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
