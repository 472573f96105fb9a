/* The report layer: what the user and scripts are told about a run. Human
 * lines on standard error (report_output.c) and --json objects on standard
 * output (report_json.c). Used by cli, term and station; it calls nothing
 * above the plan and session structures it reads. */
#ifndef FTISP_REPORT_H
#define FTISP_REPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ftisp/plan.h"

/* ---- human lines ---- */

typedef struct ft_out {
    FILE *f;
    int verbosity;
    bool tty;
    char what[64];
    uint32_t total;
    int drawn;              /* bar cells drawn */
    bool in_phase;
    /* the avrdude persona (ftisp called as avrdude): avrdude's lines and bars */
    bool avrdude;
    const ft_plan *plan;    /* the run's plan and result: the signature is */
    const ft_result *res;   /* shown once known */
    bool sig_shown;
    double phase_t0;
} ft_out;

void ft_out_init(ft_out *o, FILE *f, int verbosity);
/* Speak as avrdude 8.2 for what tools parse: "avrdude: " lines, "Device
 * signature = 0x1e950f", "Writing | ### | 100% 0.12s" bars, the
 * "N bytes of flash written/verified" lines, "avrdude done.  Thank you.". */
void ft_out_avrdude(ft_out *o, const ft_plan *plan, const ft_result *res);
/* avrdude's closing lines for the plan's operations, then the goodbye. */
void ft_out_avrdude_end(ft_out *o, const ft_plan *plan, const ft_result *res);
/* avrdude 8.2's -v header, the lines IDE consoles show and tools look at:
 * the configuration files read, "Using port", "Using programmer", "AVR
 * part", "Programmer type", "Description" and the pins. Printed only under
 * the avrdude name at -v or more. */
typedef struct ft_avrdude_header {
    const char *sys_config;          /* -C FILE, else the built-in database's file */
    const char *user_config;         /* the rc file looked for; NULL with -N */
    bool user_config_exists;
    const char *port;                /* -P as given, "usb" without */
    const char *programmer_id;       /* -c as given, or the default */
    const ft_part *part;
    const struct ft_programmer *prog;
} ft_avrdude_header;
void ft_out_avrdude_header(ft_out *o, const ft_avrdude_header *h);
void ft_out_msg(ft_out *o, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void ft_out_error(ft_out *o, const char *msg);
/* Plan events that draw on this output. */
void ft_out_events(ft_out *o, ft_plan_events *ev);

/* ---- --json ---- */

typedef struct ft_json_run {
    const char *adapter_desc;   /* NULL: no adapter opened */
    const char *adapter_serial;
    const ft_plan *plan;        /* NULL: failed before a plan existed */
    const ft_result *result;    /* what the run of plan did; NULL with plan */
    const char *part;
    int status;                 /* enum ft_status */
    int exit_status;            /* what the process exits with */
    const char *error;          /* NULL on success */
    const char *signal;         /* "SIGINT"...: the run was stopped by it; NULL */
    const char *state;          /* the chip's state after a signal; NULL */
    double seconds;
} ft_json_run;

/* A JSON string of s (null for NULL). Text that is not valid UTF-8 (a file
 * name from a non-UTF-8 system, say) has each byte outside a valid UTF-8
 * sequence replaced by U+FFFD: JSON strings are Unicode. Never NULL. */
json_t *ft_json_str(const char *s);
/* Seconds as a JSON number, to the microsecond. */
json_t *ft_json_seconds(double s);
/* The run's object (the caller owns it: json_decref); NULL out of memory. */
json_t *ft_json_result(const ft_json_run *r);
/* The object as one line, '\n'-terminated (free() it); NULL out of memory. */
char *ft_json_line(const json_t *o);
/* ft_json_result as one line on f. */
void ft_json_write(FILE *f, const ft_json_run *r);

#endif
