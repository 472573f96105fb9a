/* The command line: avrdude's options plus ftisp's own, parsed without
 * global state so that a fuzzer can drive the parser. */
#ifndef FTISP_CLI_H
#define FTISP_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ftisp/err.h"
#include "ftisp/plan.h"
#include "ftisp/station.h"

#define FT_CLI_MAX_OPS 64
#define FT_CLI_MAX_CONFIGS 8

typedef struct ft_cli {
    const char *part;
    const char *programmer;
    const char *port;
    const char *logfile;
    const char *main_config;         /* -C FILE: avrdude's system config; the last one counts */
    const char *configs[FT_CLI_MAX_CONFIGS]; /* -C +FILE, in order */
    int nconfigs;
    ft_opspec ops[FT_CLI_MAX_OPS];
    char *opstore[FT_CLI_MAX_OPS];   /* owned copies of the -U file names */
    int nops;
    ft_plan_opts plan;
    int verbosity;                   /* -v count minus -q count */
    bool json, help, version;
    int reset_pin, buffer_pin, channel;   /* -x; -1: not given */
    ft_station_opts station;         /* -P lists, --loop, --serial... (station_args.c) */
    /* -T CMD and -t (cmd NULL), in command-line order: each runs after the
     * first `after` -U operations. */
    struct ft_cli_term { const char *cmd; int after; } terms[FT_CLI_MAX_OPS];
    char *termstore[FT_CLI_MAX_OPS]; /* owned commands made from -U config:w:...:m */
    int nterms;
    bool noconfig;                   /* -N: no ~/.avrduderc */
    /* -B as a period (us) and -b as given: a bit-bang programmer
     * (ftdi_syncbb) reads them as avrdude does; 0: not given */
    double bitclock_us;
    uint32_t baud;
    bool xhelp;                      /* -x help */
    /* avrdude options that mean nothing for an FTDI ISP adapter, accepted
     * so copied command lines run; -v names them. */
    const char *ignored[FT_CLI_MAX_OPS];
    int nignored;
    /* -x parameters ftisp does not know: a warning each, then on */
    const char *xignored[FT_CLI_MAX_OPS];
    int nxignored;
} ft_cli;

int ft_cli_parse(ft_cli *cli, int argc, char **argv, ft_err *err);
void ft_cli_free(ft_cli *cli);

/* "2MHz", "125kHz", "1.5M", "8000000" -> Hz; 0 and an error naming the
 * option `opt` if malformed. */
int ft_parse_freq(const char *opt, const char *s, uint32_t *hz, ft_err *err);
/* avrdude's -B: a period in microseconds ("1", "0.5", "4us") or a frequency
 * with a unit ("2MHz") -> Hz; FT_E_USAGE outside 458 Hz to 30 MHz. */
int ft_parse_bitclock(const char *s, uint32_t *hz, ft_err *err);
/* --fck: a frequency; without a unit, up to 40 means MHz ("16"), 32768 and
 * up means Hz; 2 kHz to 40 MHz. */
int ft_parse_fck(const char *s, uint32_t *hz, ft_err *err);
/* One -U argument. `store` receives a malloc'd copy that spec points into. */
int ft_parse_update(const char *arg, ft_opspec *spec, char **store, ft_err *err);

/* -P: usb, usb:SERIAL, usb:VID:PID, usb:VID:PID:SERIAL, usb:BUS/DEV. */
int ft_parse_port(const char *port, ft_wire_opts *o, ft_err *err);

int ft_cli_main(int argc, char **argv);

/* --help's option lines, from the table of options (cli_args.c). */
void ft_cli_usage(FILE *f);

#endif
