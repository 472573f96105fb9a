/* The MPSSE layer against the emulated FT232H (run with LD_PRELOAD of
 * build/emu/libftemu.so). The emulator reads its settings at the first USB
 * call of a process, so every scenario runs in a child process with its own
 * FTEMU_* environment. */
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

#include "ftisp/mpsse.h"

#define CHECK(cond, ...)                                                      \
    do {                                                                      \
        if (!(cond)) {                                                        \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                     \
            fputc('\n', stderr);                                              \
            return 1;                                                         \
        }                                                                     \
    } while (0)

/* Runs fn in a child with the given NAME=VALUE settings (NULL-terminated). */
static void run_child(int (*fn)(void), const char *const *env)
{
    const char *pre = getenv("LD_PRELOAD");
    if (!pre || !strstr(pre, "libftemu")) {
        fail_msg("run with LD_PRELOAD=$BUILD/emu/libftemu.so (tests/run-tests does)");
        return;
    }
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        static const char *const clear[] = {"FTEMU_FAULT", "FTEMU_FUSES", "FTEMU_FCK", "FTEMU_OUT",
                                            "FTEMU_PART", "FTEMU_ADAPTERS", "FTEMU_STATE", NULL};
        for (int i = 0; clear[i]; i++)
            unsetenv(clear[i]);
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
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int open_default(ft_mpsse **m, ft_err *err)
{
    ft_mpsse_opts o;
    ft_wire_opts_default(&o);
    return ft_mpsse_open(m, &o, err);
}

static int sc_open(void)
{
    ft_mpsse *m;
    ft_err err = {0};
    int rc = open_default(&m, &err);
    CHECK(rc == FT_OK, "open: %d %s", rc, err.msg);
    CHECK(strstr(ft_mpsse_describe(m), "FT232H") != NULL, "describe: %s", ft_mpsse_describe(m));
    CHECK(strcmp(ft_mpsse_serial(m), "FTEMU001") == 0, "serial: %s", ft_mpsse_serial(m));
    CHECK(ft_mpsse_fifo_size(m) == 1024, "fifo %zu", ft_mpsse_fifo_size(m));
    CHECK(ft_mpsse_error(m) == FT_OK, "sticky error after open");
    ft_mpsse_close(m);
    return 0;
}

static int sc_open_by_serial_and_bus(void)
{
    ft_mpsse_opts o;
    ft_wire_opts_default(&o);
    ft_mpsse *m;
    ft_err err = {0};
    o.serial = "FTEMU002";
    int rc = ft_mpsse_open(&m, &o, &err);
    CHECK(rc == FT_OK, "open FTEMU002: %d %s", rc, err.msg);
    CHECK(strcmp(ft_mpsse_serial(m), "FTEMU002") == 0, "serial: %s", ft_mpsse_serial(m));
    ft_mpsse_close(m);

    o.serial = "NOSUCH";
    ft_err_clear(&err);
    rc = ft_mpsse_open(&m, &o, &err);
    CHECK(rc == FT_E_NODEV, "wrong serial: %d %s", rc, err.msg);
    CHECK(strstr(err.msg, "NOSUCH") != NULL, "message names the serial: %s", err.msg);

    o.serial = NULL;
    o.reset_pin = 1;
    ft_err_clear(&err);
    rc = ft_mpsse_open(&m, &o, &err);
    CHECK(rc == FT_E_USAGE, "reset on SDO accepted: %d", rc);
    return 0;
}

static int sc_channel_b(void)
{
    ft_mpsse_opts o;
    ft_wire_opts_default(&o);
    o.channel = 1;
    ft_mpsse *m;
    ft_err err = {0};
    int rc = ft_mpsse_open(&m, &o, &err);
    CHECK(rc == FT_OK, "open FT2232H channel B: %d %s", rc, err.msg);
    CHECK(strstr(ft_mpsse_describe(m), "FT2232H") && strstr(ft_mpsse_describe(m), "channel B"), "describe: %s",
          ft_mpsse_describe(m));
    CHECK(ft_mpsse_fifo_size(m) == 4096, "fifo %zu", ft_mpsse_fifo_size(m));
    ft_mpsse_set_sck(m, 200000);
    ft_mpsse_reset(m, true);
    CHECK(ft_mpsse_sleep_us(m, 21000) == FT_OK, "sleep");
    static uint8_t out[5000], in[5000];
    for (int i = 0; i < 5000; i++)
        out[i] = (uint8_t)(i & 0x7f);
    ft_mpsse_spi(m, out, in, sizeof out);
    CHECK(ft_mpsse_flush(m) == FT_OK, "flush");
    for (int i = 1; i < 5000; i++)
        CHECK(in[i] == out[i - 1], "byte %d: %02X, expected %02X", i, in[i], out[i - 1]);
    ft_mpsse_close(m);
    return 0;
}

static int sc_nodevice(void)
{
    ft_mpsse *m = NULL;
    ft_err err = {0};
    int rc = open_default(&m, &err);
    CHECK(rc == FT_E_NODEV, "open with no device: %d %s", rc, err.msg);
    CHECK(m == NULL, "handle set on failure");
    CHECK(strstr(err.msg, "no adapter") != NULL, "message: %s", err.msg);
    return 0;
}

static int sc_clock(void)
{
    ft_mpsse *m;
    ft_err err = {0};
    CHECK(open_default(&m, &err) == FT_OK, "open: %s", err.msg);
    static const uint32_t want[][2] = {
        {30000000, 30000000}, {2000000, 2000000}, {2670000, 2500000}, {2500000, 2500000},
        {250000, 250000}, {200000, 200000}, {1, 457}, {0, 457}, {100000000, 30000000},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        uint32_t got = ft_mpsse_set_sck(m, want[i][0]);
        CHECK(got == want[i][1], "set_sck(%u) = %u, expected %u", want[i][0], got, want[i][1]);
        CHECK(ft_mpsse_sck(m) == got, "sck() disagrees");
    }
    CHECK(ft_mpsse_flush(m) == FT_OK, "flush");
    ft_mpsse_close(m);
    return 0;
}

/* With RESET held low for 20 ms the target's SPI echoes each byte one byte
 * later: a check that replies land in the right place across many batches,
 * mixed with write-only shifts. */
static int sc_stream(void)
{
    ft_mpsse *m;
    ft_err err = {0};
    CHECK(open_default(&m, &err) == FT_OK, "open: %s", err.msg);
    ft_mpsse_set_sck(m, 200000);
    ft_mpsse_reset(m, true);
    CHECK(ft_mpsse_sleep_us(m, 21000) == FT_OK, "sleep");
    enum { N = 6000 };
    static uint8_t out[N], in[N];
    /* no 0xAC: that could start Programming Enable */
    for (int i = 0; i < N; i++)
        out[i] = (uint8_t)((i * 7 + 1) & 0x7f);
    memset(in, 0x55, sizeof in);
    ft_mpsse_stats s0, s1;
    ft_mpsse_get_stats(m, &s0);
    size_t i = 0;
    int k = 0;
    while (i < N) {
        size_t n = (size_t)(1 + (k * 37) % 700);
        if (n > N - i)
            n = N - i;
        bool want = k % 3 != 1;
        ft_mpsse_spi(m, out + i, want ? in + i : NULL, n);
        i += n;
        k++;
    }
    CHECK(ft_mpsse_flush(m) == FT_OK, "flush: %d", ft_mpsse_error(m));
    ft_mpsse_get_stats(m, &s1);
    i = 0;
    k = 0;
    int checked = 0;
    while (i < N) {
        size_t n = (size_t)(1 + (k * 37) % 700);
        if (n > N - i)
            n = N - i;
        for (size_t j = i; j < i + n; j++) {
            if (k % 3 == 1) {
                CHECK(in[j] == 0x55, "byte %zu written though no reply was asked for", j);
            } else if (j > 0) {
                CHECK(in[j] == out[j - 1], "byte %zu: got %02X, expected echo %02X", j, in[j], out[j - 1]);
                checked++;
            }
        }
        i += n;
        k++;
    }
    CHECK(checked > 3000, "too few bytes checked: %d", checked);
    CHECK(s1.writes - s0.writes >= 6, "expected several USB writes, got %llu",
          (unsigned long long)(s1.writes - s0.writes));
    CHECK(s1.bytes_in - s0.bytes_in >= (uint64_t)checked, "bytes_in %llu",
          (unsigned long long)(s1.bytes_in - s0.bytes_in));
    ft_mpsse_reset(m, false);
    CHECK(ft_mpsse_flush(m) == FT_OK, "flush");
    ft_mpsse_close(m);
    return 0;
}

/* A cable pulled mid-stream: FT_E_LOST, quickly, and it sticks. */
static int sc_unplug(void)
{
    ft_mpsse *m;
    ft_err err = {0};
    CHECK(open_default(&m, &err) == FT_OK, "open: %s", err.msg);
    ft_mpsse_set_sck(m, 1000000);
    static uint8_t buf[200000];
    double t0 = now_s();
    ft_mpsse_spi(m, buf, NULL, 100000);
    ft_mpsse_spi(m, buf, buf, 100000);
    int rc = ft_mpsse_flush(m);
    double dt = now_s() - t0;
    CHECK(rc == FT_E_LOST, "flush after unplug: %d", rc);
    CHECK(dt < 1.0, "took %.2f s to notice", dt);
    CHECK(ft_mpsse_error(m) == FT_E_LOST, "error did not stick");
    CHECK(ft_mpsse_flush(m) == FT_E_LOST, "second flush forgot the error");
    ft_err e2 = {0};
    CHECK(ft_mpsse_take_error(m, &e2) == FT_E_LOST, "take_error");
    CHECK(e2.code == FT_E_LOST && e2.msg[0], "message: %s", e2.msg);
    CHECK(ft_mpsse_error(m) == FT_OK, "error still set after take");
    t0 = now_s();
    ft_mpsse_close(m);
    CHECK(now_s() - t0 < 2.0, "close hung");
    return 0;
}

static void test_open(void **state)
{
    (void)state;
    run_child(sc_open, NULL);
}

static void test_open_by_serial(void **state)
{
    (void)state;
    static const char *const env[] = {"FTEMU_ADAPTERS=ft232h:FTEMU001,ft232h:FTEMU002", NULL};
    run_child(sc_open_by_serial_and_bus, env);
}

static void test_nodevice(void **state)
{
    (void)state;
    static const char *const env[] = {"FTEMU_FAULT=nodevice", NULL};
    run_child(sc_nodevice, env);
}

static void test_channel_b(void **state)
{
    (void)state;
    static const char *const env[] = {"FTEMU_ADAPTERS=ft2232h:FTEMU2", NULL};
    run_child(sc_channel_b, env);
}

static void test_clock(void **state)
{
    (void)state;
    run_child(sc_clock, NULL);
}

static void test_stream(void **state)
{
    (void)state;
    run_child(sc_stream, NULL);
}

static void test_unplug(void **state)
{
    (void)state;
    static const char *const env[] = {"FTEMU_FAULT=unplug_after=12", NULL};
    run_child(sc_unplug, env);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open),   cmocka_unit_test(test_open_by_serial),
        cmocka_unit_test(test_nodevice), cmocka_unit_test(test_clock),
        cmocka_unit_test(test_channel_b),
        cmocka_unit_test(test_stream), cmocka_unit_test(test_unplug),
    };
    if (getenv("TEST_FILTER"))
        cmocka_set_test_filter(getenv("TEST_FILTER"));
    return cmocka_run_group_tests(tests, NULL, NULL);
}
