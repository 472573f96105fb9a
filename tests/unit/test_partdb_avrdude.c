/* The avrdude.conf reader (-C), and data/parts.conf checked against the
 * installed /etc/avrdude.conf. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ftisp/partdb.h"

#define SYSTEM_CONF "/etc/avrdude.conf"

static const char *parts_path(void)
{
    const char *p = getenv("FTISP_PARTS");
    return p && *p ? p : "data/parts.conf";
}

static void load_builtin(ft_partdb *db)
{
    ft_err err = {0};
    ft_partdb_init(db);
    if (ft_partdb_load(db, parts_path(), &err) != FT_OK)
        fail_msg("%s", err.msg);
}

static const char snippet[] =
    "# a user's file\n"
    "default_programmer = \"ft232h\";\n"
    "programmer\n"
    "    id    = \"myprog\";\n"
    "    desc  = \"semi; colon in a string\";\n"
    "    type  = \"avrftdi\";\n"
    "    prog_modes = PM_TPI | PM_ISP;\n"
    "    usbpid = 0x6014;\n"
    ";\n"
    "part\n"
    "    id               = \"x9\";\n"
    "    desc             = \"ATxmagic9\";\n"
    "    prog_modes       = PM_SPM | PM_ISP;\n"
    "    signature        = 0x1e 0x96 0x77;\n"
    "    chip_erase_delay = 10500;\n"
    "    some_new_key     = 1, 2, 3;\n"
    "    memory \"flash\"\n"
    "        paged           = yes;\n"
    "        size            = 0x30000;\n"
    "        page_size       = 256;\n"
    "        min_write_delay = 4500;\n"
    "        max_write_delay = 5000;\n"
    "        readback        = 0xff 0xff;\n"
    "        alias \"application\";\n"
    "    ;\n"
    "    memory \"eeprom\"\n"
    "        size = 2048; page_size = 8; min_write_delay = 3600;\n"
    "        loadpage_lo = \"1100.0001--0000.0000--0000.0aaa--iiii.iiii\";\n"
    "    ;\n"
    "    memory \"lfuse\" size = 1; min_write_delay = 4500; ;\n"
    "    memory \"efuse\"\n"
    "        size = 1;\n"
    "        write = \"1010.1100--1010.0100--xxxx.xxxx--xxxx.iiii\";\n"
    "    ;\n"
    "    memory \"lock\" size = 1; write = \"1010.1100--111x.xxxx--xxxx.xxxx--11ii.iiii\"; ;\n"
    "    memory \"calibration\" size = 1; ;\n"
    ";\n"
    "part parent \"x9\"\n"
    "    id   = \"x9b\";\n"
    "    desc = \"ATxmagic9B\";\n"
    "    signature = 0x1e 0x96 0x78;\n"
    "    memory \"efuse\" = NULL;\n"
    "    memory \"flash\" size = 0x10000; ;\n"
    ";\n"
    "part parent \"m328p\"\n"
    "    id   = \"m328p\";\n"
    "    desc = \"ATmega328P\";\n"
    "    chip_erase_delay = 12000;\n"
    ";\n"
    "part\n"
    "    id = \".template\";\n"
    "    prog_modes = PM_ISP;\n"
    "    memory \"flash\" size = 1024; ;\n"
    ";\n"
    "part\n"
    "    id = \"u1\";\n"
    "    prog_modes = PM_UPDI;\n"
    "    signature = 0x1e 0x91 0x23;\n"
    "    memory \"flash\" size = 1024; ;\n"
    ";\n";

static void custom_parts(void **state)
{
    (void)state;
    ft_partdb db;
    ft_err err = {0};
    load_builtin(&db);
    int before = db.nparts;
    if (ft_partdb_parse_avrdude(&db, "my.conf", snippet, strlen(snippet), &err) != FT_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(db.nparts, before + 2);   /* x9, x9b; m328p replaced; no template, no UPDI */
    const ft_part *p = ft_partdb_find(&db, "atxmagic9");
    assert_non_null(p);
    assert_string_equal(p->id, "x9");
    assert_memory_equal(p->signature, "\x1e\x96\x77", 3);
    assert_int_equal(p->chip_erase_delay_us, 10500);
    assert_int_equal(p->flash.size, 0x30000);
    assert_int_equal(p->flash.page_size, 256);
    assert_int_equal(p->flash.write_delay_us, 4500);
    assert_true(p->load_ext_addr);
    assert_true(p->has_rdybsy);
    assert_int_equal(p->eeprom.size, 2048);
    assert_true(p->eeprom.paged);
    assert_int_equal(p->fuse_write_delay_us, 4500);
    assert_int_equal(p->nfuses, 2);
    assert_int_equal(ft_part_fuse(p, "efuse")->writable, 0x0f);
    assert_int_equal(ft_part_fuse(p, "efuse")->index, 2);
    assert_int_equal(ft_part_fuse(p, "lock")->writable, 0x3f);
    assert_int_equal(p->calibration_bytes, 1);
    assert_string_equal(p->source, "my.conf:10");

    const ft_part *b = ft_partdb_find(&db, "x9b");
    assert_non_null(b);
    assert_null(ft_part_fuse(b, "efuse"));
    assert_non_null(ft_part_fuse(b, "lfuse"));
    assert_int_equal(b->flash.size, 0x10000);
    assert_int_equal(b->flash.page_size, 256);
    assert_false(b->load_ext_addr);
    assert_int_equal(b->eeprom.size, 2048);

    /* m328p replaced; facts avrdude.conf cannot hold survive. */
    const ft_part *m = ft_partdb_find(&db, "m328p");
    assert_int_equal(m->chip_erase_delay_us, 12000);
    assert_int_equal(m->flash.size, 32768);
    assert_non_null(ft_part_field(m, "CKSEL", NULL));
    assert_true(m->nclocks > 0);
    assert_string_equal(m->source, "my.conf:45");
    assert_null(ft_partdb_find(&db, ".template"));
    assert_null(ft_partdb_find(&db, "u1"));
    ft_partdb_free(&db);
}

static void expect_error(const char *text, const char *msg)
{
    ft_partdb db;
    ft_err err = {0};
    ft_partdb_init(&db);
    assert_int_equal(ft_partdb_parse_avrdude(&db, "a.conf", text, strlen(text), &err), FT_E_INPUT);
    if (strcmp(err.msg, msg) != 0)
        fail_msg("got \"%s\", wanted \"%s\"", err.msg, msg);
    assert_int_equal(db.nparts, 0);
    ft_partdb_free(&db);
}

static void errors(void **state)
{
    (void)state;
    expect_error("part\n  id = \"a\";\n  signature = 0x1e 0x95;\n;\n",
                 "a.conf:3: expected a number, found ';'");
    expect_error("part parent \"nope\"\n  id = \"a\";\n;\n",
                 "a.conf:1: expected the id of a part defined earlier in this file or in the "
                 "database, found \"nope\"");
    expect_error("part\n  id = \"a\";\n", "a.conf:2: expected ';' ending the part, found end of file");
    expect_error("part\n  id = \"a;\n;\n", "a.conf:2: expected a closing '\"', found end of file");
    expect_error("part\n  id \"a\";\n;\n", "a.conf:2: expected '=', found \"a\"");
    expect_error("part\n  prog_modes = PM_ISP;\n  memory \"flash\" size = 0x100; ;\n;\n",
                 "a.conf:1: expected an id in the part, found none");
    expect_error("part\n  id = \"q\";\n  prog_modes = PM_ISP;\n  memory \"flash\" size = 64; ;\n;\n",
                 "a.conf:1: expected a signature in part \"q\", found none");
    expect_error("programmer\n  id = \"p\";\n", "a.conf:2: expected ';' ending the block, found end of file");
    expect_error("= 3;\n", "a.conf:1: expected part, programmer or a setting, found '='");
    expect_error("part\n  id = \"a\";\n  memory \"flash\" size = big; ;\n;\n",
                 "a.conf:3: expected a number, found 'big'");
}

static void load_any_detects(void **state)
{
    (void)state;
    char path[] = "/tmp/ftisp-partdb-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, snippet, strlen(snippet)), (ssize_t)strlen(snippet));
    close(fd);
    ft_partdb db;
    ft_err err = {0};
    load_builtin(&db);
    if (ft_partdb_load_any(&db, path, &err) != FT_OK)
        fail_msg("%s", err.msg);
    assert_non_null(ft_partdb_find(&db, "x9"));
    unlink(path);
    /* The shipped file is in ftisp's own format. */
    ft_partdb db2;
    ft_partdb_init(&db2);
    if (ft_partdb_load_any(&db2, parts_path(), &err) != FT_OK)
        fail_msg("%s", err.msg);
    assert_true(db2.nparts >= 163);
    ft_partdb_free(&db2);
    ft_partdb_free(&db);
}

/* tools/mkparts takes these parts' erase and fuse delays from the datasheet,
 * where avrdude.conf has other values. */
static bool datasheet_delays(const char *id)
{
    return !strcmp(id, "t25") || !strcmp(id, "t45") || !strcmp(id, "t85");
}

static void whole_system_conf(void **state)
{
    (void)state;
    if (access(SYSTEM_CONF, R_OK) != 0) {
        print_message("skipped: %s is not installed\n", SYSTEM_CONF);
        return;
    }
    ft_partdb sys, ours;
    ft_err err = {0};
    ft_partdb_init(&sys);
    if (ft_partdb_load_avrdude(&sys, SYSTEM_CONF, &err) != FT_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(sys.nparts, 163);
    load_builtin(&ours);
    assert_true(ours.nparts >= 163);
    int compared = 0;
    for (int i = 0; i < sys.nparts; i++) {
        const ft_part *s = &sys.parts[i];
        const ft_part *o = ft_partdb_find(&ours, s->id);
        if (!o)
            fail_msg("%s from %s is missing in parts.conf", s->id, SYSTEM_CONF);
        if (memcmp(s->signature, o->signature, 3) || s->flash.size != o->flash.size ||
            s->flash.page_size != o->flash.page_size || s->eeprom.size != o->eeprom.size ||
            s->eeprom.page_size != o->eeprom.page_size || s->eeprom.paged != o->eeprom.paged ||
            s->load_ext_addr != o->load_ext_addr || s->nfuses != o->nfuses ||
            s->flash.write_delay_us != o->flash.write_delay_us ||
            s->eeprom.write_delay_us != o->eeprom.write_delay_us ||
            (s->chip_erase_delay_us != o->chip_erase_delay_us && !datasheet_delays(s->id)) ||
            s->has_rdybsy != o->has_rdybsy || s->calibration_bytes != o->calibration_bytes ||
            s->lock.writable != o->lock.writable)
            fail_msg("%s differs between %s (%s) and parts.conf (%s)", s->id, SYSTEM_CONF,
                     s->source, o->source);
        for (int f = 0; f < s->nfuses; f++) {
            const ft_fuse *of = ft_part_fuse(o, s->fuses[f].name);
            if (!of || of->writable != s->fuses[f].writable || of->index != s->fuses[f].index)
                fail_msg("%s: %s differs", s->id, s->fuses[f].name);
        }
        compared++;
    }
    print_message("compared %d parts with %s\n", compared, SYSTEM_CONF);
    /* Loading the whole file over the database replaces and keeps facts. */
    if (ft_partdb_load_any(&ours, SYSTEM_CONF, &err) != FT_OK)
        fail_msg("%s", err.msg);
    const ft_part *m = ft_partdb_find(&ours, "m328p");
    assert_non_null(ft_part_field(m, "CKDIV8", NULL));
    assert_int_equal(ft_part_fuse(m, "lfuse")->factory, 0x62);
    ft_partdb_free(&ours);
    ft_partdb_free(&sys);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(custom_parts),
        cmocka_unit_test(errors),
        cmocka_unit_test(load_any_detects),
        cmocka_unit_test(whole_system_conf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
