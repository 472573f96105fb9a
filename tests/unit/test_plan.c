/* The plan: files checked against the part and fuse rules applied before
 * any adapter is opened. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ftisp/plan.h"
#include "ftisp/session.h"

#include "parts_fixture.h"

static int build(ft_plan *plan, const char *part, const char *mem, ft_opkind k, const char *file,
                 ft_format fmt, const ft_plan_opts *o, ft_err *err)
{
    ft_opspec s;
    memset(&s, 0, sizeof s);
    snprintf(s.memory, sizeof s.memory, "%s", mem);
    s.kind = k;
    s.file = file;
    s.fmt = fmt;
    ft_plan_opts none;
    memset(&none, 0, sizeof none);
    memset(err, 0, sizeof *err);
    return ft_plan_build(plan, &db, ft_partdb_find(&db, part), &s, 1, o ? o : &none, err);
}

static void immediate_fuse_ok(void **state)
{
    (void)state;
    ft_plan p;
    ft_err err;
    assert_int_equal(build(&p, "m328p", "hfuse", FT_OP_WRITE, "0xd6", FT_FMT_IMM, NULL, &err), FT_OK);
    assert_int_equal(ft_image_get(&p.ops[0].img, 0), 0xd6);
    assert_false(p.writes_flash);
    ft_plan_free(&p);
}

static void rstdisbl_refused_before_device(void **state)
{
    (void)state;
    ft_plan p;
    ft_err err;
    assert_int_equal(build(&p, "m328p", "hfuse", FT_OP_WRITE, "0x5e", FT_FMT_IMM, NULL, &err), FT_E_UNSAFE);
    assert_non_null(strstr(err.msg, "RSTDISBL"));
    ft_plan_free(&p);
    ft_plan_opts o;
    memset(&o, 0, sizeof o);
    o.allow = FT_ALLOW_RSTDISBL;
    assert_int_equal(build(&p, "m328p", "hfuse", FT_OP_WRITE, "0x5e", FT_FMT_IMM, &o, &err), FT_OK);
    ft_plan_free(&p);
}

static void spien_refused(void **state)
{
    (void)state;
    ft_plan p;
    ft_err err;
    assert_int_equal(build(&p, "m328p", "hfuse", FT_OP_WRITE, "0xff", FT_FMT_IMM, NULL, &err), FT_E_UNSAFE);
    assert_non_null(strstr(err.msg, "SPIEN"));
    ft_plan_free(&p);
}

static void clock_change_needs_chip_value(void **state)
{
    (void)state;
    const ft_part *m = ft_partdb_find(&db, "m328p");
    const ft_fuse *lf = ft_part_fuse(m, "lfuse");
    ft_err err = {0};
    uint8_t factory[FT_MAX_FUSES] = {0x62, 0xd9, 0xff};
    ft_fuse_ctx now = {.now = factory};
    ft_fuse_ctx unread = {.now = NULL};
    assert_int_equal(ft_fuse_check(m, lf, 0xe2, &now, &err), FT_OK);      /* CKDIV8 only */
    assert_int_equal(ft_fuse_check(m, lf, 0xff, &now, &err), FT_E_UNSAFE); /* RC -> crystal */
    assert_non_null(strstr(err.msg, "--allow=clock"));
    memset(&err, 0, sizeof err);
    /* Before the chip is read the clock rule waits (plan building). */
    assert_int_equal(ft_fuse_check(m, lf, 0xff, &unread, &err), FT_OK);
    now.allow = FT_ALLOW_CLOCK;
    assert_int_equal(ft_fuse_check(m, lf, 0xff, &now, &err), FT_OK);
}

static void lock_bits(void **state)
{
    (void)state;
    ft_plan p;
    ft_err err;
    assert_int_equal(build(&p, "m328p", "lock", FT_OP_WRITE, "0xfc", FT_FMT_IMM, NULL, &err), FT_E_UNSAFE);
    ft_plan_free(&p);
    assert_int_equal(build(&p, "m328p", "lock", FT_OP_WRITE, "0xef", FT_FMT_IMM, NULL, &err), FT_OK);
    ft_plan_free(&p);
}

static void unknown_memory(void **state)
{
    (void)state;
    ft_plan p;
    ft_err err;
    assert_int_equal(build(&p, "t85", "efuse", FT_OP_WRITE, "0xff", FT_FMT_IMM, NULL, &err), FT_OK);
    ft_plan_free(&p);
    assert_int_equal(build(&p, "m328p", "eprom", FT_OP_READ, "x", FT_FMT_RAW, NULL, &err), FT_E_USAGE);
    assert_non_null(strstr(err.msg, "flash, eeprom, lfuse, hfuse, efuse, lock"));
    ft_plan_free(&p);
    assert_int_equal(build(&p, "m328p", "signature", FT_OP_WRITE, "0x1e", FT_FMT_IMM, NULL, &err), FT_E_USAGE);
    ft_plan_free(&p);
}

static void file_too_big(void **state)
{
    (void)state;
    char path[] = "/tmp/ftisp-plan-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs(":02800000AA557F\n:00000001FF\n", f);   /* 0x8000: past 32 KiB */
    fclose(f);
    ft_plan p;
    ft_err err;
    assert_int_equal(build(&p, "m328p", "flash", FT_OP_WRITE, path, FT_FMT_IHEX, NULL, &err), FT_E_INPUT);
    assert_non_null(strstr(err.msg, ":1:"));
    ft_plan_free(&p);
    assert_int_equal(build(&p, "m2560", "flash", FT_OP_WRITE, path, FT_FMT_IHEX, NULL, &err), FT_OK);
    assert_true(p.writes_flash);
    assert_true(p.auto_erase);
    ft_plan_free(&p);
    unlink(path);
}

static void order_fuses_first_lock_last(void **state)
{
    (void)state;
    ft_opspec s[3];
    memset(s, 0, sizeof s);
    strcpy(s[0].memory, "lock");
    s[0].kind = FT_OP_WRITE; s[0].file = "0xef"; s[0].fmt = FT_FMT_IMM;
    strcpy(s[1].memory, "eeprom");
    s[1].kind = FT_OP_WRITE; s[1].file = "1,2"; s[1].fmt = FT_FMT_IMM;
    strcpy(s[2].memory, "hfuse");
    s[2].kind = FT_OP_WRITE; s[2].file = "0xd9"; s[2].fmt = FT_FMT_IMM;
    ft_plan p;
    ft_plan_opts o;
    memset(&o, 0, sizeof o);
    ft_err err = {0};
    assert_int_equal(ft_plan_build(&p, &db, ft_partdb_find(&db, "m328p"), s, 3, &o, &err), FT_OK);
    assert_int_equal(p.order[0], 2);
    assert_int_equal(p.order[1], 1);
    assert_int_equal(p.order[2], 0);
    ft_plan_free(&p);
}

/* Only writes move: fuse and lock reads and verifies keep their places. */
static void reads_keep_their_places(void **state)
{
    (void)state;
    static const struct { const char *mem; ft_opkind k; const char *data; } spec[] = {
        {"lock", FT_OP_READ, "-"},       {"lfuse", FT_OP_WRITE, "0xe2"}, {"signature", FT_OP_READ, "-"},
        {"lock", FT_OP_WRITE, "0xfc"},   {"hfuse", FT_OP_VERIFY, "0xd9"}, {"lfuse", FT_OP_READ, "-"},
    };
    ft_opspec s[6];
    memset(s, 0, sizeof s);
    for (int i = 0; i < 6; i++) {
        strcpy(s[i].memory, spec[i].mem);
        s[i].kind = spec[i].k;
        s[i].file = spec[i].data;
        s[i].fmt = spec[i].k == FT_OP_READ ? FT_FMT_HEX : FT_FMT_IMM;
    }
    ft_plan p;
    ft_plan_opts o;
    memset(&o, 0, sizeof o);
    o.allow = FT_ALLOW_ALL;
    ft_err err = {0};
    assert_int_equal(ft_plan_build(&p, &db, ft_partdb_find(&db, "m328p"), s, 6, &o, &err), FT_OK);
    static const int want[] = {1, 0, 2, 4, 5, 3};
    for (int i = 0; i < 6; i++)
        assert_int_equal(p.order[i], want[i]);
    ft_plan_free(&p);
}

static void sck_rules(void **state)
{
    (void)state;
    /* Strictly below fck/4 (fck/6 from 12 MHz), 5 % under it. */
    assert_int_equal(ft_sck_for_target(1000000), 237500);
    assert_int_equal(ft_sck_for_target(900000), 213750);
    assert_int_equal(ft_sck_for_target(8000000), 1900000);
    assert_int_equal(ft_sck_for_target(16000000), 2533332);
    assert_int_equal(ft_sck_for_target(12000000), 1900000);
    /* 8 to 12 MHz proven: it may be running at 12 MHz or more (3 clocks). */
    assert_int_equal(ft_sck_for_target(10000000), 1900000);
    assert_int_equal(ft_sck_for_target(0), FT_SCK_START_HZ);
    /* The start clock is safe for a factory 1 MHz part at -10 %. */
    assert_true(FT_SCK_START_HZ < ft_sck_for_target(900000));
    for (uint32_t f = 1000; f < 30000000; f += f / 7 + 1)
        assert_true((uint64_t)ft_sck_for_target(f) * (f >= 12000000 ? 6 : 4) < f);
}

/* A run fills a result of its own: a fresh result says nothing was done,
 * one per operation, and the plan's data is not where results go. */
static void result_apart_from_plan(void **state)
{
    (void)state;
    ft_plan p;
    ft_err err;
    assert_int_equal(build(&p, "m328p", "hfuse", FT_OP_WRITE, "0xd6", FT_FMT_IMM, NULL, &err), FT_OK);
    ft_result r;
    assert_int_equal(ft_result_init(&r, &p, &err), FT_OK);
    assert_int_equal(r.nops, p.nops);
    assert_int_equal(r.ops[0].status, -1);
    assert_int_equal(r.ops[0].verified, -1);
    assert_false(r.ops[0].started || r.ops[0].chip_changed || r.ops[0].written || r.ops[0].have_sha);
    assert_false(r.erased || r.erase_started || r.have_signature || r.have_fuses);
    assert_int_equal(r.erase_status, -1);
    char s[200];
    ft_plan_state(&p, &r, s, sizeof s);
    assert_string_equal(s, "not done: hfuse write");
    r.ops[0].started = true;
    r.ops[0].status = FT_OK;
    ft_plan_state(&p, &r, s, sizeof s);
    assert_string_equal(s, "done: hfuse write");
    assert_int_equal(ft_image_get(&p.ops[0].img, 0), 0xd6);   /* the data stays */
    ft_result_free(&r);
    assert_null(r.ops);
    ft_plan_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(immediate_fuse_ok),
        cmocka_unit_test(rstdisbl_refused_before_device),
        cmocka_unit_test(spien_refused),
        cmocka_unit_test(clock_change_needs_chip_value),
        cmocka_unit_test(lock_bits),
        cmocka_unit_test(unknown_memory),
        cmocka_unit_test(file_too_big),
        cmocka_unit_test(order_fuses_first_lock_last),
        cmocka_unit_test(reads_keep_their_places),
        cmocka_unit_test(sck_rules),
        cmocka_unit_test(result_apart_from_plan),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
