/* Parsing the command line. avrdude users write options glued (-pm328p,
 * -qq, -Uflash:w:x.hex) or apart (-p m328p); both work, as do long forms. */
#include "ftisp/cli.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

enum {
    O_FCK = 256, O_ALLOW, O_JSON, O_HELP, O_VERSION,
    O_STATION = 512,   /* from here on: the station's options, by long name */
};
/* avrdude options with nothing to do on an FTDI ISP adapter: -E exit
 * specs (pin states of parallel-port programmers), -i ISP clock delay of
 * bit-banging programmers, -O oscillator calibration (needs programmer
 * firmware), -r reconnect (serial bootloaders). */

/* The one table of options: it drives the parsing, --help (ft_cli_usage)
 * and, through --help, the tests that hold the completions and the manual
 * to it. An entry with help text starts a --help line; the entries after it
 * with the same key and no help are its other long names. FORMATS in a help
 * text stands for the format letters of the table of formats (image.h). */
#define FORMATS "{formats}"
typedef struct opt {
    int key;            /* short option letter or O_* */
    const char *name;   /* long name or NULL */
    const char *arg;    /* the value's name in --help; NULL: takes none */
    const char *help;
} opt;

static const opt OPTS[] = {
    {'p', "part", "PART", "part id or name (m328p, ATmega328P); -p ? lists parts"},
    {'c', "programmer", "ID", "ft232h (default), 2232h, 4232h, arduino-ft232r, ft232r, ..., dryrun (no\n"
                              "adapter); -c ? lists"},
    {'P', "port", "PORT", "usb, usb:SERIAL, usb:VID:PID[:SERIAL], usb:BUS/DEV, usb:all; repeatable:\n"
                          "one board per adapter, in parallel; -P ? lists adapters"},
    {'U', "memory", "M:OP:FILE[:FMT]", "OP r|w|v; FMT " FORMATS "; repeatable, run in order;\n"
                                       "M a memory, alias (ee, sig, fuses), or list (flash,eeprom; all; all,-flash)"},
    {'T', "command", "CMD", "one terminal command (dump, write, config, ...; several split at ;), in\n"
                            "order with -U"},
    {'t', "terminal", NULL, "interactive terminal"},
    {'B', "bitclock", "T", "SCK period in us (-B 1 = 1 MHz) or a frequency (-B 2MHz)"},
    {'b', "baud", "F", "SCK frequency (2000000, 2MHz)"},
    {'e', "erase", NULL, "chip erase first (flash, EEPROM unless EESAVE, lock bits)"},
    {'D', "noerase", NULL, "no automatic erase before writing flash"},
    {'A', "keep-ff", NULL, "keep trailing 0xFF bytes of flash images"},
    {'A', "keep-trailing-0xff", NULL, NULL},
    {'V', "noverify", NULL, "do not read back what was written"},
    {'V', "noverify-memory", NULL, NULL},
    {'F', "force", NULL, "go on despite a wrong signature"},
    {'n', "dry-run", NULL, "write nothing (reads and checks still happen)"},
    {'n', "test-memory", NULL, NULL},
    {'n', "test", NULL, NULL},
    {'q', "quell", NULL, "quieter (repeatable)"},
    {'q', "quiet", NULL, NULL},
    {'v', "verbose", NULL, "more verbose (repeatable); -v alone: the version"},
    {'l', "logfile", "FILE", "messages to FILE instead of standard error"},
    {'C', "config", "[+]FILE", "parts and programmers (parts.conf or avrdude.conf format)"},
    {'N', "noconfig", NULL, "do not read ~/.avrduderc"},
    {'x', "extended", "KEY=VALUE", "adapter wiring: reset=PIN, buff=PIN, channel=A|B; station LEDs:\n"
                                    "led_pass=PIN, led_fail=PIN, led_busy=PIN (pins 4-15, lit high); -x help"},
    {O_FCK, "fck", "FREQ", "the target's crystal frequency, to choose SCK without -B"},
    {O_ALLOW, "allow", "LIST", "permit risky fuses: clock, rstdisbl, dwen, lock, all"},
    {O_JSON, "json", NULL, "a JSON summary on standard output (a line per board)"},
    {O_STATION + 0, "loop", NULL, "station: program each board inserted, until Ctrl-C"},
    {O_STATION + 6, "poll", "HZ", "how often --loop looks for a board (0.1 to 50 a second; 4)"},
    {O_STATION + 1, "serial", "MEM:ADDR:ENC[:START[:STEP]]", "a number per board; ENC leN beN decN hexN"},
    {O_STATION + 2, "serial-file", "FILE", "the counter file (default ./ftisp-serial)"},
    {O_STATION + 3, "serial-cmd", "CMD", "a command that prints each board's number"},
    {O_STATION + 4, "serial-reuse", NULL, "hand out again the numbers of boards that failed"},
    {O_STATION + 5, "patch-cmd", "MEM:ADDR:CMD", "per-board bytes: CMD prints them in hex"},
    {O_VERSION, "version", NULL, "the version"},
    {'h', "help", NULL, "this list"},
    {'?', NULL, NULL, NULL},
    /* avrdude options with nothing to do on an FTDI adapter */
    {'E', "exitspecs", "SPEC", "avrdude's -E, -i, -O, -r: no meaning here: accepted and ignored"},
    {'i', "isp-clock-delay", "N", NULL},
    {'O', "osccal", NULL, NULL},
    {'r', "reconnect", NULL, NULL},
};
#define NOPTS (sizeof OPTS / sizeof OPTS[0])

/* --help: one line per option with help text, its other long names beside
 * it; continuation lines of the help under its start. */
void ft_cli_usage(FILE *f)
{
    enum { COL = 32 };
    for (size_t i = 0; i < NOPTS; i++) {
        const opt *o = &OPTS[i];
        if (!o->help)
            continue;
        char head[128];
        int n = snprintf(head, sizeof head, "  %s%c%s", o->key < 256 ? "-" : "  ", o->key < 256 ? o->key : ' ',
                         o->key < 256 && o->name ? "," : "");
        if (o->key >= 256)
            n = snprintf(head, sizeof head, "    ");
        for (size_t k = i; k < NOPTS && n < (int)sizeof head; k++)
            if (OPTS[k].key == o->key && OPTS[k].name && (k == i || !OPTS[k].help))
                n += snprintf(head + n, sizeof head - (size_t)n, "%s--%s", k == i ? " " : ", ", OPTS[k].name);
        if (o->arg && n < (int)sizeof head)
            snprintf(head + n, sizeof head - (size_t)n, " %s", o->arg);
        fprintf(f, "%-*s", COL, head);
        if ((int)strlen(head) >= COL)
            fprintf(f, "\n%*s", COL, "");
        for (const char *h = o->help; *h; h++) {
            if (strncmp(h, FORMATS, strlen(FORMATS)) == 0) {
                char letters[160];
                fputs(ft_format_list(letters, sizeof letters, 0, FT_ITEM_LETTER, " ", NULL), f);
                h += strlen(FORMATS) - 1;
                continue;
            }
            fputc(*h, f);
            if (*h == '\n')
                fprintf(f, "%*s", COL, "");
        }
        fputc('\n', f);
    }
}

int ft_parse_freq(const char *opt, const char *s, uint32_t *hz, ft_err *err)
{
    char *end;
    double v = strtod(s, &end);
    double mult = 1;
    while (*end == ' ')
        end++;
    if (strcasecmp(end, "") == 0 || strcasecmp(end, "hz") == 0)
        mult = 1;
    else if (strcasecmp(end, "k") == 0 || strcasecmp(end, "khz") == 0)
        mult = 1e3;
    else if (strcasecmp(end, "m") == 0 || strcasecmp(end, "mhz") == 0)
        mult = 1e6;
    else
        return ft_err_set(err, FT_E_USAGE,
                          "%s %s: expected a frequency, a number with Hz, kHz or MHz (\"125kHz\"), found \"%s\"",
                          opt, s, end);
    if (end == s || !(v > 0) || v * mult > 1e9 || isnan(v))
        return ft_err_set(err, FT_E_USAGE, "%s %s: expected a frequency above 0 and up to 1 GHz", opt, s);
    *hz = (uint32_t)(v * mult + 0.5);
    if (*hz == 0)
        return ft_err_set(err, FT_E_USAGE, "%s %s: expected a frequency of 1 Hz or more", opt, s);
    return FT_OK;
}

/* What the FT232H can make: 60 MHz / ((1 + divisor) * 2), divisor 0..65535. */
#define SCK_MAX_HZ 30000000u
#define SCK_MIN_HZ 458u

static int sck_in_range(const char *opt, const char *s, uint32_t hz, ft_err *err)
{
    if (hz >= SCK_MIN_HZ && hz <= SCK_MAX_HZ)
        return FT_OK;
    return ft_err_set(err, FT_E_USAGE,
                      "%s %s: SCK %u Hz is outside what the FT232H makes: give a frequency from "
                      "458 Hz to 30 MHz (\"125kHz\"), or for -B a period from 0.034 to 2183 "
                      "microseconds (\"8\")",
                      opt, s, hz);
}

int ft_parse_bitclock(const char *s, uint32_t *hz, ft_err *err)
{
    char *end;
    double v = strtod(s, &end);
    if (end != s && (*end == '\0' || strcasecmp(end, "us") == 0)) {
        if (!(v > 0) || v > 1e7)
            return ft_err_set(err, FT_E_USAGE,
                              "-B %s: expected a period in microseconds above 0", s);
        double f = 1e6 / v;
        if (f < SCK_MIN_HZ || f > SCK_MAX_HZ + 0.5)
            return ft_err_set(err, FT_E_USAGE,
                              "-B %s: a period of %.*s microseconds is SCK %.4g %s, outside what the "
                              "FT232H makes: give a period from 0.034 to 2183 microseconds (\"8\"), or a "
                              "frequency from 458 Hz to 30 MHz (\"125kHz\")",
                              s, (int)strcspn(s, "uU"), s, f >= 1e6 ? f / 1e6 : f >= 1e3 ? f / 1e3 : f,
                              f >= 1e6 ? "MHz" : f >= 1e3 ? "kHz" : "Hz");
        *hz = (uint32_t)(f + 0.5);
        return sck_in_range("-B", s, *hz, err);
    }
    ft_err ignore = {0};   /* neither a period nor a frequency: say both */
    if (ft_parse_freq("-B", s, hz, &ignore) != FT_OK)
        return ft_err_set(err, FT_E_USAGE,
                          "-B %s: expected a period in microseconds (\"8\", \"0.5us\") or a frequency "
                          "with Hz, kHz or MHz (\"125kHz\")",
                          s);
    return sck_in_range("-B", s, *hz, err);
}

int ft_parse_fck(const char *s, uint32_t *hz, ft_err *err)
{
    char *end;
    double v = strtod(s, &end);
    /* No unit: a crystal's frequency in MHz ("16"), or in Hz ("16000000");
     * never 16 Hz. */
    if (end != s && *end == '\0' && v > 40 && v < 32768)
        return ft_err_set(err, FT_E_USAGE,
                          "--fck %s: no crystal runs at %s Hz or MHz; give a unit, from 2 kHz to "
                          "40 MHz (\"16MHz\", \"7.3728MHz\", \"32768Hz\")",
                          s, s);
    int rc = ft_parse_freq("--fck", s, hz, err);
    if (rc != FT_OK)
        return rc;
    if (*end == '\0' && v <= 40)
        *hz = (uint32_t)(v * 1e6 + 0.5);
    if (*hz < 2000 || *hz > 40000000)
        return ft_err_set(err, FT_E_USAGE,
                          "--fck %s: %u Hz is outside 2 kHz to 40 MHz, the clocks ftisp can "
                          "program a target at",
                          s, *hz);
    return FT_OK;
}

int ft_parse_update(const char *arg, ft_opspec *spec, char **store, ft_err *err)
{
    memset(spec, 0, sizeof *spec);
    *store = NULL;
    const char *c1 = strchr(arg, ':');
    /* As avrdude reads it: memory:op: only when the first two colons enclose
     * one character; otherwise "-U file[:fmt]" (colons may be in the file
     * name, C:/x.hex), written to flash. */
    if (c1 && c1 > arg && (c1[1] == 'r' || c1[1] == 'w' || c1[1] == 'v') && c1[2] == '\0' &&
        access(arg, F_OK) != 0)
        return ft_err_set(err, FT_E_USAGE, "-U %s: the file name is missing: expected -U %s:FILE[:FORMAT]",
                          arg, arg);
    if (!c1 || !c1[1] || c1[2] != ':') {
        size_t flen = strlen(arg);
        spec->fmt = FT_FMT_AUTO;
        if (flen > 2 && arg[flen - 2] == ':' && ft_format_valid(arg[flen - 1])) {
            spec->fmt = (ft_format)arg[flen - 1];
            flen -= 2;
        }
        *store = strndup(arg, flen);
        if (!*store)
            return ft_err_set(err, FT_E_FAIL, "out of memory");
        strcpy(spec->memory, "flash");
        spec->kind = FT_OP_WRITE;
        spec->file = *store;
        return flen ? FT_OK : ft_err_set(err, FT_E_USAGE, "-U: empty file name");
    }
    size_t mlen = (size_t)(c1 - arg);
    if (mlen == 0 || mlen >= sizeof spec->memory)
        return ft_err_set(err, FT_E_USAGE,
                          "-U %s: expected memory:op:file[:format], found a bad memory name", arg);
    memcpy(spec->memory, arg, mlen);
    spec->memory[mlen] = '\0';
    for (char *p = spec->memory; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    char op = c1[1];
    if ((op != 'r' && op != 'w' && op != 'v') || c1[2] != ':')
        return ft_err_set(err, FT_E_USAGE,
                          "-U %s: expected memory:op:file[:format] with op r, w or v, found \"%.*s\"",
                          arg, (int)strcspn(c1 + 1, ":"), c1 + 1);
    spec->kind = (ft_opkind)op;
    const char *file = c1 + 3;
    size_t flen = strlen(file);
    spec->fmt = FT_FMT_AUTO;
    /* A trailing ":x" is the format when x is a format letter. */
    if (flen >= 2 && file[flen - 2] == ':' && ft_format_valid(file[flen - 1])) {
        spec->fmt = (ft_format)file[flen - 1];
        flen -= 2;
    } else if (flen >= 2 && file[flen - 2] == ':' && isalpha((unsigned char)file[flen - 1])) {
        char letters[160];
        ft_format_list(letters, sizeof letters, 0, FT_ITEM_LETTER, " ", NULL);
        return ft_err_set(err, FT_E_USAGE, "-U %s: unknown format '%c'; expected one of %s", arg,
                          file[flen - 1], letters);
    }
    if (flen == 0)
        return ft_err_set(err, FT_E_USAGE, "-U %s: expected a file name after \"%c:\"", arg, op);
    *store = strndup(file, flen);
    if (!*store)
        return ft_err_set(err, FT_E_FAIL, "out of memory");
    spec->file = *store;
    return FT_OK;
}

static bool all_hex(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isxdigit((unsigned char)s[i]))
            return false;
    return true;
}

int ft_parse_port(const char *port, ft_wire_opts *o, ft_err *err)
{
    if (strcasecmp(port, "usb") == 0)
        return FT_OK;
    if (strncasecmp(port, "usb:", 4) != 0)
        return ft_err_set(err, FT_E_USAGE,
                          "-P %s: expected usb, usb:SERIAL, usb:VID:PID[:SERIAL] or usb:BUS/DEV",
                          port);
    const char *rest = port + 4;
    const char *slash = strchr(rest, '/');
    if (slash) {
        char *e1, *e2;
        long bus = strtol(rest, &e1, 10), dev = strtol(slash + 1, &e2, 10);
        if (e1 != slash || *e2 || bus < 0 || bus > 255 || dev < 0 || dev > 255 || slash == rest)
            return ft_err_set(err, FT_E_USAGE, "-P %s: expected usb:BUS/DEV in decimal, as lsusb shows",
                              port);
        o->bus = (int)bus;
        o->address = (int)dev;
        return FT_OK;
    }
    const char *c1 = strchr(rest, ':');
    if (c1 && all_hex(rest, (size_t)(c1 - rest)) && c1 - rest == 4) {
        const char *c2 = strchr(c1 + 1, ':');
        size_t plen = c2 ? (size_t)(c2 - c1 - 1) : strlen(c1 + 1);
        if (plen != 4 || !all_hex(c1 + 1, 4))
            return ft_err_set(err, FT_E_USAGE, "-P %s: expected usb:VID:PID with 4 hex digits each", port);
        o->vid = (uint16_t)strtol(rest, NULL, 16);
        o->pid = (uint16_t)strtol(c1 + 1, NULL, 16);
        if (c2 && c2[1])
            o->serial = c2 + 1;
        return FT_OK;
    }
    if (!*rest)
        return ft_err_set(err, FT_E_USAGE, "-P %s: expected a serial number after usb:", port);
    o->serial = rest;
    return FT_OK;
}

static int parse_allow(const char *s, unsigned *allow, ft_err *err)
{
    char buf[128];
    snprintf(buf, sizeof buf, "%s", s);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (strcasecmp(t, "clock") == 0)
            *allow |= FT_ALLOW_CLOCK;
        else if (strcasecmp(t, "rstdisbl") == 0)
            *allow |= FT_ALLOW_RSTDISBL;
        else if (strcasecmp(t, "dwen") == 0)
            *allow |= FT_ALLOW_DWEN;
        else if (strcasecmp(t, "lock") == 0)
            *allow |= FT_ALLOW_LOCK;
        else if (strcasecmp(t, "all") == 0)
            *allow |= FT_ALLOW_ALL;
        else
            return ft_err_set(err, FT_E_USAGE,
                              "--allow %s: expected a list of clock, rstdisbl, dwen, lock, all; found \"%s\"",
                              s, t);
    }
    return FT_OK;
}

static int parse_extended(ft_cli *cli, const char *s, ft_err *err)
{
    const char *eq = strchr(s, '=');
    char key[32];
    size_t klen = eq ? (size_t)(eq - s) : strlen(s);
    if (klen >= sizeof key)
        klen = sizeof key - 1;
    memcpy(key, s, klen);
    key[klen] = '\0';
    const char *v = eq ? eq + 1 : "";
    if (strcasecmp(key, "reset") == 0)
        return ft_wire_parse_pin(key, v, 0, &cli->reset_pin, err);
    if (strcasecmp(key, "buff") == 0)
        return ft_wire_parse_pin(key, v, 0, &cli->buffer_pin, err);
    if (strcasecmp(key, "help") == 0) {
        cli->xhelp = true;
        return FT_OK;
    }
    if (strcasecmp(key, "channel") == 0) {
        if (strcasecmp(v, "a") == 0)
            cli->channel = 0;
        else if (strcasecmp(v, "b") == 0)
            cli->channel = 1;
        else
            return ft_err_set(err, FT_E_USAGE, "-x channel=%s: expected A or B", v);
        return FT_OK;
    }
    int st = ft_station_option(&cli->station, key, v, err);
    if (st != 1)
        return st;
    /* As avrdude: an -x the programmer does not know is ignored with a
     * warning (-x list, say, lists nothing on an FTDI ISP adapter). */
    if (cli->nxignored < FT_CLI_MAX_OPS)
        cli->xignored[cli->nxignored++] = s;
    return FT_OK;
}

/* -U config:w:NAME=VALUE[,NAME=VALUE...]:m sets fuse settings by name
 * without the terminal: each assignment becomes a `config` terminal
 * command at this place among the -U and -T options. */
static int config_update(ft_cli *cli, const char *arg, ft_err *err)
{
    ft_opspec *spec = &cli->ops[cli->nops];
    char *data = cli->opstore[cli->nops];
    cli->opstore[cli->nops] = NULL;
    if (spec->kind != FT_OP_WRITE || spec->fmt != FT_FMT_IMM) {
        free(data);
        return ft_err_set(err, FT_E_USAGE, "-U %s: expected config:w:NAME=VALUE[,NAME=VALUE...]:m "
                          "(-T config lists the settings)", arg);
    }
    for (char *save = NULL, *a = strtok_r(data, ", ", &save); a; a = strtok_r(NULL, ", ", &save)) {
        if (!strchr(a, '=') || cli->nterms >= FT_CLI_MAX_OPS) {
            int rc = ft_err_set(err, FT_E_USAGE, "-U %s: expected NAME=VALUE, found \"%s\"", arg, a);
            free(data);
            return rc;
        }
        char *cmd = malloc(strlen(a) + 8);
        if (!cmd) {
            free(data);
            return ft_err_set(err, FT_E_FAIL, "out of memory");
        }
        sprintf(cmd, "config %s", a);
        cli->termstore[cli->nterms] = cmd;
        cli->terms[cli->nterms].cmd = cmd;
        cli->terms[cli->nterms++].after = cli->nops;
    }
    free(data);
    return FT_OK;
}

/* -T 'cmd1; cmd2': as avrdude 8, several terminal commands split at ';'
 * outside quotes, each its own command at this place. */
static int term_commands(ft_cli *cli, const char *v, ft_err *err)
{
    const char *start = v;
    char quote = 0;
    for (const char *c = v;; c++) {
        if (*c && quote) {
            if (*c == '\\' && c[1])
                c++;
            else if (*c == quote)
                quote = 0;
            continue;
        }
        if (*c == '"' || *c == '\'') {
            quote = *c;
            continue;
        }
        if (*c && *c != ';')
            continue;
        const char *a = start, *b = c;
        while (a < b && (*a == ' ' || *a == '\t'))
            a++;
        while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
            b--;
        if (b > a || (!*c && start == v)) {
            if (cli->nterms >= FT_CLI_MAX_OPS)
                return ft_err_set(err, FT_E_USAGE, "-T/-t: at most %d terminal commands", FT_CLI_MAX_OPS);
            char *cmd = malloc((size_t)(b - a) + 1);
            if (!cmd)
                return ft_err_set(err, FT_E_FAIL, "out of memory");
            memcpy(cmd, a, (size_t)(b - a));
            cmd[b - a] = '\0';
            cli->termstore[cli->nterms] = cmd;
            cli->terms[cli->nterms].cmd = cmd;
            cli->terms[cli->nterms++].after = cli->nops;
        }
        if (!*c)
            return FT_OK;
        start = c + 1;
    }
}

/* -B (a period, or a frequency) and -b (a frequency): both set SCK; the
 * bit-bang bridge reads avrdude's meaning from bitclock_us and baud. */
static int apply_clock(ft_cli *cli, int key, const char *v, ft_err *err)
{
    if (key == 'B') {
        char *end;
        double us = strtod(v, &end);
        cli->bitclock_us = end != v && (*end == '\0' || strcasecmp(end, "us") == 0) ? us : 0;
        cli->baud = 0;
        return ft_parse_bitclock(v, &cli->plan.sck_hz, err);
    }
    cli->bitclock_us = 0;
    int rc = ft_parse_freq("-b", v, &cli->plan.sck_hz, err);
    cli->baud = rc == FT_OK ? cli->plan.sck_hz : 0;
    return rc == FT_OK ? sck_in_range("-b", v, cli->plan.sck_hz, err) : rc;
}

/* As avrdude 8: -C FILE is the main configuration (read first, the last one
 * given counts), -C +FILE adds one after ~/.avrduderc. Both are read over
 * ftisp's own parts and programmers. */
static int apply_config(ft_cli *cli, const char *v, ft_err *err)
{
    if (v[0] != '+') {
        cli->main_config = v;
        return FT_OK;
    }
    if (cli->nconfigs >= FT_CLI_MAX_CONFIGS)
        return ft_err_set(err, FT_E_USAGE, "-C: at most %d files", FT_CLI_MAX_CONFIGS);
    cli->configs[cli->nconfigs++] = v + 1;
    return FT_OK;
}

static int apply_update(ft_cli *cli, const char *v, ft_err *err)
{
    if (cli->nops >= FT_CLI_MAX_OPS)
        return ft_err_set(err, FT_E_USAGE, "-U: at most %d operations", FT_CLI_MAX_OPS);
    int rc = ft_parse_update(v, &cli->ops[cli->nops], &cli->opstore[cli->nops], err);
    if (rc == FT_OK && strcmp(cli->ops[cli->nops].memory, "config") == 0)
        return config_update(cli, v, err);
    if (cli->opstore[cli->nops])
        cli->nops++;
    return rc;
}

/* -t: the interactive terminal, in order with -U and -T */
static int apply_terminal(ft_cli *cli, ft_err *err)
{
    if (cli->nterms >= FT_CLI_MAX_OPS)
        return ft_err_set(err, FT_E_USAGE, "-T/-t: at most %d terminal commands", FT_CLI_MAX_OPS);
    cli->terms[cli->nterms].cmd = NULL;
    cli->terms[cli->nterms++].after = cli->nops;
    return FT_OK;
}

static int apply(ft_cli *cli, int key, const char *v, ft_err *err)
{
    switch (key) {
    case 'p': cli->part = v; return FT_OK;
    case 'c': cli->programmer = v; return FT_OK;
    case 'P': cli->port = v; return ft_station_option(&cli->station, "port", v, err);
    case 'l': cli->logfile = v; return FT_OK;
    case 'B': case 'b': return apply_clock(cli, key, v, err);
    case 'e': cli->plan.erase = true; return FT_OK;
    case 'D': cli->plan.no_erase = true; cli->plan.keep_ff = true; return FT_OK;   /* avrdude 8: -D implies -A */
    case 'A': cli->plan.keep_ff = true; return FT_OK;
    case 'V': cli->plan.no_verify = true; return FT_OK;
    case 'F': cli->plan.force = true; return FT_OK;
    case 'n': cli->plan.dry_run = true; return FT_OK;
    case 'q': cli->verbosity--; return FT_OK;
    case 'v': cli->verbosity++; return FT_OK;
    case 'h': case '?': cli->help = true; return FT_OK;
    case 'x': return parse_extended(cli, v, err);
    case 'N': cli->noconfig = true; return FT_OK;
    case 'T': return term_commands(cli, v, err);
    case 't': return apply_terminal(cli, err);
    case 'E': case 'i': case 'O': case 'r':
        if (cli->nignored < FT_CLI_MAX_OPS)
            cli->ignored[cli->nignored++] = key == 'E' ? "-E" : key == 'i' ? "-i" : key == 'O' ? "-O" : "-r";
        return FT_OK;
    case O_FCK: return ft_parse_fck(v, &cli->plan.fck_hz, err);
    case O_ALLOW: return parse_allow(v, &cli->plan.allow, err);
    case O_JSON: cli->json = true; return FT_OK;
    case O_VERSION: cli->version = true; return FT_OK;
    case 'C': return apply_config(cli, v, err);
    case 'U': return apply_update(cli, v, err);
    }
    for (size_t k = 0; key >= O_STATION && k < NOPTS; k++)
        if (OPTS[k].key == key)
            return ft_station_option(&cli->station, OPTS[k].name, v, err);
    return ft_err_set(err, FT_E_USAGE, "internal: unhandled option");
}

/* --name[=value] at argv[*i] (a is argv[*i] + 2); the value may be the next
 * argument. */
static int long_option(ft_cli *cli, const char *name, int argc, char **argv, int *i, ft_err *err)
{
    const char *eq = strchr(name, '=');
    size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
    const opt *o = NULL;
    for (size_t k = 0; k < NOPTS; k++)
        if (OPTS[k].name && strlen(OPTS[k].name) == nlen && strncmp(OPTS[k].name, name, nlen) == 0)
            o = &OPTS[k];
    if (!o)
        return ft_err_set(err, FT_E_USAGE, "unknown option \"--%s\"; see ftisp --help", name);
    const char *v = NULL;
    if (o->arg) {
        if (eq)
            v = eq + 1;
        else if (*i + 1 < argc)
            v = argv[++*i];
        else
            return ft_err_set(err, FT_E_USAGE, "option --%s needs a value", o->name);
    } else if (eq) {
        return ft_err_set(err, FT_E_USAGE, "option --%s takes no value", o->name);
    }
    return apply(cli, o->key, v, err);
}

/* -abc at argv[*i]: flags, the last of them may take a value (the rest of
 * the word or the next argument). */
static int short_options(ft_cli *cli, const char *flags, int argc, char **argv, int *i, ft_err *err)
{
    for (const char *p = flags; *p; p++) {
        const opt *o = NULL;
        for (size_t k = 0; k < NOPTS; k++)
            if (OPTS[k].key == (unsigned char)*p && OPTS[k].key < 256)
                o = &OPTS[k];
        if (!o)
            return ft_err_set(err, FT_E_USAGE, "unknown option -%c; see ftisp --help", *p);
        if (!o->arg) {
            int rc = apply(cli, o->key, NULL, err);
            if (rc != FT_OK)
                return rc;
            continue;
        }
        const char *v = p[1] ? p + 1 : NULL;
        if (!v) {
            if (*i + 1 >= argc)
                return ft_err_set(err, FT_E_USAGE, "option -%c needs a value", *p);
            v = argv[++*i];
        }
        return apply(cli, o->key, v, err);
    }
    return FT_OK;
}

int ft_cli_parse(ft_cli *cli, int argc, char **argv, ft_err *err)
{
    memset(cli, 0, sizeof *cli);
    cli->reset_pin = -1;
    cli->buffer_pin = -1;
    ft_station_opts_init(&cli->station);
    cli->channel = -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || a[1] == '\0')
            return ft_err_set(err, FT_E_USAGE, "unexpected argument \"%s\"; files go in -U", a);
        if (strcmp(a, "--") == 0)
            return i + 1 < argc ? ft_err_set(err, FT_E_USAGE, "unexpected argument \"%s\"", argv[i + 1]) : FT_OK;
        int rc = a[1] == '-' ? long_option(cli, a + 2, argc, argv, &i, err)
                             : short_options(cli, a + 1, argc, argv, &i, err);
        if (rc != FT_OK)
            return rc;
    }
    /* -e -D: as avrdude 8, the explicit erase, no automatic one (-e alone
     * means that already) */
    return FT_OK;
}

void ft_cli_free(ft_cli *cli)
{
    for (int i = 0; i < cli->nops; i++)
        free(cli->opstore[i]);
    cli->nops = 0;
    for (int i = 0; i < cli->nterms; i++) {
        free(cli->termstore[i]);
        cli->termstore[i] = NULL;
    }
}
