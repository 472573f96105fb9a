/* The command line as avrdude users type it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "ftisp/cli.h"

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

static void glued_and_apart(void **state)
{
    (void)state;
    ft_cli cli;
    ft_err err;
    const char *a[] = {"-cft232h", "-p", "m328p", "-Uflash:w:main.hex:i", "-qq", "-B", "2MHz", NULL};
    assert_int_equal(parse(&cli, &err, a), FT_OK);
    assert_string_equal(cli.programmer, "ft232h");
    assert_string_equal(cli.part, "m328p");
    assert_int_equal(cli.nops, 1);
    assert_string_equal(cli.ops[0].memory, "flash");
    assert_int_equal(cli.ops[0].kind, FT_OP_WRITE);
    assert_string_equal(cli.ops[0].file, "main.hex");
    assert_int_equal(cli.ops[0].fmt, FT_FMT_IHEX);
    assert_int_equal(cli.verbosity, -2);
    assert_int_equal(cli.plan.sck_hz, 2000000);
    ft_cli_free(&cli);
}

static void long_options(void **state)
{
    (void)state;
    ft_cli cli;
    ft_err err;
    const char *a[] = {"--part=m2560", "--programmer", "ft2232h", "--memory", "eeprom:r:-:h",
                       "--fck=16MHz", "--allow", "clock,lock", "--json", "-x", "channel=B", NULL};
    assert_int_equal(parse(&cli, &err, a), FT_OK);
    assert_string_equal(cli.part, "m2560");
    assert_int_equal(cli.ops[0].kind, FT_OP_READ);
    assert_string_equal(cli.ops[0].file, "-");
    assert_int_equal(cli.ops[0].fmt, FT_FMT_HEX);
    assert_int_equal(cli.plan.fck_hz, 16000000);
    assert_int_equal(cli.plan.allow, FT_ALLOW_CLOCK | FT_ALLOW_LOCK);
    assert_true(cli.json);
    assert_int_equal(cli.channel, 1);
    ft_cli_free(&cli);
}

static void update_forms(void **state)
{
    (void)state;
    ft_opspec s;
    char *store;
    ft_err err = {0};
    assert_int_equal(ft_parse_update("main.hex", &s, &store, &err), FT_OK);
    assert_string_equal(s.memory, "flash");
    assert_int_equal(s.kind, FT_OP_WRITE);
    assert_int_equal(s.fmt, FT_FMT_AUTO);
    free(store);
    assert_int_equal(ft_parse_update("lfuse:w:0xff:m", &s, &store, &err), FT_OK);
    assert_string_equal(s.file, "0xff");
    assert_int_equal(s.fmt, FT_FMT_IMM);
    free(store);
    assert_int_equal(ft_parse_update("flash:x:a.hex", &s, &store, &err), FT_E_USAGE);
    assert_non_null(strstr(err.msg, "op r, w or v"));
    free(store);
    memset(&err, 0, sizeof err);
    assert_int_equal(ft_parse_update("flash:w:a.hex:q", &s, &store, &err), FT_E_USAGE);
    assert_non_null(strstr(err.msg, "unknown format 'q'"));
    free(store);
    /* avrdude 8: -U file:fmt, and colons in file names */
    assert_int_equal(ft_parse_update("main.hex:i", &s, &store, &err), FT_OK);
    assert_string_equal(s.memory, "flash");
    assert_string_equal(s.file, "main.hex");
    assert_int_equal(s.fmt, FT_FMT_IHEX);
    free(store);
    assert_int_equal(ft_parse_update("C:/fw/main.hex", &s, &store, &err), FT_OK);
    assert_string_equal(s.file, "C:/fw/main.hex");
    assert_int_equal(s.kind, FT_OP_WRITE);
    free(store);
    assert_int_equal(ft_parse_update("flash,eeprom:r:all.hex:I", &s, &store, &err), FT_OK);
    assert_string_equal(s.memory, "flash,eeprom");
    assert_int_equal(s.fmt, FT_FMT_IHEXC);
    free(store);
}

static void bitclock(void **state)
{
    (void)state;
    uint32_t hz;
    ft_err err = {0};
    assert_int_equal(ft_parse_bitclock("1", &hz, &err), FT_OK);
    assert_int_equal(hz, 1000000);
    assert_int_equal(ft_parse_bitclock("0.5", &hz, &err), FT_OK);
    assert_int_equal(hz, 2000000);
    assert_int_equal(ft_parse_bitclock("4us", &hz, &err), FT_OK);
    assert_int_equal(hz, 250000);
    assert_int_equal(ft_parse_bitclock("125kHz", &hz, &err), FT_OK);
    assert_int_equal(hz, 125000);
    assert_int_equal(ft_parse_bitclock("fast", &hz, &err), FT_E_USAGE);
    assert_string_equal(err.msg, "-B fast: expected a period in microseconds (\"8\", \"0.5us\") or a frequency "
                                 "with Hz, kHz or MHz (\"125kHz\")");
    memset(&err, 0, sizeof err);
    assert_int_equal(ft_parse_bitclock("0", &hz, &err), FT_E_USAGE);
    assert_string_equal(err.msg, "-B 0: expected a period in microseconds above 0");
    /* Impossible clocks are usage errors naming the range. */
    memset(&err, 0, sizeof err);
    assert_int_equal(ft_parse_bitclock("2000000", &hz, &err), FT_E_USAGE);
    assert_non_null(strstr(err.msg, "458 Hz to 30 MHz"));
    memset(&err, 0, sizeof err);
    assert_int_equal(ft_parse_bitclock("100Hz", &hz, &err), FT_E_USAGE);
    memset(&err, 0, sizeof err);
    assert_int_equal(ft_parse_bitclock("40MHz", &hz, &err), FT_E_USAGE);
    memset(&err, 0, sizeof err);
    assert_int_equal(ft_parse_bitclock("2183", &hz, &err), FT_OK);
    assert_int_equal(ft_parse_bitclock("30MHz", &hz, &err), FT_OK);
}

static void fck(void **state)
{
    (void)state;
    uint32_t hz = 0;
    ft_err err = {0};
    assert_int_equal(ft_parse_fck("16", &hz, &err), FT_OK);
    assert_int_equal(hz, 16000000);
    assert_int_equal(ft_parse_fck("7.3728", &hz, &err), FT_OK);
    assert_int_equal(hz, 7372800);
    assert_int_equal(ft_parse_fck("12MHz", &hz, &err), FT_OK);
    assert_int_equal(hz, 12000000);
    assert_int_equal(ft_parse_fck("16000000", &hz, &err), FT_OK);
    assert_int_equal(hz, 16000000);
    assert_int_equal(ft_parse_fck("32768", &hz, &err), FT_OK);
    assert_int_equal(hz, 32768);
    assert_int_equal(ft_parse_fck("16000", &hz, &err), FT_E_USAGE);
    assert_non_null(strstr(err.msg, "unit"));
    memset(&err, 0, sizeof err);
    assert_int_equal(ft_parse_fck("16Hz", &hz, &err), FT_E_USAGE);
    assert_non_null(strstr(err.msg, "2 kHz to 40 MHz"));
    memset(&err, 0, sizeof err);
    assert_int_equal(ft_parse_fck("100MHz", &hz, &err), FT_E_USAGE);
    /* every message names the option and what was expected */
    memset(&err, 0, sizeof err);
    assert_int_equal(ft_parse_fck("16GHz", &hz, &err), FT_E_USAGE);
    assert_string_equal(err.msg, "--fck 16GHz: expected a frequency, a number with Hz, kHz or MHz (\"125kHz\"), "
                                 "found \"GHz\"");
    memset(&err, 0, sizeof err);
    assert_int_equal(ft_parse_fck("0", &hz, &err), FT_E_USAGE);
    assert_string_equal(err.msg, "--fck 0: expected a frequency above 0 and up to 1 GHz");
    memset(&err, 0, sizeof err);
    assert_int_equal(ft_parse_freq("-b", "0.1", &hz, &err), FT_E_USAGE);
    assert_string_equal(err.msg, "-b 0.1: expected a frequency of 1 Hz or more");
}

static void ports(void **state)
{
    (void)state;
    ft_wire_opts o;
    ft_err err = {0};
    memset(&o, 0, sizeof o);
    assert_int_equal(ft_parse_port("usb:FT12AB", &o, &err), FT_OK);
    assert_string_equal(o.serial, "FT12AB");
    memset(&o, 0, sizeof o);
    assert_int_equal(ft_parse_port("usb:0403:6010:XY", &o, &err), FT_OK);
    assert_int_equal(o.vid, 0x0403);
    assert_int_equal(o.pid, 0x6010);
    assert_string_equal(o.serial, "XY");
    memset(&o, 0, sizeof o);
    assert_int_equal(ft_parse_port("usb:3/12", &o, &err), FT_OK);
    assert_int_equal(o.bus, 3);
    assert_int_equal(o.address, 12);
    assert_int_equal(ft_parse_port("/dev/ttyUSB0", &o, &err), FT_E_USAGE);
}

/* -T 'a; b' splits at ';' outside quotes; unknown -x is a warning */
static void avrdude8_syntax(void **state)
{
    (void)state;
    ft_cli cli;
    ft_err err;
    const char *a[] = {"-p", "m328p", "-U", "flash:r:x.bin:r", "-T",
                       "write eeprom 0 \"Bon;jour\"; write ee 0x18 0x12345678 ;dump eeprom 0 0x20;",
                       "-T", "config eesave", "-x", "list", "-x", "nosuch=3", NULL};
    assert_int_equal(parse(&cli, &err, a), FT_OK);
    assert_int_equal(cli.nterms, 4);
    assert_string_equal(cli.terms[0].cmd, "write eeprom 0 \"Bon;jour\"");
    assert_string_equal(cli.terms[1].cmd, "write ee 0x18 0x12345678");
    assert_string_equal(cli.terms[2].cmd, "dump eeprom 0 0x20");
    assert_string_equal(cli.terms[3].cmd, "config eesave");
    assert_int_equal(cli.terms[3].after, 1);
    assert_int_equal(cli.nxignored, 2);
    assert_string_equal(cli.xignored[1], "nosuch=3");
    ft_cli_free(&cli);
}

static void usage_errors(void **state)
{
    (void)state;
    ft_cli cli;
    ft_err err;
    /* avrdude 8: -e -D is the explicit erase and no automatic one */
    const char *a[] = {"-p", "m328p", "-e", "-D", NULL};
    assert_int_equal(parse(&cli, &err, a), FT_OK);
    assert_true(cli.plan.erase);
    ft_cli_free(&cli);
    const char *b[] = {"-p", NULL};
    assert_int_equal(parse(&cli, &err, b), FT_E_USAGE);
    assert_non_null(strstr(err.msg, "needs a value"));
    ft_cli_free(&cli);
    const char *c[] = {"--frobnicate", NULL};
    assert_int_equal(parse(&cli, &err, c), FT_E_USAGE);
    ft_cli_free(&cli);
    const char *d[] = {"--allow=everything", NULL};
    assert_int_equal(parse(&cli, &err, d), FT_E_USAGE);
    ft_cli_free(&cli);
}

/* avrdude 8.2's long names, -T/-t in order with -U, ignored options. */
static void avrdude8_options(void **state)
{
    (void)state;
    ft_cli cli;
    ft_err err;
    const char *a[] = {"--keep-trailing-0xff", "--test-memory", "--noverify-memory", "--quell",
                       "-T", "sig", "--memory=eeprom:r:-:h", "--command", "part -m", "--terminal",
                       "--noconfig", "-E", "reset", "-i", "10", "-r", "-O", "--exitspecs=vcc",
                       "--isp-clock-delay=3", "--reconnect", "--osccal", "-x", "help", NULL};
    assert_int_equal(parse(&cli, &err, a), FT_OK);
    assert_true(cli.plan.keep_ff);
    assert_true(cli.plan.dry_run);
    assert_true(cli.plan.no_verify);
    assert_int_equal(cli.verbosity, -1);
    assert_int_equal(cli.nterms, 3);
    assert_string_equal(cli.terms[0].cmd, "sig");
    assert_int_equal(cli.terms[0].after, 0);
    assert_string_equal(cli.terms[1].cmd, "part -m");
    assert_int_equal(cli.terms[1].after, 1);
    assert_null(cli.terms[2].cmd);
    assert_true(cli.noconfig);
    assert_true(cli.xhelp);
    assert_int_equal(cli.nignored, 8);
    assert_string_equal(cli.ignored[0], "-E");
    ft_cli_free(&cli);
    const char *b[] = {"-T", NULL};
    assert_int_equal(parse(&cli, &err, b), FT_E_USAGE);
    ft_cli_free(&cli);
    /* fuse settings by name through -U: config commands in place */
    const char *c[] = {"-U", "flash:w:a.hex", "-U", "config:w:eesave=ee_preserved,bodlevel=bod_2v7:m",
                       "-U", "eeprom:r:-:h", NULL};
    assert_int_equal(parse(&cli, &err, c), FT_OK);
    assert_int_equal(cli.nops, 2);
    assert_int_equal(cli.nterms, 2);
    assert_string_equal(cli.terms[0].cmd, "config eesave=ee_preserved");
    assert_string_equal(cli.terms[1].cmd, "config bodlevel=bod_2v7");
    assert_int_equal(cli.terms[1].after, 1);
    ft_cli_free(&cli);
    const char *d[] = {"-U", "config:w:eesave:m", NULL};
    assert_int_equal(parse(&cli, &err, d), FT_E_USAGE);
    ft_cli_free(&cli);
    /* adapter pins: RESET and the buffer anywhere, station LEDs off the SPI lines */
    const char *pr[] = {"-x", "reset=16", NULL};
    assert_int_equal(parse(&cli, &err, pr), FT_E_USAGE);
    assert_string_equal(err.msg, "-x reset=16: expected a pin number 0 to 15 (ADBUS0-7, ACBUS0-7)");
    ft_cli_free(&cli);
    const char *pl[] = {"-x", "led_pass=3", NULL};
    assert_int_equal(parse(&cli, &err, pl), FT_E_USAGE);
    assert_string_equal(err.msg, "-x led_pass=3: expected a pin number 4 to 15 (ADBUS4-7, ACBUS0-7)");
    ft_cli_free(&cli);
    const char *pk[] = {"-x", "led_fail=0x0c", "-x", "buff=7", NULL};
    assert_int_equal(parse(&cli, &err, pk), FT_OK);
    assert_int_equal(cli.buffer_pin, 7);
    ft_cli_free(&cli);
    const char *e[] = {"-U", "config:r:x.txt:m", NULL};
    assert_int_equal(parse(&cli, &err, e), FT_E_USAGE);
    assert_string_equal(err.msg, "-U config:r:x.txt:m: expected config:w:NAME=VALUE[,NAME=VALUE...]:m "
                                 "(-T config lists the settings)");
    ft_cli_free(&cli);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(glued_and_apart), cmocka_unit_test(long_options),
        cmocka_unit_test(update_forms),    cmocka_unit_test(bitclock),
        cmocka_unit_test(fck),
        cmocka_unit_test(ports),           cmocka_unit_test(usage_errors),
        cmocka_unit_test(avrdude8_options),
        cmocka_unit_test(avrdude8_syntax),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
