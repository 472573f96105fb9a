/* The station's pieces that need no adapter: its options, serial number
 * encodings, the counter file and its journal, hex bytes from a command. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ftisp/cli.h"
#include "../../src/station/station_priv.h"

static int parse(ft_cli *cli, ft_err *err, const char *const *args)
{
    char *argv[32];
    int argc = 0;
    argv[argc++] = "ftisp";
    while (*args)
        argv[argc++] = (char *)*args++;
    argv[argc] = NULL;
    memset(err, 0, sizeof *err);
    return ft_cli_parse(cli, argc, argv, err);
}

static void options(void **state)
{
    (void)state;
    ft_cli cli;
    ft_err err;
    const char *a[] = {"-p", "m328p", "-P", "usb:A", "-Pusb:B", "--loop", "--serial", "eeprom:0x10:be3:7:2",
                       "-x", "led_pass=5", "--serial-file=/tmp/x", "--poll", "10", NULL};
    assert_int_equal(parse(&cli, &err, a), FT_OK);
    assert_int_equal(cli.station.nports, 2);
    assert_string_equal(cli.station.ports[1], "usb:B");
    assert_true(cli.station.loop);
    assert_true(ft_station_wanted(&cli.station));
    const ft_patch_spec *p = &cli.station.patches[0];
    assert_string_equal(p->memory, "eeprom");
    assert_int_equal(p->addr, 0x10);
    assert_int_equal(p->enc, FT_SER_BE);
    assert_int_equal(p->width, 3);
    assert_int_equal(p->start, 7);
    assert_int_equal(p->step, 2);
    assert_int_equal(cli.station.led_pass, 5);
    assert_int_equal(cli.station.led_fail, -1);
    assert_string_equal(cli.station.serial_file, "/tmp/x");
    ft_cli_free(&cli);

    const char *one[] = {"-p", "m328p", "-P", "usb:A", NULL};
    assert_int_equal(parse(&cli, &err, one), FT_OK);
    assert_false(ft_station_wanted(&cli.station));
    ft_cli_free(&cli);
    const char *all[] = {"-p", "m328p", "-P", "usb:all", NULL};
    assert_int_equal(parse(&cli, &err, all), FT_OK);
    assert_true(ft_station_wanted(&cli.station));
    ft_cli_free(&cli);

    static const char *const bad[][3] = {
        {"--serial", "flash:0x10:le0", NULL},   {"--serial", "flash:0x10:le9", NULL},
        {"--serial", "fuse:0:le1", NULL},       {"--serial", "flash:zz:le1", NULL},
        {"--serial", "flash:0:dec21", NULL},    {"--serial", "flash:0:hex4:1:0", NULL},
        {"--serial", "flash:0:oct4", NULL},     {"--serial", "flash:0:le4:-1", NULL},
        {"-x", "led_busy=3", NULL},             {"--patch-cmd", "flash:0:", NULL},
        {"--poll", "0", NULL},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *b[] = {"-p", "m328p", bad[i][0], bad[i][1], NULL};
        assert_int_equal(parse(&cli, &err, b), FT_E_USAGE);
        assert_true(strlen(err.msg) > 10);
        ft_cli_free(&cli);
    }
}

static void encodings(void **state)
{
    (void)state;
    ft_patch_spec p = {.enc = FT_SER_LE, .width = 4};
    uint8_t b[32];
    int n;
    ft_err err = {0};
    assert_int_equal(st_serial_encode(&p, 0x01020304, b, &n, &err), FT_OK);
    assert_int_equal(n, 4);
    assert_memory_equal(b, "\x04\x03\x02\x01", 4);
    p.enc = FT_SER_BE;
    assert_int_equal(st_serial_encode(&p, 0x01020304, b, &n, &err), FT_OK);
    assert_memory_equal(b, "\x01\x02\x03\x04", 4);
    p.width = 1;
    assert_int_equal(st_serial_encode(&p, 256, b, &n, &err), FT_E_INPUT);
    p.width = 8;
    assert_int_equal(st_serial_encode(&p, UINT64_MAX, b, &n, &err), FT_OK);
    p.enc = FT_SER_DEC;
    p.width = 6;
    assert_int_equal(st_serial_encode(&p, 42, b, &n, &err), FT_OK);
    assert_memory_equal(b, "000042", 6);
    assert_int_equal(st_serial_encode(&p, 1000000, b, &n, &err), FT_E_INPUT);
    p.enc = FT_SER_HEX;
    p.width = 4;
    assert_int_equal(st_serial_encode(&p, 0xbeef, b, &n, &err), FT_OK);
    assert_memory_equal(b, "BEEF", 4);
    assert_int_equal(st_serial_encode(&p, 0x10000, b, &n, &err), FT_E_INPUT);

    ft_err e2 = {0};
    assert_int_equal(st_parse_hex_bytes("c", "de:ad be-ef\n", b, 8, &n, &e2), FT_OK);
    assert_int_equal(n, 4);
    assert_memory_equal(b, "\xde\xad\xbe\xef", 4);
    assert_int_equal(st_parse_hex_bytes("c", "abc", b, 8, &n, &e2), FT_E_INPUT);
    ft_err e3 = {0};
    assert_int_equal(st_parse_hex_bytes("c", "", b, 8, &n, &e3), FT_E_INPUT);
    ft_err e4 = {0};
    assert_int_equal(st_parse_hex_bytes("c", "0x12", b, 8, &n, &e4), FT_E_INPUT);
    ft_err e5 = {0};
    assert_int_equal(st_parse_hex_bytes("c", "0102030405", b, 4, &n, &e5), FT_E_INPUT);
}

static void counter_file(void **state)
{
    (void)state;
    char dir[] = "/tmp/ftisp-station-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128], buf[256];
    snprintf(path, sizeof path, "%s/counter", dir);
    ft_station_opts o;
    ft_station_opts_init(&o);
    o.serial_file = path;
    ft_patch_spec p = {.is_serial = true, .enc = FT_SER_LE, .width = 4, .start = 100, .step = 5};
    uint64_t a, b, c;
    ft_err err = {0};
    assert_int_equal(st_serial_next(&o, &p, "X#1", &a, &err), FT_OK);
    assert_int_equal(st_serial_next(&o, &p, "X#2", &b, &err), FT_OK);
    assert_int_equal(a, 100);
    assert_int_equal(b, 105);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    assert_non_null(fgets(buf, sizeof buf, f));
    fclose(f);
    assert_string_equal(buf, "next 110\n");
    assert_int_equal(st_serial_done(&o, a, false, "X#1", &err), FT_OK);
    assert_int_equal(st_serial_done(&o, b, true, "X#2", &err), FT_OK);
    /* a failed number is not handed out again... */
    assert_int_equal(st_serial_next(&o, &p, "X#3", &c, &err), FT_OK);
    assert_int_equal(c, 110);
    /* ...unless asked, and then once */
    o.serial_reuse = true;
    assert_int_equal(st_serial_next(&o, &p, "X#4", &c, &err), FT_OK);
    assert_int_equal(c, 100);
    assert_int_equal(st_serial_next(&o, &p, "X#5", &c, &err), FT_OK);
    assert_int_equal(c, 115);
    snprintf(buf, sizeof buf, "%s.log", path);
    f = fopen(buf, "r");
    assert_non_null(f);
    int lines = 0, reissued = 0;
    while (fgets(buf, sizeof buf, f)) {
        lines++;
        reissued += strstr(buf, "100 reissued X#4") == buf;
    }
    fclose(f);
    assert_int_equal(lines, 7);
    assert_int_equal(reissued, 1);
    /* a damaged counter is reported, not guessed at */
    f = fopen(path, "w");
    fputs("nonsense\n", f);
    fclose(f);
    o.serial_reuse = false;
    ft_err e2 = {0};
    assert_int_equal(st_serial_next(&o, &p, "X#6", &c, &e2), FT_E_INPUT);
    assert_non_null(strstr(e2.msg, "counter:1: expected \"next NUMBER\""));
    /* --serial-cmd */
    o.serial_cmd = "echo ' 4242'";
    assert_int_equal(st_serial_next(&o, &p, "X#7", &c, &err), FT_OK);
    assert_int_equal(c, 4242);
    o.serial_cmd = "echo none";
    ft_err e3 = {0};
    assert_int_equal(st_serial_next(&o, &p, "X#8", &c, &e3), FT_E_INPUT);
    o.serial_cmd = "exit 3";
    ft_err e4 = {0};
    assert_int_equal(st_serial_next(&o, &p, "X#9", &c, &e4), FT_E_FAIL);
    snprintf(buf, sizeof buf, "rm -rf '%s'", dir);
    assert_int_equal(system(buf), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(options),
        cmocka_unit_test(encodings),
        cmocka_unit_test(counter_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
