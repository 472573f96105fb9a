/* The station: one plan carried out on several adapters at once (one process
 * per adapter, forked after the plan is built and checked), optionally in a
 * loop that waits for each board to be inserted and removed, with per-board
 * data (serial numbers, patches from a command) written into the image and
 * verified with it. The cli gives it a checked plan; it reports per board. */
#ifndef FTISP_STATION_H
#define FTISP_STATION_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ftisp/err.h"
#include "ftisp/wire.h"
#include "ftisp/plan.h"

#define FT_STATION_MAX_PORTS 16
#define FT_STATION_MAX_PATCHES 8

/* How a number becomes bytes. */
enum ft_serial_enc { FT_SER_LE, FT_SER_BE, FT_SER_DEC, FT_SER_HEX };

/* --serial MEM:ADDR:ENC[:START[:STEP]], --patch-cmd MEM:ADDR:CMD */
typedef struct ft_patch_spec {
    char memory[16];
    uint32_t addr;
    bool is_serial;
    int enc;                  /* serial: enum ft_serial_enc */
    int width;                /* serial: bytes (binary) or digits (ASCII) */
    uint64_t start, step;
    const char *cmd;          /* patch-cmd: prints hex bytes */
} ft_patch_spec;

typedef struct ft_station_opts {
    const char *ports[FT_STATION_MAX_PORTS];
    int nports;
    bool loop;
    ft_patch_spec patches[FT_STATION_MAX_PATCHES];
    int npatches;
    const char *serial_file;  /* counter file; NULL: "ftisp-serial" */
    const char *serial_cmd;   /* the next number from this command instead */
    bool serial_reuse;        /* hand out numbers of failed boards again */
    int led_pass, led_fail, led_busy;   /* adapter pins, -1: none */
    double poll_hz;           /* --loop presence polls per second */
} ft_station_opts;

void ft_station_opts_init(ft_station_opts *o);
/* The station's command-line options, by long name ("loop", "serial", ...)
 * and -x keys ("led_pass"...). FT_OK, an FT_E_USAGE error, or 1 when the
 * name is not the station's. */
int ft_station_option(ft_station_opts *o, const char *name, const char *value, ft_err *err);
/* True when the station takes over the run (several -P, usb:all, --loop,
 * per-board data). */
bool ft_station_wanted(const ft_station_opts *o);

/* The most bridges a station mixes (src/wire/bridges.def has fewer). */
#define FT_STATION_BRIDGES 8

/* What the station needs from the command line. */
typedef struct ft_station_run {
    ft_plan *plan;            /* built and checked */
    const char *type;         /* the programmer type: which bridge (ftisp/wire.h) */
    const ft_wire_opts *wire; /* template: vid, pid, channel, pins */
    const ft_station_opts *opts;
    bool json;                /* a JSON line per board on standard output */
    int verbosity;
    FILE *msgs;               /* human lines (standard error or -l file) */
    bool diagnose;            /* no -U and no -e: explain each chip */
    /* the cli's -P parser (usb:SERIAL, usb:VID:PID, usb:BUS/DEV) */
    int (*parse_port)(const char *port, ft_wire_opts *o, ft_err *err);
    /* Mixed adapters: -P usb:all takes the adapters of each bridge i
     * (ft_wire_bridge(i)) given a wiring here, each with its bridge's type.
     * All NULL: only the adapters of type's bridge, with wire. */
    const ft_wire_opts *bridge_wire[FT_STATION_BRIDGES];
} ft_station_run;

/* Runs the station; returns the exit status: 0 when every board passed. */
int ft_station_main(const ft_station_run *run);

/* -P ?: lists the adapters found, with their chip, serial number and the
 * bridge that drives them. */
int ft_station_list(FILE *f, ft_err *err);

#endif
