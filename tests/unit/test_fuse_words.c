/* Fuses in words: the ATmega328P's factory and Arduino Uno fuses, an
 * ATtiny85 (no boot lock bits), lock modes, clock sources; and a sweep over
 * every value of every setting of every part. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ftisp/fuse_words.h"

#include "parts_fixture.h"

/* All lines of every byte of `part` as "label: text\n". */
static void words(const char *part, const uint8_t bytes[FT_CONFIG_BYTES], char *out, size_t len)
{
    const ft_part *p = ft_partdb_find(&db, part);
    assert_non_null(p);
    out[0] = '\0';
    for (int k = 0; k <= p->nfuses; k++) {
        const ft_fuse *f = k < p->nfuses ? &p->fuses[k] : &p->lock;
        ft_words_line l[24];
        int n = ft_fuse_words(p, f, bytes, l, 24);
        for (int i = 0; i < n; i++) {
            size_t u = strlen(out);
            snprintf(out + u, len - u, "%s: %s\n", l[i].label, l[i].text);
        }
    }
}

static void has(const char *text, const char *want)
{
    if (!strstr(text, want)) {
        fprintf(stderr, "missing \"%s\" in:\n%s", want, text);
        fail();
    }
}

static void m328p_factory(void **state)
{
    (void)state;
    char t[8192];
    const uint8_t b[FT_CONFIG_BYTES] = {0x62, 0xd9, 0xff, 0xff};
    words("m328p", b, t, sizeof t);
    has(t, "clock source: the internal RC oscillator of 8 MHz\n");
    has(t, "start-up: 6 clocks from power-down, 14 clocks + 65 ms more after a reset\n");
    has(t, "CKDIV8: programmed: the clock is divided by 8, the chip runs at 1 MHz\n");
    has(t, "CKOUT: not programmed: no clock output\n");
    has(t, "BOOTSZ: boot section of 2048 words (4096 bytes): byte address 0x7000 (word 0x3800)");
    has(t, "BOOTRST: not programmed: reset starts the application at address 0\n");
    has(t, "EESAVE: not programmed: a chip erase clears the EEPROM\n");
    has(t, "WDTON: not programmed: software turns the watchdog on and off\n");
    has(t, "SPIEN: programmed: serial programming (ISP) is enabled\n");
    has(t, "brown-out: detection off\n");
    has(t, "LB: no lock: the memories can be read and written\n");
    has(t, "BLB0: application section: no restriction\n");
    has(t, "BLB1: boot loader section: no restriction\n");
}

static void m328p_uno(void **state)
{
    (void)state;
    char t[8192];
    const uint8_t b[FT_CONFIG_BYTES] = {0xff, 0xde, 0xfd, 0xcf};
    words("m328p", b, t, sizeof t);
    has(t, "clock source: an external crystal or resonator of 8 to 16 MHz\n");
    has(t, "start-up: 16K clocks from power-down, 14 clocks + 65 ms more after a reset\n");
    has(t, "CKDIV8: not programmed: the clock is not divided\n");
    has(t, "BOOTSZ: boot section of 256 words (512 bytes): byte address 0x7e00 (word 0x3f00)");
    has(t, "BOOTRST: programmed: reset starts the boot loader at byte address 0x7e00\n");
    has(t, "brown-out: resets the chip when the supply falls below 2.7 V\n");
    /* Optiboot's lock 0xcf: BLB1 = 00, the boot loader section protected. */
    has(t, "BLB1: boot loader section: SPM may not write it and LPM in the application may not read it\n");
    has(t, "BLB0: application section: no restriction\n");
}

static void t85_no_boot_lock_bits(void **state)
{
    (void)state;
    char t[8192];
    const uint8_t b[FT_CONFIG_BYTES] = {0x62, 0xdf, 0xff, 0xff};
    words("t85", b, t, sizeof t);
    has(t, "clock source: the internal RC oscillator of 8 MHz\n");
    has(t, "SELFPRGEN: not programmed: the program cannot write flash\n");
    has(t, "LB: no lock");
    assert_null(strstr(t, "BLB"));
    assert_null(strstr(t, "boot"));
    const uint8_t pll[FT_CONFIG_BYTES] = {0xf1, 0xdf, 0xff, 0xff};
    words("t85", pll, t, sizeof t);
    has(t, "clock source: the internal PLL of 16 MHz\n");
    has(t, "start-up: 16K clocks from power-down, 14 clocks + 64 ms more after a reset\n");
}

static void lock_modes(void **state)
{
    (void)state;
    char t[8192];
    uint8_t b[FT_CONFIG_BYTES] = {0x62, 0xd9, 0xff, 0xfe};
    words("m328p", b, t, sizeof t);
    has(t, "LB: flash, EEPROM and fuses can no longer be written, until a chip erase\n");
    b[FT_LOCK_BYTE] = 0xc0;
    words("m328p", b, t, sizeof t);
    has(t, "LB: flash, EEPROM and fuses can no longer be written or read back, until a chip erase\n");
    has(t, "BLB0: application section: SPM may not write it and LPM in the boot loader may not read it\n");
    has(t, "BLB1: boot loader section: SPM may not write it and LPM in the application may not read it\n");
    b[FT_LOCK_BYTE] = 0xe7; /* BLB0 = 01, BLB1 = 10 */
    words("m328p", b, t, sizeof t);
    has(t, "BLB0: application section: LPM in the boot loader may not read it\n");
    has(t, "BLB1: boot loader section: SPM may not write it\n");
}

static void sources(void **state)
{
    (void)state;
    char t[8192];
    uint8_t b[FT_CONFIG_BYTES] = {0xe3, 0xd9, 0xff, 0xff};
    words("m328p", b, t, sizeof t);
    has(t, "clock source: the internal 128 kHz low-power oscillator\n");
    b[0] = 0xe4;
    words("m328p", b, t, sizeof t);
    has(t, "clock source: an external 32.768 kHz watch crystal\n");
    b[0] = 0xe0;
    words("m328p", b, t, sizeof t);
    has(t, "clock source: an external clock signal on XTAL1\n");
    b[0] = 0xf7;
    words("m328p", b, t, sizeof t);
    has(t, "clock source: an external crystal or resonator of 400 kHz to 20 MHz\n");
    /* ATmega8: the value name tells an external RC network from a clock. */
    uint8_t m8[FT_CONFIG_BYTES] = {0xe7, 0xd9, 0xff, 0xff};
    words("m8", m8, t, sizeof t);
    has(t, "clock source: an external RC network on XTAL1");
    has(t, "CKOPT: not programmed: low-power crystal oscillator\n");
    m8[0] = 0xe1;
    words("m8", m8, t, sizeof t);
    has(t, "clock source: the internal RC oscillator of 1 MHz\n");
    has(t, "start-up: 6 clocks from power-down, 64 ms more after a reset\n");
    has(t, "brown-out: resets the chip when the supply falls below 2.7 V\n");
}

static void one_setting(void **state)
{
    (void)state;
    const ft_part *p = ft_partdb_find(&db, "m328p");
    const uint8_t b[FT_CONFIG_BYTES] = {0xff, 0xd6, 0xfc, 0xff};
    ft_config_item it;
    ft_err err = {0};
    ft_words_line l[4];
    assert_int_equal(ft_config_get(p, b, "eesave", &it, &err), FT_OK);
    assert_int_equal(ft_setting_words(p, it.fuse, it.setting, b, l, 4), 1);
    assert_string_equal(l[0].text, "programmed: a chip erase keeps the EEPROM");
    assert_int_equal(ft_config_get(p, b, "bodlevel", &it, &err), FT_OK);
    assert_int_equal(ft_setting_words(p, it.fuse, it.setting, b, l, 4), 1);
    assert_string_equal(l[0].text, "resets the chip when the supply falls below 4.3 V");
    assert_int_equal(ft_config_get(p, b, "sut_cksel", &it, &err), FT_OK);
    assert_int_equal(ft_setting_words(p, it.fuse, it.setting, b, l, 4), 2);
    assert_string_equal(l[0].label, "clock source");
    assert_string_equal(l[1].label, "start-up");
}

/* Every part, every setting, every value (named or reserved): one line per
 * setting (two for the clock), none empty, nothing unprintable. */
static void sweep_every_value(void **state)
{
    (void)state;
    long lines = 0;
    for (int i = 0; i < db.nparts; i++) {
        const ft_part *p = &db.parts[i];
        for (int k = 0; k <= p->nfuses; k++) {
            const ft_fuse *f = k < p->nfuses ? &p->fuses[k] : &p->lock;
            int bi = k < p->nfuses ? f->index : FT_LOCK_BYTE;
            if (!f->name[0])
                continue;
            for (int v = 0; v < 256; v++) {
                uint8_t b[FT_CONFIG_BYTES] = {0xff, 0xff, 0xff, 0xff};
                for (int j = 0; j < p->nfuses; j++)
                    b[p->fuses[j].index] = p->fuses[j].factory;
                b[bi] = (uint8_t)v;
                ft_words_line l[24];
                int n = ft_fuse_words(p, f, b, l, 24);
                int want = f->nsettings ? f->nsettings : f->nfields;
                assert_true(n >= want);
                for (int x = 0; x < n; x++) {
                    assert_true(l[x].label[0] && l[x].text[0]);
                    assert_null(strstr(l[x].text, "(null)"));
                    for (const char *c = l[x].text; *c; c++)
                        assert_true(*c >= 0x20 && *c < 0x7f);
                }
                lines += n;
            }
        }
    }
    assert_true(lines > 100000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(m328p_factory),
        cmocka_unit_test(m328p_uno),
        cmocka_unit_test(t85_no_boot_lock_bits),
        cmocka_unit_test(lock_modes),
        cmocka_unit_test(sources),
        cmocka_unit_test(one_setting),
        cmocka_unit_test(sweep_every_value),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
