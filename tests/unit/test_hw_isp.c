/* The ISP layer against the emulated FT232H and AVR target (run with
 * LD_PRELOAD of build/emu/libftemu.so). Each scenario runs in a child process
 * with its own FTEMU_* settings, since the emulator reads them at the first
 * USB call; the parent then checks the emulator's memory dumps and
 * statistics in FTEMU_OUT, which see the target's cells directly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "ftisp/isp.h"
#include "ftisp/wire.h"
#include "ftisp/partdb.h"

#define CHECK(cond, ...)                                                      \
    do {                                                                      \
        if (!(cond)) {                                                        \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                     \
            fputc('\n', stderr);                                              \
            return 1;                                                         \
        }                                                                     \
    } while (0)

static char outdir[256];

static void cleanup_outdir(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", outdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", outdir);
}

static void run_child(int (*fn)(void), const char *const *env)
{
    const char *pre = getenv("LD_PRELOAD");
    if (!pre || !strstr(pre, "libftemu")) {
        fail_msg("run with LD_PRELOAD=$BUILD/emu/libftemu.so (tests/run-tests does)");
        return;
    }
    snprintf(outdir, sizeof outdir, "/tmp/ftisp-test-hw-isp.XXXXXX");
    assert_non_null(mkdtemp(outdir));
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        static const char *const clear[] = {"FTEMU_FAULT", "FTEMU_FUSES", "FTEMU_FCK", "FTEMU_PART",
                                            "FTEMU_ADAPTERS", "FTEMU_STATE", "FTEMU_FLASH",
                                            "FTEMU_EEPROM", "FTEMU_LOCK", NULL};
        for (int i = 0; clear[i]; i++)
            unsetenv(clear[i]);
        setenv("FTEMU_OUT", outdir, 1);
        if (!getenv("FTISP_PARTS"))
            setenv("FTISP_PARTS", "data/parts.conf", 1);
        for (int i = 0; env && env[i]; i++) {
            char kv[512];
            snprintf(kv, sizeof kv, "%s", env[i]);
            char *eq = strchr(kv, '=');
            if (eq) {
                *eq = '\0';
                setenv(kv, eq + 1, 1);
            }
        }
        exit(fn());
    }
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
        if (getenv("FTISP_KEEP"))
            fprintf(stderr, "emulator dumps kept in %s\n", outdir);
        else
            cleanup_outdir();
    }
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
}

static long read_file(const char *name, uint8_t *buf, long max)
{
    char path[400];
    snprintf(path, sizeof path, "%s/%s", outdir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    long n = (long)fread(buf, 1, (size_t)max, f);
    fclose(f);
    return n;
}

/* A number from stats.json: the first "key": value after the key. */
static double stat_num(const char *key)
{
    static char json[8192];
    long n = read_file("stats.json", (uint8_t *)json, sizeof json - 1);
    if (n < 0)
        return -1;
    json[n] = '\0';
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(json, pat);
    return p ? strtod(p + strlen(pat), NULL) : -1;
}

/* What no test run may show: instructions lost to a busy target, bytes
 * garbled by a too-fast SCK, an enable before the 20 ms. */
static void assert_clean_run(void)
{
    assert_int_equal((long)stat_num("sent_while_busy"), 0);
    assert_int_equal((long)stat_num("garbled_sck_bytes"), 0);
    assert_int_equal((long)stat_num("prog_enable_early"), 0);
    assert_int_equal((long)stat_num("unknown_instructions"), 0);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Deterministic test data with some runs of 0xFF. */
static void fill(uint8_t *b, uint32_t n, uint32_t seed)
{
    uint32_t x = seed * 2654435761u + 1;
    for (uint32_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        b[i] = (uint8_t)x;
    }
}

typedef struct session {
    ft_partdb db;
    const ft_part *part;
    ft_wire *w;
    ft_isp *isp;
    ft_err err;
} session;

static int open_session(session *s, const char *part)
{
    memset(s, 0, sizeof *s);
    ft_partdb_init(&s->db);
    int rc = ft_partdb_load(&s->db, getenv("FTISP_PARTS"), &s->err);
    CHECK(rc == FT_OK, "parts: %s", s->err.msg);
    s->part = ft_partdb_find(&s->db, part);
    CHECK(s->part != NULL, "no part %s", part);
    ft_wire_opts o;
    ft_wire_opts_default(&o);
    rc = ft_wire_open(&s->w, "avrftdi", &o, &s->err);
    CHECK(rc == FT_OK, "open: %s", s->err.msg);
    rc = ft_isp_new(&s->isp, s->w, s->part, &s->err);
    CHECK(rc == FT_OK, "isp: %s", s->err.msg);
    return 0;
}

static int enable(session *s, uint32_t hz)
{
    uint32_t used = 0;
    int rc = ft_isp_enable(s->isp, hz, FT_ISP_FLOOR_HZ, &used, &s->err);
    CHECK(rc == FT_OK, "enable at %u Hz: %d %s", hz, rc, s->err.msg);
    CHECK(used <= hz && used > 0, "used %u Hz", used);
    return 0;
}

static int close_session(session *s)
{
    int rc = ft_isp_leave(s->isp, &s->err);
    CHECK(rc == FT_OK, "leave: %s", s->err.msg);
    ft_isp_free(s->isp);
    ft_wire_close(s->w);
    ft_partdb_free(&s->db);
    return 0;
}

/* ---- scenarios (children) ---- */

static int sc_signature(void)
{
    session s;
    if (open_session(&s, "m328p") || enable(&s, 200000))
        return 1;
    uint8_t sig[3] = {0};
    CHECK(ft_isp_read_signature(s.isp, sig, &s.err) == FT_OK, "%s", s.err.msg);
    CHECK(sig[0] == 0x1E && sig[1] == 0x95 && sig[2] == 0x0F, "signature %02X %02X %02X", sig[0], sig[1],
          sig[2]);
    uint8_t cal = 0;
    CHECK(ft_isp_read_calibration(s.isp, 0, &cal, &s.err) == FT_OK, "%s", s.err.msg);
    CHECK(cal != 0xFF, "calibration %02X", cal);
    return close_session(&s);
}

/* A factory part runs at 1 MHz: asking for 2 MHz must fall back to a clock
 * it can follow. */
static int sc_slow_fallback(void)
{
    session s;
    if (open_session(&s, "m328p"))
        return 1;
    uint32_t used = 0;
    int rc = ft_isp_enable(s.isp, 2000000, FT_ISP_FLOOR_HZ, &used, &s.err);
    CHECK(rc == FT_OK, "enable: %s", s.err.msg);
    CHECK(used <= 225000, "used %u Hz on a 1 MHz part at -10 %%", used);
    uint8_t sig[3];
    CHECK(ft_isp_read_signature(s.isp, sig, &s.err) == FT_OK, "%s", s.err.msg);
    CHECK(sig[1] == 0x95, "signature");
    return close_session(&s);
}

static int sc_no_target(void)
{
    session s;
    if (open_session(&s, "m328p"))
        return 1;
    double t0 = now_s();
    uint32_t used = 0;
    int rc = ft_isp_enable(s.isp, 200000, FT_ISP_FLOOR_HZ, &used, &s.err);
    CHECK(rc == FT_E_TARGET, "enable without target: %d %s", rc, s.err.msg);
    CHECK(strstr(s.err.msg, "wiring") && strstr(s.err.msg, "power") && strstr(s.err.msg, "RESET"),
          "hint: %s", s.err.msg);
    CHECK(now_s() - t0 < 3.0, "gave up after %.1f s", now_s() - t0);
    ft_isp_free(s.isp);
    ft_wire_close(s.w);
    ft_partdb_free(&s.db);
    return 0;
}

enum { F328 = 32768 };
static uint8_t img328[F328];

static int sc_flash_328(void)
{
    session s;
    if (open_session(&s, "m328p") || enable(&s, 2000000))
        return 1;
    fill(img328, F328, 1);
    memset(img328 + 5 * 128, 0xFF, 128); /* a blank page */
    uint32_t pages[F328 / 128];
    for (uint32_t i = 0; i < F328 / 128; i++)
        pages[i] = i * 128;
    CHECK(ft_isp_chip_erase(s.isp, &s.err) == FT_OK, "erase: %s", s.err.msg);
    CHECK(ft_isp_write_flash_pages(s.isp, img328, pages, F328 / 128, &s.err) == FT_OK, "write: %s", s.err.msg);
    static uint8_t back[F328];
    CHECK(ft_isp_read_flash(s.isp, 0, back, F328, &s.err) == FT_OK, "read: %s", s.err.msg);
    CHECK(memcmp(back, img328, F328) == 0, "read-back differs");
    /* an odd start and length */
    CHECK(ft_isp_read_flash(s.isp, 1001, back, 77, &s.err) == FT_OK, "read: %s", s.err.msg);
    CHECK(memcmp(back, img328 + 1001, 77) == 0, "odd read differs");
    return close_session(&s);
}

/* Benchmarks: 32 KiB written (after erase), then read, at SCK 2 MHz on a
 * 16 MHz Uno; modeled seconds printed against the physical floor. */
static int sc_bench_write(void)
{
    session s;
    if (open_session(&s, "m328p") || enable(&s, 2000000))
        return 1;
    fill(img328, F328, 2);
    uint32_t pages[F328 / 128];
    for (uint32_t i = 0; i < F328 / 128; i++)
        pages[i] = i * 128;
    CHECK(ft_isp_chip_erase(s.isp, &s.err) == FT_OK, "erase: %s", s.err.msg);
    CHECK(ft_isp_write_flash_pages(s.isp, img328, pages, F328 / 128, &s.err) == FT_OK, "write: %s", s.err.msg);
    return close_session(&s);
}

static int sc_bench_read(void)
{
    session s;
    if (open_session(&s, "m328p") || enable(&s, 2000000))
        return 1;
    static uint8_t back[F328];
    CHECK(ft_isp_read_flash(s.isp, 0, back, F328, &s.err) == FT_OK, "read: %s", s.err.msg);
    CHECK(memcmp(back, img328, F328) == 0, "read-back differs from FTEMU_FLASH");
    return close_session(&s);
}

enum { F2560 = 262144 };
static uint8_t img2560[F2560];
static const uint32_t pages2560[] = {0x1FE00, 0x1FF00, 0x20000, 0x20100, 0x3FF00, 0x100};

static int sc_flash_2560(void)
{
    session s;
    if (open_session(&s, "m2560") || enable(&s, 200000))
        return 1;
    CHECK(s.part->load_ext_addr, "m2560 should need Load Extended Address");
    memset(img2560, 0xFF, F2560);
    for (size_t i = 0; i < sizeof pages2560 / sizeof pages2560[0]; i++)
        fill(img2560 + pages2560[i], 256, (uint32_t)i + 10);
    CHECK(ft_isp_write_flash_pages(s.isp, img2560, pages2560, sizeof pages2560 / sizeof pages2560[0], &s.err) ==
              FT_OK,
          "write: %s", s.err.msg);
    static uint8_t back[1024];
    CHECK(ft_isp_read_flash(s.isp, 0x1FE00, back, 1024, &s.err) == FT_OK, "read: %s", s.err.msg);
    for (uint32_t i = 0; i < 1024; i++)
        CHECK(back[i] == img2560[0x1FE00 + i], "read across 128 KiB: 0x%x is %02X, expected %02X", 0x1FE00 + i,
              back[i], img2560[0x1FE00 + i]);
    CHECK(ft_isp_read_flash(s.isp, 0x3FF00, back, 256, &s.err) == FT_OK, "read: %s", s.err.msg);
    CHECK(memcmp(back, img2560 + 0x3FF00, 256) == 0, "last page differs");
    CHECK(ft_isp_read_flash(s.isp, 0x100, back, 256, &s.err) == FT_OK, "read: %s", s.err.msg);
    CHECK(memcmp(back, img2560 + 0x100, 256) == 0, "low page after high differs");
    return close_session(&s);
}

/* A part without Poll RDY/BSY: the datasheet delays, waited on the host. */
static int sc_no_rdybsy(void)
{
    session s;
    if (open_session(&s, "m163") || enable(&s, 200000))
        return 1;
    CHECK(!s.part->has_rdybsy, "m163 has no RDY/BSY in the database");
    static uint8_t img[16384];
    memset(img, 0xFF, sizeof img);
    fill(img + 0x80, 3 * 128, 21);
    const uint32_t pages[] = {0x80, 0x100, 0x180};
    CHECK(ft_isp_write_flash_pages(s.isp, img, pages, 3, &s.err) == FT_OK, "write: %s", s.err.msg);
    uint8_t back[3 * 128];
    CHECK(ft_isp_read_flash(s.isp, 0x80, back, sizeof back, &s.err) == FT_OK, "read: %s", s.err.msg);
    CHECK(memcmp(back, img + 0x80, sizeof back) == 0, "read-back differs");
    uint8_t v = 0x5A;
    CHECK(ft_isp_write_eeprom(s.isp, 7, &v, NULL, 1, &s.err) == FT_OK, "eeprom: %s", s.err.msg);
    CHECK(ft_isp_read_eeprom(s.isp, 7, back, 1, &s.err) == FT_OK && back[0] == 0x5A, "eeprom read %02X", back[0]);
    return close_session(&s);
}

static uint8_t ee_want[1024];

static int sc_eeprom_page(void)
{
    session s;
    if (open_session(&s, "m328p") || enable(&s, 200000))
        return 1;
    CHECK(s.part->eeprom.paged, "m328p EEPROM is paged");
    memset(ee_want, 0xFF, sizeof ee_want);
    uint8_t data[64], mask[64];
    fill(data, 64, 5);
    CHECK(ft_isp_write_eeprom(s.isp, 10, data, NULL, 64, &s.err) == FT_OK, "write: %s", s.err.msg);
    memcpy(ee_want + 10, data, 64);
    /* a sparse mask: bytes of partly written pages must keep their value */
    fill(data, 64, 6);
    for (int i = 0; i < 64; i++)
        mask[i] = (uint8_t)(i % 5 == 0);
    CHECK(ft_isp_write_eeprom(s.isp, 20, data, mask, 64, &s.err) == FT_OK, "write: %s", s.err.msg);
    for (int i = 0; i < 64; i++)
        if (mask[i])
            ee_want[20 + i] = data[i];
    static uint8_t back[1024];
    CHECK(ft_isp_read_eeprom(s.isp, 0, back, 1024, &s.err) == FT_OK, "read: %s", s.err.msg);
    for (int i = 0; i < 1024; i++)
        CHECK(back[i] == ee_want[i], "EEPROM[%d] = %02X, expected %02X", i, back[i], ee_want[i]);
    return close_session(&s);
}

static int sc_eeprom_byte(void)
{
    session s;
    if (open_session(&s, "m8") || enable(&s, 200000))
        return 1;
    CHECK(!s.part->eeprom.paged, "m8 EEPROM is byte-written");
    memset(ee_want, 0xFF, sizeof ee_want);
    uint8_t data[40], mask[40];
    fill(data, 40, 7);
    for (int i = 0; i < 40; i++)
        mask[i] = (uint8_t)(i % 3 != 0);
    CHECK(ft_isp_write_eeprom(s.isp, 500 - 40, data, mask, 40, &s.err) == FT_OK, "write: %s", s.err.msg);
    for (int i = 0; i < 40; i++)
        if (mask[i])
            ee_want[460 + i] = data[i];
    static uint8_t back[512];
    CHECK(ft_isp_read_eeprom(s.isp, 0, back, 512, &s.err) == FT_OK, "read: %s", s.err.msg);
    for (int i = 0; i < 512; i++)
        CHECK(back[i] == ee_want[i], "EEPROM[%d] = %02X, expected %02X", i, back[i], ee_want[i]);
    return close_session(&s);
}

static int sc_fuses(void)
{
    session s;
    if (open_session(&s, "m328p") || enable(&s, 200000))
        return 1;
    uint8_t f[3], lock;
    for (int i = 0; i < 3; i++)
        CHECK(ft_isp_read_fuse(s.isp, i, &f[i], &s.err) == FT_OK, "read fuse %d: %s", i, s.err.msg);
    CHECK(f[0] == 0x62 && f[1] == 0xD9 && f[2] == 0xFF, "factory fuses %02X %02X %02X", f[0], f[1], f[2]);
    CHECK(ft_isp_write_fuse(s.isp, 0, 0xE2, &s.err) == FT_OK, "%s", s.err.msg);
    CHECK(ft_isp_write_fuse(s.isp, 2, 0xFD, &s.err) == FT_OK, "%s", s.err.msg);
    CHECK(ft_isp_read_fuse(s.isp, 0, &f[0], &s.err) == FT_OK, "%s", s.err.msg);
    CHECK(ft_isp_read_fuse(s.isp, 2, &f[2], &s.err) == FT_OK, "%s", s.err.msg);
    CHECK(f[0] == 0xE2 && f[2] == 0xFD, "fuses after write %02X %02X", f[0], f[2]);
    CHECK(ft_isp_read_lock(s.isp, &lock, &s.err) == FT_OK, "%s", s.err.msg);
    CHECK(lock == 0xFF, "factory lock %02X", lock);
    CHECK(ft_isp_write_lock(s.isp, 0xFC, &s.err) == FT_OK, "%s", s.err.msg);
    CHECK(ft_isp_read_lock(s.isp, &lock, &s.err) == FT_OK, "%s", s.err.msg);
    CHECK(lock == 0xFC, "lock after write %02X", lock);
    CHECK(ft_isp_chip_erase(s.isp, &s.err) == FT_OK, "%s", s.err.msg);
    CHECK(ft_isp_read_lock(s.isp, &lock, &s.err) == FT_OK, "%s", s.err.msg);
    CHECK(lock == 0xFF, "lock after chip erase %02X", lock);
    return close_session(&s);
}

static int sc_unplug(void)
{
    session s;
    if (open_session(&s, "m328p") || enable(&s, 200000))
        return 1;
    fill(img328, F328, 3);
    uint32_t pages[64];
    for (uint32_t i = 0; i < 64; i++)
        pages[i] = i * 128;
    double t0 = now_s();
    int rc = ft_isp_write_flash_pages(s.isp, img328, pages, 64, &s.err);
    double dt = now_s() - t0;
    CHECK(rc == FT_E_LOST, "write with cable pulled: %d %s", rc, s.err.msg);
    CHECK(dt < 1.0, "noticed after %.2f s", dt);
    ft_isp_free(s.isp);
    ft_wire_close(s.w);
    ft_partdb_free(&s.db);
    return 0;
}

/* ---- tests (parent) ---- */

static const char *const UNO[] = {"FTEMU_FUSES=ff,de,fd", "FTEMU_FCK=16000000", NULL};

static void test_signature(void **state)
{
    (void)state;
    run_child(sc_signature, NULL);
    assert_clean_run();
    cleanup_outdir();
}

static void test_slow_fallback(void **state)
{
    (void)state;
    run_child(sc_slow_fallback, NULL);
    cleanup_outdir();
}

static void test_no_target(void **state)
{
    (void)state;
    static const char *const env[] = {"FTEMU_FAULT=no_target", NULL};
    run_child(sc_no_target, env);
    cleanup_outdir();
}

static void test_flash_328(void **state)
{
    (void)state;
    run_child(sc_flash_328, UNO);
    assert_clean_run();
    static uint8_t dump[F328];
    assert_int_equal(read_file("flash.bin", dump, F328), F328);
    fill(img328, F328, 1);
    memset(img328 + 5 * 128, 0xFF, 128);
    assert_memory_equal(dump, img328, F328);
    cleanup_outdir();
}

static void test_bench_328(void **state)
{
    (void)state;
    run_child(sc_bench_write, UNO);
    assert_clean_run();
    double w = stat_num("total"), busy = stat_num("target_busy");
    static uint8_t dump[F328];
    assert_int_equal(read_file("flash.bin", dump, F328), F328);
    fill(img328, F328, 2);
    assert_memory_equal(dump, img328, F328);
    char flash[400];
    snprintf(flash, sizeof flash, "%s/flash.bin", outdir);
    char *keep = strdup(flash);
    char olddir[256];
    snprintf(olddir, sizeof olddir, "%s", outdir);

    char envflash[460];
    snprintf(envflash, sizeof envflash, "FTEMU_FLASH=%s", keep);
    const char *env[] = {UNO[0], UNO[1], envflash, NULL};
    run_child(sc_bench_read, env);
    assert_clean_run();
    double r = stat_num("total");
    cleanup_outdir();
    snprintf(outdir, sizeof outdir, "%s", olddir);
    cleanup_outdir();
    free(keep);
    /* floor: 32 SCK cycles per byte, the busy time, 20 ms of RESET */
    double fw = 32.0 * F328 / 2e6 + busy + 0.020, fr = 32.0 * F328 / 2e6 + 0.020;
    printf("bench m328p 32 KiB at SCK 2 MHz (modeled, incl. open/enable): write %.3f s (floor %.3f s, "
           "busy %.3f s), read %.3f s (floor %.3f s)\n",
           w, fw, busy, r, fr);
    assert_true(w < fw * 1.25 + 0.05);
    assert_true(r < fr * 1.25 + 0.05);
}

static void test_flash_2560(void **state)
{
    (void)state;
    static const char *const env[] = {"FTEMU_PART=m2560", NULL};
    run_child(sc_flash_2560, env);
    assert_clean_run();
    static uint8_t dump[F2560];
    assert_int_equal(read_file("flash.bin", dump, F2560), F2560);
    memset(img2560, 0xFF, F2560);
    for (size_t i = 0; i < sizeof pages2560 / sizeof pages2560[0]; i++)
        fill(img2560 + pages2560[i], 256, (uint32_t)i + 10);
    assert_memory_equal(dump, img2560, F2560);
    assert_true(stat_num("load_ext_addr") >= 2);
    cleanup_outdir();
}

static void test_no_rdybsy(void **state)
{
    (void)state;
    static const char *const env[] = {"FTEMU_PART=m163", NULL};
    run_child(sc_no_rdybsy, env);
    assert_clean_run();
    assert_int_equal((long)stat_num("poll"), 0);
    cleanup_outdir();
}

static void test_eeprom_page(void **state)
{
    (void)state;
    run_child(sc_eeprom_page, NULL);
    assert_clean_run();
    assert_true(stat_num("write_ee_page") > 0);
    assert_int_equal((long)stat_num("write_ee_byte"), 0);
    cleanup_outdir();
}

static void test_eeprom_byte(void **state)
{
    (void)state;
    static const char *const env[] = {"FTEMU_PART=m8", NULL};
    run_child(sc_eeprom_byte, env);
    assert_clean_run();
    assert_int_equal((long)stat_num("write_ee_byte"), 26);
    assert_int_equal((long)stat_num("write_ee_page"), 0);
    cleanup_outdir();
}

static void test_fuses(void **state)
{
    (void)state;
    run_child(sc_fuses, NULL);
    assert_clean_run();
    uint8_t f[3];
    assert_int_equal(read_file("fuses.bin", f, 3), 3);
    assert_int_equal(f[0], 0xE2);
    assert_int_equal(f[2], 0xFD);
    cleanup_outdir();
}

static void test_unplug(void **state)
{
    (void)state;
    static const char *const env[] = {"FTEMU_FAULT=unplug_after=40", NULL};
    run_child(sc_unplug, env);
    cleanup_outdir();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signature),   cmocka_unit_test(test_slow_fallback),
        cmocka_unit_test(test_no_target),   cmocka_unit_test(test_flash_328),
        cmocka_unit_test(test_bench_328),   cmocka_unit_test(test_flash_2560),
        cmocka_unit_test(test_eeprom_page), cmocka_unit_test(test_eeprom_byte),
        cmocka_unit_test(test_fuses),       cmocka_unit_test(test_unplug),
        cmocka_unit_test(test_no_rdybsy),
    };
    if (getenv("TEST_FILTER"))
        cmocka_set_test_filter(getenv("TEST_FILTER"));
    return cmocka_run_group_tests(tests, NULL, NULL);
}
