/* Named fuse settings: the parts.conf `config`/`value` lines, the look-ups,
 * and the config interface (list, match, get, set) over the shipped data. */
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
        ft_partdb_free(db);
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

static const char head[] =
    "part x1\n"
    "    signature 0x1e 0x95 0x99\n"
    "    memory flash\n"
    "        size 1024\n"
    "    end\n"
    "    fuse hfuse\n";

static int parse_tail(ft_partdb *db, const char *tail, ft_err *err)
{
    char text[2048];
    snprintf(text, sizeof text, "%s%s    end\nend\n", head, tail);
    return ft_partdb_parse(db, "t.conf", text, strlen(text), err);
}

static void parse_settings(void **state)
{
    (void)state;
    ft_partdb db;
    ft_err err = {0};
    ft_partdb_init(&db);
    assert_int_equal(parse_tail(&db,
                                "        field EESAVE 0x08\n"
                                "        config eesave 0x08 0x08\n"
                                "        value 0x00 ee_preserved\n"
                                "        value 0x08 ee_erased\n"
                                "        config bootsz 0x06 0x00\n"
                                "        value 0x00 bs_2048w\n"
                                "        value 0x06 bs_256w\n",
                                &err),
                     FT_OK);
    const ft_fuse *h = ft_part_fuse(&db.parts[0], "hfuse");
    assert_int_equal(h->nsettings, 2);
    const ft_setting *s = ft_fuse_setting(h, "EESAVE");
    assert_non_null(s);
    assert_int_equal(s->mask, 0x08);
    assert_int_equal(s->factory, 0x08);
    assert_int_equal(s->nvalues, 2);
    assert_string_equal(ft_setting_value_name(s, 0xf7), "ee_preserved");
    assert_int_equal(ft_setting_value_named(s, "ee_erased")->value, 0x08);
    assert_null(ft_setting_value_named(s, "ee_kept"));
    /* The bit-group field of the same name is there as before. */
    assert_int_equal(ft_fuse_field(h, "EESAVE")->mask, 0x08);

    /* A copy of the part shares the values, which live as long as the db. */
    ft_part copy = db.parts[0];
    const ft_setting *bs = ft_part_setting(&copy, "bootsz", NULL);
    assert_int_equal(ft_setting_number(bs, 0xdc), 2);
    assert_int_equal(ft_setting_from_number(bs, 3), 0x06);
    assert_null(ft_setting_value_name(bs, 0x02)); /* reserved in this table */
    ft_partdb_free(&db);
}

static void parse_setting_errors(void **state)
{
    (void)state;
    static const struct {
        const char *tail;
        const char *says;
    } bad[] = {
        {"        value 0x00 x\n", "a config line before the values"},
        {"        config eesave 0x08 0x08\n", "value lines after a config line"},
        {"        config eesave 0x08 0x08\n        value 0x10 x\n", "inside the setting's mask"},
        {"        config eesave 0x00 0x00\n        value 0x00 x\n", "non-zero mask"},
        {"        config eesave 0x08 0x01\n        value 0x00 x\n", "factory value inside"},
        {"        config ee=save 0x08 0x08\n        value 0x00 x\n", "letters, digits and _"},
        {"        config eesave 0x08 0x08\n        value 0x00 a*\n", "letters, digits and _"},
        {"        config eesave 0x08 0x08\n        value 0x00 x\n        value 0x00 y\n",
         "each value once"},
        {"        config eesave 0x08 0x08\n        value 0x00 x\n        value 0x08 X\n",
         "each value name once"},
        {"        config a 0x0c 0x0c\n        value 0x00 x\n        config b 0x04 0x04\n"
         "        value 0x00 x\n",
         "no other setting"},
        {"        config a 0x0c 0x0c\n        value 0x00 x\n        config a 0x10 0x10\n"
         "        value 0x00 x\n",
         "not yet used"},
        {"        config eesave 0x08\n", "config NAME MASK FACTORY"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ft_partdb db;
        ft_err err = {0};
        ft_partdb_init(&db);
        assert_int_equal(parse_tail(&db, bad[i].tail, &err), FT_E_INPUT);
        if (!strstr(err.msg, bad[i].says) || !strstr(err.msg, "t.conf:")) {
            fprintf(stderr, "case %zu: %s\n", i, err.msg);
            fail();
        }
        assert_int_equal(db.nparts, 0);
        ft_partdb_free(&db);
    }
}

static void shipped_m328p(void **state)
{
    const ft_part *p = ft_partdb_find(*state, "m328p");
    assert_non_null(p);
    const ft_fuse *f;
    const ft_setting *s = ft_part_setting(p, "sut_cksel", &f);
    assert_non_null(s);
    assert_string_equal(f->name, "lfuse");
    assert_int_equal(s->mask, 0x3f);
    assert_int_equal(s->factory, 0x22);
    assert_string_equal(ft_setting_value_name(s, 0x62), "intrcosc_8mhz_6ck_14ck_65ms");
    assert_string_equal(ft_setting_value_name(s, 0xff), "extxosc_8mhz_xx_16kck_14ck_65ms");
    s = ft_part_setting(p, "bodlevel", &f);
    assert_string_equal(f->name, "efuse");
    assert_int_equal(ft_setting_value_named(s, "bod_2v7")->value, 0x05);
    assert_non_null(ft_part_setting(p, "blb0", NULL));
    assert_non_null(ft_part_setting(p, "blb1", &f));
    assert_string_equal(f->name, "lock");
    assert_non_null(ft_part_field(p, "BLB0", NULL));
    /* The datasheet bit groups the session relies on are unchanged. */
    assert_int_equal(ft_part_field(p, "CKSEL", NULL)->mask, 0x0f);
    assert_int_equal(ft_part_field(p, "SUT", NULL)->mask, 0x30);
    assert_int_equal(ft_part_field(p, "EESAVE", NULL)->mask, 0x08);
    assert_int_equal(ft_config_count(p), 3 + 7 + 1 + 3);
}

static void shipped_t85_has_no_boot_lock_bits(void **state)
{
    const ft_part *p = ft_partdb_find(*state, "t85");
    assert_non_null(p);
    assert_null(ft_part_setting(p, "blb0", NULL));
    assert_null(ft_part_setting(p, "blb1", NULL));
    assert_null(ft_part_field(p, "BLB0", NULL));
    assert_null(ft_part_field(p, "BLB1", NULL));
    assert_non_null(ft_part_setting(p, "lb", NULL));
    assert_non_null(ft_part_field(p, "LB", NULL));
    assert_non_null(ft_part_setting(p, "selfprgen", NULL));
}

static void shipped_every_part_consistent(void **state)
{
    const ft_partdb *db = *state;
    int named = 0;
    for (int i = 0; i < db->nparts; i++) {
        const ft_part *p = &db->parts[i];
        if (ft_config_count(p) > 0)
            named++;
        for (int k = 0; k <= p->nfuses; k++) {
            const ft_fuse *f = k < p->nfuses ? &p->fuses[k] : &p->lock;
            for (int j = 0; j < f->nsettings; j++) {
                const ft_setting *s = &f->settings[j];
                assert_true(s->nvalues > 0);
                for (int v = 0; v < s->nvalues; v++) {
                    assert_int_equal(s->values[v].value & ~s->mask, 0);
                    assert_ptr_equal(ft_setting_value_named(s, s->values[v].name), &s->values[v]);
                }
            }
        }
    }
    assert_int_equal(named, 168);   /* 160 ISP parts, 8 TPI parts */
}

static void config_list_and_match(void **state)
{
    const ft_part *p = ft_partdb_find(*state, "m328p");
    uint8_t uno[FT_CONFIG_BYTES] = {0xff, 0xde, 0xfd, 0xcf};
    ft_config_item it[32];
    int n = ft_config_list(p, uno, it, 32);
    assert_int_equal(n, 14);
    assert_string_equal(it[0].setting->name, "sut_cksel");
    assert_int_equal(it[0].byte, 0);
    assert_int_equal(it[0].number, 0x3f);
    assert_string_equal(it[0].value_name, "extxosc_8mhz_xx_16kck_14ck_65ms");
    assert_string_equal(it[n - 1].fuse->name, "lock");
    assert_int_equal(it[n - 1].byte, FT_LOCK_BYTE);
    /* Uno: 512-word boot section, boot reset vector, BOD 2.7 V. */
    assert_int_equal(ft_config_match(p, uno, "bootsz", it, 32), 1);
    assert_string_equal(it[0].value_name, "bs_256w");
    assert_int_equal(ft_config_match(p, uno, "bodlevel", it, 32), 1);
    assert_string_equal(it[0].value_name, "bod_2v7");
    /* Initial strings and wildcards, as avrdude matches them. */
    assert_int_equal(ft_config_match(p, uno, "boot", it, 32), 2);
    assert_int_equal(ft_config_match(p, uno, "blb*", it, 32), 2);
    assert_int_equal(ft_config_match(p, uno, "*en", it, 32), 2); /* spien dwen */
    assert_int_equal(ft_config_match(p, uno, "?b", it, 32), 1);  /* lb */
    assert_int_equal(ft_config_match(p, uno, "[bl]b", it, 32), 1);
    assert_int_equal(ft_config_match(p, uno, "nothing", it, 32), 0);
    assert_int_equal(ft_config_match(p, uno, "", it, 32), 0);
    assert_true(ft_config_name_matches("EES", "eesave"));
    assert_false(ft_config_name_matches("save", "eesave"));
    assert_true(ft_config_name_matches("*save", "eesave"));
}

static void config_get_errors(void **state)
{
    const ft_part *p = ft_partdb_find(*state, "m328p");
    uint8_t b[FT_CONFIG_BYTES] = {0x62, 0xd9, 0xff, 0xff};
    ft_config_item it;
    ft_err err = {0};
    assert_int_equal(ft_config_get(p, b, "ees", &it, &err), FT_OK);
    assert_string_equal(it.setting->name, "eesave");
    assert_string_equal(it.value_name, "ee_erased");
    assert_int_equal(ft_config_get(p, b, "jtagen", &it, &err), FT_E_USAGE);
    assert_non_null(strstr(err.msg, "no setting 'jtagen'"));
    assert_non_null(strstr(err.msg, "sut_cksel"));
    assert_non_null(strstr(err.msg, "blb1"));
    ft_err_clear(&err);
    assert_int_equal(ft_config_get(p, b, "b*", &it, &err), FT_E_USAGE);
    assert_non_null(strstr(err.msg, "ambiguous"));
    assert_non_null(strstr(err.msg, "bootsz"));
    assert_non_null(strstr(err.msg, "blb0"));
}

static void config_set(void **state)
{
    const ft_part *p = ft_partdb_find(*state, "m328p");
    uint8_t b[FT_CONFIG_BYTES] = {0x62, 0xd9, 0xff, 0xff};
    ft_config_item it;
    ft_err err = {0};
    assert_int_equal(ft_config_assign(p, b, "eesave=ee_preserved", &it, &err), FT_OK);
    assert_int_equal(b[1], 0xd1);
    assert_int_equal(it.byte, 1);
    assert_string_equal(it.value_name, "ee_preserved");
    /* A unique initial string or pattern of the value name. */
    assert_int_equal(ft_config_set(p, b, "ckdiv8", "by_1", &it, &err), FT_OK);
    assert_int_equal(b[0], 0xe2);
    assert_int_equal(ft_config_set(p, b, "bodlevel", "bod_4*", &it, &err), FT_OK);
    assert_int_equal(b[2], 0xfc);
    assert_int_equal(ft_config_set(p, b, "sut_cksel", "extfsxtal_16kck_14ck_65ms", &it, &err), FT_OK);
    assert_int_equal(b[0], 0xf7);
    /* Numbers count from the setting's lowest bit. */
    assert_int_equal(ft_config_set(p, b, "bootsz", "0", &it, &err), FT_OK);
    assert_int_equal(b[1] & 0x06, 0x00);
    assert_string_equal(it.value_name, "bs_2048w");
    assert_int_equal(ft_config_set(p, b, "bootsz", "0b11", &it, &err), FT_OK);
    assert_int_equal(b[1] & 0x06, 0x06);
    assert_int_equal(ft_config_set(p, b, "lb", "0x2", &it, &err), FT_OK);
    assert_int_equal(b[FT_LOCK_BYTE], 0xfe);
    assert_string_equal(it.value_name, "prog_disabled");
    /* A number without a name is set, and said to be reserved. */
    assert_int_equal(ft_config_set(p, b, "bodlevel", "1", &it, &err), FT_OK);
    assert_int_equal(b[2], 0xf9);
    assert_null(it.value_name);
    /* Errors change nothing. */
    uint8_t before[FT_CONFIG_BYTES];
    memcpy(before, b, sizeof b);
    assert_int_equal(ft_config_set(p, b, "bootsz", "4", &it, &err), FT_E_USAGE);
    assert_non_null(strstr(err.msg, "0 to 3"));
    ft_err_clear(&err);
    assert_int_equal(ft_config_set(p, b, "eesave", "ee_kept", &it, &err), FT_E_USAGE);
    assert_non_null(strstr(err.msg, "ee_preserved, ee_erased"));
    ft_err_clear(&err);
    assert_int_equal(ft_config_set(p, b, "bodlevel", "bod_*", &it, &err), FT_E_USAGE);
    assert_non_null(strstr(err.msg, "ambiguous"));
    ft_err_clear(&err);
    assert_int_equal(ft_config_set(p, b, "sut_cksel", "nope", &it, &err), FT_E_USAGE);
    assert_non_null(strstr(err.msg, "...")); /* 48 names do not fit: cut */
    ft_err_clear(&err);
    assert_int_equal(ft_config_assign(p, b, "eesave", &it, &err), FT_E_USAGE);
    assert_memory_equal(before, b, sizeof b);
}

static void avrdude_conf_keeps_settings(void **state)
{
    ft_partdb *db = *state;
    /* A -C avrdude.conf part of the same id and signature replaces the part
     * but keeps the names avrdude.conf cannot hold. */
    static const char conf[] =
        "part\n    id = \"m328p\";\n    desc = \"ATmega328P\";\n    prog_modes = PM_ISP;\n"
        "    signature = 0x1e 0x95 0x0f;\n"
        "    memory \"flash\"\n        size = 32768;\n        page_size = 128;\n    ;\n"
        "    memory \"hfuse\"\n        size = 1;\n    ;\n"
        "    memory \"lock\"\n        size = 1;\n    ;\n;\n";
    ft_err err = {0};
    assert_int_equal(ft_partdb_parse_avrdude(db, "a.conf", conf, strlen(conf), &err), FT_OK);
    const ft_part *p = ft_partdb_find(db, "m328p");
    assert_non_null(p);
    assert_non_null(ft_part_setting(p, "eesave", NULL));
    assert_non_null(ft_part_setting(p, "blb1", NULL));
    assert_string_equal(ft_setting_value_name(ft_part_setting(p, "eesave", NULL), 0), "ee_preserved");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_settings),
        cmocka_unit_test(parse_setting_errors),
        cmocka_unit_test(shipped_m328p),
        cmocka_unit_test(shipped_t85_has_no_boot_lock_bits),
        cmocka_unit_test(shipped_every_part_consistent),
        cmocka_unit_test(config_list_and_match),
        cmocka_unit_test(config_get_errors),
        cmocka_unit_test(config_set),
        cmocka_unit_test(avrdude_conf_keeps_settings),
    };
    return cmocka_run_group_tests(tests, load_db, free_db);
}
