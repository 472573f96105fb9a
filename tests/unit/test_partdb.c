/* The parts.conf reader, lookups, and facts of well-known parts as the
 * shipped data/parts.conf describes them. */
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

static const char *parts_path(void)
{
    const char *p = getenv("FTISP_PARTS");
    return p && *p ? p : "data/parts.conf";
}

static int load_db(void **state)
{
    ft_partdb *db = malloc(sizeof *db);
    ft_err err = {0};
    ft_partdb_init(db);
    if (ft_partdb_load(db, parts_path(), &err) != FT_OK) {
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

static const char good[] =
    "# a comment\n"
    "part x1\n"
    "    name ATfoo1\n"
    "    alias foo-one\n"
    "    signature 0x1e 0x95 0x99   # trailing comment\n"
    "    chip_erase_delay 9000\n"
    "    rdybsy yes\n"
    "    calibration 1\n"
    "    memory flash\n"
    "        size 0x40000\n"
    "        page 256\n"
    "        delay 4500\n"
    "    end\n"
    "    memory eeprom\n"
    "        size 1024\n"
    "        page 4\n"
    "        paged yes\n"
    "        delay 3600\n"
    "    end\n"
    "    fuse lfuse\n"
    "        writable 0xff\n"
    "        factory 0x62\n"
    "        delay 4500\n"
    "        field CKSEL 0x0f\n"
    "        field CKDIV8 0x80\n"
    "    end\n"
    "    lock\n"
    "        writable 0x3f\n"
    "    end\n"
    "    clock lfuse 0x0f 0x02 rc 8M 8M\n"
    "    clock lfuse 0x0e 0x0a crystal 900k 3M if hfuse 0x10 0x10\n"
    "end\n";

static void parse_good(void **state)
{
    (void)state;
    ft_partdb db;
    ft_err err = {0};
    ft_partdb_init(&db);
    assert_int_equal(ft_partdb_parse(&db, "t.conf", good, strlen(good), &err), FT_OK);
    assert_int_equal(db.nparts, 1);
    const ft_part *p = ft_partdb_find(&db, "FOO-ONE");
    assert_non_null(p);
    assert_string_equal(p->id, "x1");
    assert_string_equal(p->name, "ATfoo1");
    assert_memory_equal(p->signature, "\x1e\x95\x99", 3);
    assert_int_equal(p->flash.size, 0x40000);
    assert_int_equal(p->flash.page_size, 256);
    assert_true(p->load_ext_addr);
    assert_true(p->eeprom.paged);
    assert_int_equal(p->eeprom.write_delay_us, 3600);
    assert_int_equal(p->fuse_write_delay_us, 4500);
    assert_int_equal(p->ckdiv8_fuse, 0);
    assert_int_equal(p->ckdiv8_mask, 0x80);
    assert_int_equal(p->lock.writable, 0x3f);
    assert_int_equal(p->lock.factory, 0xff);
    assert_int_equal(p->nclocks, 2);
    assert_int_equal(p->clocks[1].cond_fuse, 1);
    assert_int_equal(p->clocks[1].cond_mask, 0x10);
    assert_int_equal(p->clocks[1].min_hz, 900000);
    assert_string_equal(p->source, "t.conf:2");
    assert_int_equal(ft_part_mem_size(p, "lfuse"), 1);
    assert_int_equal(ft_part_mem_size(p, "hfuse"), 0);
    assert_int_equal(ft_part_mem_size(p, "lock"), 1);
    assert_int_equal(ft_part_mem_size(p, "calibration"), 1);
    ft_partdb_free(&db);
}

static void replace_same_id(void **state)
{
    (void)state;
    ft_partdb db;
    ft_err err = {0};
    ft_partdb_init(&db);
    assert_int_equal(ft_partdb_parse(&db, "a.conf", good, strlen(good), &err), FT_OK);
    const char *again = "part X1\n name ATbar\n signature 1 2 3\n memory flash\n size 1024\n end\nend\n";
    assert_int_equal(ft_partdb_parse(&db, "b.conf", again, strlen(again), &err), FT_OK);
    assert_int_equal(db.nparts, 1);
    assert_string_equal(db.parts[0].name, "ATbar");
    assert_int_equal(db.parts[0].flash.size, 1024);
    assert_false(db.parts[0].load_ext_addr);
    assert_string_equal(db.parts[0].source, "b.conf:1");
    ft_partdb_free(&db);
}

static void expect_error(const char *text, const char *msg)
{
    ft_partdb db;
    ft_err err = {0};
    ft_partdb_init(&db);
    assert_int_equal(ft_partdb_parse(&db, "parts.conf", text, strlen(text), &err), FT_E_INPUT);
    if (strcmp(err.msg, msg) != 0)
        fail_msg("got \"%s\", wanted \"%s\"", err.msg, msg);
    assert_int_equal(db.nparts, 0);   /* nothing half-loaded */
    ft_partdb_free(&db);
}

static void parse_errors(void **state)
{
    (void)state;
    expect_error("prat m8\n", "parts.conf:1: expected part ID (parts.conf) or avrdude.conf part and programmer entries, found 'prat'");
    expect_error("\n\npart m8\n  signature 1 2\n",
                 "parts.conf:4: expected three signature bytes, found end of line");
    expect_error("part m8\n  signature 1 2 0x100\n",
                 "parts.conf:2: expected a number from 0 to 255, found '0x100'");
    expect_error("part m8\n  protocol pdi\n", "parts.conf:2: expected isp or tpi, found 'pdi'");
    expect_error("part m8\n  tpi_words 3\n", "parts.conf:2: expected 1, 2 or 4 words, found '3'");
    expect_error("part m8\n  colour red\n",
                 "parts.conf:2: expected a part key (name, alias, signature, chip_erase_delay, "
                 "rdybsy, protocol, tpi_words, sram, prodsig, calibration, memory, fuse, lock, clock) or end, found 'colour'");
    expect_error("part m8\n  signature 1 2 3\n  memory flash\n    size 64\n",
                 "parts.conf:5: expected end of the block, found end of file");
    expect_error("part m8\n  signature 1 2 3\nend\n",
                 "parts.conf:3: expected a memory flash block with a size, found end");
    expect_error("part m8\n  memory flash\n    size 64\n  end\nend\n",
                 "parts.conf:5: expected a signature line in the part, found end");
    expect_error("part m8\n  fuse xfuse\n",
                 "parts.conf:2: expected lfuse, hfuse, efuse or fuse, found 'xfuse'");
    expect_error("part m8\n  clock lfuse 0x0f 0x02 rc 8M\n",
                 "parts.conf:2: expected clock FUSE MASK VALUE KIND MIN MAX [if FUSE MASK VALUE], "
                 "found fewer words");
    expect_error("part m8\n  clock lfuse 0x0f 0x02 magic 8M 8M\n",
                 "parts.conf:2: expected rc, crystal, external, lowfreq or pll, found 'magic'");
    expect_error("part m8\n  rdybsy maybe\n", "parts.conf:2: expected yes or no, found 'maybe'");
    expect_error("part m8\n  fuse lfuse\n    field CKSEL 0x0f\n    field CKSEL 0x10\n",
                 "parts.conf:4: expected a field name not yet used in this byte, found CKSEL");
    expect_error("part m8\n  name ATmega8 extra\n", "parts.conf:2: expected end of line, found extra");
    /* A good part followed by a bad one loads neither. */
    char both[2048];
    snprintf(both, sizeof both, "%spart y\n  bogus\n", good);
    ft_partdb db;
    ft_err err = {0};
    ft_partdb_init(&db);
    assert_int_equal(ft_partdb_parse(&db, "parts.conf", both, strlen(both), &err), FT_E_INPUT);
    assert_int_equal(db.nparts, 0);
    assert_non_null(strstr(err.msg, "parts.conf:34:"));
    ft_partdb_free(&db);
}

static void load_missing_file(void **state)
{
    (void)state;
    ft_partdb db;
    ft_err err = {0};
    ft_partdb_init(&db);
    assert_int_equal(ft_partdb_load(&db, "/nonexistent/parts.conf", &err), FT_E_INPUT);
    assert_non_null(strstr(err.msg, "/nonexistent/parts.conf"));
    ft_partdb_free(&db);
}

static void lookups(void **state)
{
    ft_partdb *db = *state;
    const ft_part *a = ft_partdb_find(db, "m328p");
    assert_non_null(a);
    assert_ptr_equal(ft_partdb_find(db, "M328P"), a);
    assert_ptr_equal(ft_partdb_find(db, "ATmega328P"), a);
    assert_ptr_equal(ft_partdb_find(db, "atmega328p"), a);
    assert_ptr_not_equal(ft_partdb_find(db, "m328"), a);
    assert_null(ft_partdb_find(db, "m329x"));
    assert_ptr_equal(ft_partdb_find_signature(db, (const uint8_t *)"\x1e\x95\x0f"), a);
    assert_null(ft_partdb_find_signature(db, (const uint8_t *)"\x00\x00\x00"));
    assert_true(db->nparts >= 163);
}

/* The TPI parts: protocol, words per NVM write, one configuration byte. */
static void fact_tpi_parts(void **state)
{
    const ft_part *p = ft_partdb_find(*state, "t10");
    assert_non_null(p);
    assert_int_equal(p->protocol, FT_PROTO_TPI);
    assert_int_equal(p->tpi_words, 1);
    assert_memory_equal(p->signature, "\x1e\x90\x03", 3);
    assert_int_equal(p->flash.size, 1024);
    assert_int_equal(p->eeprom.size, 0);
    assert_int_equal(p->nfuses, 1);
    assert_int_equal(ft_part_fuse(p, "fuse")->writable, 0x07);
    assert_int_equal(p->lock.writable, 0x03);
    assert_int_equal(ft_partdb_find(*state, "t20")->tpi_words, 2);
    assert_int_equal(ft_partdb_find(*state, "t40")->tpi_words, 4);
    assert_int_equal(ft_partdb_find(*state, "m328p")->protocol, FT_PROTO_ISP);
    ft_err err = {0};
    for (int i = 0; i < ((const ft_partdb *)*state)->nparts; i++)
        assert_int_equal(ft_part_check(&((const ft_partdb *)*state)->parts[i], &err), FT_OK);
}

static void fact_m328p(void **state)
{
    const ft_part *p = ft_partdb_find(*state, "m328p");
    assert_non_null(p);
    assert_memory_equal(p->signature, "\x1e\x95\x0f", 3);
    assert_int_equal(p->flash.size, 32768);
    assert_int_equal(p->flash.page_size, 128);
    assert_int_equal(p->flash.write_delay_us, 4500);
    assert_int_equal(p->eeprom.size, 1024);
    assert_int_equal(p->eeprom.page_size, 4);
    assert_true(p->eeprom.paged);
    assert_int_equal(p->eeprom.write_delay_us, 3600);
    assert_int_equal(p->chip_erase_delay_us, 9000);
    assert_int_equal(p->fuse_write_delay_us, 4500);
    assert_false(p->load_ext_addr);
    assert_true(p->has_rdybsy);
    assert_int_equal(p->calibration_bytes, 1);
    assert_int_equal(p->nfuses, 3);
    const ft_fuse *l = ft_part_fuse(p, "lfuse"), *h = ft_part_fuse(p, "hfuse"), *e = ft_part_fuse(p, "efuse");
    assert_non_null(l);
    assert_non_null(h);
    assert_non_null(e);
    assert_null(ft_part_fuse(p, "fuse"));
    assert_int_equal(l->index, 0);
    assert_int_equal(h->index, 1);
    assert_int_equal(e->index, 2);
    assert_int_equal(l->factory, 0x62);
    assert_int_equal(h->factory, 0xd9);
    assert_int_equal(e->factory, 0xff);
    assert_int_equal(e->writable, 0x07);
    assert_int_equal(ft_fuse_field(l, "CKSEL")->mask, 0x0f);
    assert_int_equal(ft_fuse_field(l, "SUT")->mask, 0x30);
    assert_int_equal(ft_fuse_field(l, "CKDIV8")->mask, 0x80);
    assert_int_equal(ft_fuse_field(l, "ckout")->mask, 0x40);
    assert_int_equal(ft_fuse_field(h, "BOOTSZ")->mask, 0x06);
    assert_int_equal(ft_fuse_field(h, "SPIEN")->mask, 0x20);
    assert_int_equal(ft_fuse_field(h, "DWEN")->mask, 0x40);
    assert_int_equal(ft_fuse_field(h, "RSTDISBL")->mask, 0x80);
    assert_int_equal(ft_fuse_field(e, "BODLEVEL")->mask, 0x07);
    const ft_fuse *which = NULL;
    assert_int_equal(ft_part_field(p, "EESAVE", &which)->mask, 0x08);
    assert_ptr_equal(which, h);
    assert_null(ft_part_field(p, "JTAGEN", NULL));
    assert_int_equal(p->lock.writable, 0x3f);
    assert_int_equal(p->ckdiv8_mask, 0x80);
    assert_true(p->nclocks > 0);
}

static void fact_m2560(void **state)
{
    const ft_part *p = ft_partdb_find(*state, "ATmega2560");
    assert_non_null(p);
    assert_string_equal(p->id, "m2560");
    assert_memory_equal(p->signature, "\x1e\x98\x01", 3);
    assert_int_equal(p->flash.size, 262144);
    assert_int_equal(p->flash.page_size, 256);
    assert_true(p->load_ext_addr);
    assert_int_equal(p->eeprom.size, 4096);
    assert_int_equal(p->eeprom.page_size, 8);
    assert_int_equal(p->eeprom.write_delay_us, 9000);
    assert_int_equal(p->chip_erase_delay_us, 9000);
    assert_int_equal(ft_part_fuse(p, "hfuse")->factory, 0x99);
    assert_int_equal(ft_part_field(p, "JTAGEN", NULL)->mask, 0x40);
    assert_int_equal(ft_part_field(p, "OCDEN", NULL)->mask, 0x80);
    assert_int_equal(ft_part_fuse(p, "efuse")->writable, 0x07);
}

static void fact_t85(void **state)
{
    const ft_part *p = ft_partdb_find(*state, "attiny85");
    assert_non_null(p);
    assert_string_equal(p->id, "t85");
    assert_memory_equal(p->signature, "\x1e\x93\x0b", 3);
    assert_int_equal(p->flash.size, 8192);
    assert_int_equal(p->flash.page_size, 64);
    assert_int_equal(p->eeprom.size, 512);
    assert_int_equal(p->eeprom.page_size, 4);
    assert_int_equal(p->eeprom.write_delay_us, 4000);
    assert_int_equal(ft_part_fuse(p, "lfuse")->factory, 0x62);
    assert_int_equal(ft_part_fuse(p, "hfuse")->factory, 0xdf);
    const ft_fuse *f = NULL;
    assert_int_equal(ft_part_field(p, "RSTDISBL", &f)->mask, 0x80);
    assert_string_equal(f->name, "hfuse");
    assert_int_equal(ft_part_field(p, "SELFPRGEN", &f)->mask, 0x01);
    assert_string_equal(f->name, "efuse");
    assert_int_equal(ft_part_fuse(p, "efuse")->writable, 0x01);
}

static void fact_m1284p(void **state)
{
    const ft_part *p = ft_partdb_find(*state, "m1284p");
    assert_non_null(p);
    assert_memory_equal(p->signature, "\x1e\x97\x05", 3);
    assert_int_equal(p->flash.size, 131072);
    assert_int_equal(p->flash.page_size, 256);
    assert_false(p->load_ext_addr);   /* exactly 128 KiB: 16-bit word addresses suffice */
    assert_int_equal(p->eeprom.size, 4096);
    assert_int_equal(p->eeprom.page_size, 8);
    assert_non_null(ft_part_field(p, "JTAGEN", NULL));
    assert_int_equal(ft_part_field(p, "CKSEL", NULL)->mask, 0x0f);
}

static void fact_t13a(void **state)
{
    const ft_part *p = ft_partdb_find(*state, "t13a");
    assert_non_null(p);
    assert_string_equal(p->name, "ATtiny13A");
    assert_memory_equal(p->signature, "\x1e\x90\x07", 3);
    assert_int_equal(p->flash.size, 1024);
    assert_int_equal(p->flash.page_size, 32);
    assert_int_equal(p->eeprom.size, 64);
    assert_int_equal(p->eeprom.page_size, 4);
    assert_int_equal(p->nfuses, 2);
    assert_null(ft_part_fuse(p, "efuse"));
    assert_int_equal(ft_part_fuse(p, "lfuse")->factory, 0x6a);
    assert_int_equal(ft_part_fuse(p, "hfuse")->factory, 0xff);
    const ft_fuse *f = NULL;
    assert_int_equal(ft_part_field(p, "CKSEL", &f)->mask, 0x03);
    assert_string_equal(f->name, "lfuse");
    assert_int_equal(ft_part_field(p, "CKDIV8", NULL)->mask, 0x10);
    assert_int_equal(ft_part_field(p, "SPIEN", NULL)->mask, 0x80);
    assert_int_equal(ft_part_field(p, "DWEN", &f)->mask, 0x08);
    assert_string_equal(f->name, "hfuse");
    assert_int_equal(p->ckdiv8_mask, 0x10);
}

static void one_fuse_part(void **state)
{
    const ft_part *p = ft_partdb_find(*state, "t12");
    if (!p)
        p = ft_partdb_find(*state, "8515");
    assert_non_null(p);
    assert_non_null(ft_part_fuse(p, "fuse"));
    assert_null(ft_part_fuse(p, "lfuse"));
    assert_int_equal(ft_part_mem_size(p, "fuse"), 1);
}

static void default_path(void **state)
{
    (void)state;
    char *saved = getenv("FTISP_PARTS") ? strdup(getenv("FTISP_PARTS")) : NULL;
    setenv("FTISP_PARTS", "/x/y.conf", 1);
    assert_string_equal(ft_partdb_default_path(), "/x/y.conf");
    unsetenv("FTISP_PARTS");
    /* This test binary lives in a build dir's tests/: the checkout's file. */
    const char *d = ft_partdb_default_path();
    assert_non_null(strstr(d, "parts.conf"));
    const char *root = getenv("FTISP_ROOT");
    char exe[4096] = "", prefix[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = '\0';
    if (root)
        snprintf(prefix, sizeof prefix, "%s/build", root);
    if (root && strncmp(exe, prefix, strlen(prefix)) == 0) {
        char want[4096];
        snprintf(want, sizeof want, "%s/data/parts.conf", root);
        assert_string_equal(d, want);
    }
    if (saved) {
        setenv("FTISP_PARTS", saved, 1);
        free(saved);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_good),
        cmocka_unit_test(replace_same_id),
        cmocka_unit_test(parse_errors),
        cmocka_unit_test(load_missing_file),
        cmocka_unit_test(lookups),
        cmocka_unit_test(fact_m328p),
        cmocka_unit_test(fact_tpi_parts),
        cmocka_unit_test(fact_m2560),
        cmocka_unit_test(fact_t85),
        cmocka_unit_test(fact_m1284p),
        cmocka_unit_test(fact_t13a),
        cmocka_unit_test(one_fuse_part),
        cmocka_unit_test(default_path),
    };
    return cmocka_run_group_tests(tests, load_db, free_db);
}
