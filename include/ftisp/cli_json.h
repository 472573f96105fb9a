/* --json: one object per run on standard output, for production scripts.
 * Built with jansson, so the output is always valid JSON. */
#ifndef FTISP_CLI_JSON_H
#define FTISP_CLI_JSON_H

#include <jansson.h>
#include <stdio.h>

#include "ftisp/plan.h"

typedef struct ft_json_run {
    const char *adapter_desc;   /* NULL: no adapter opened */
    const char *adapter_serial;
    const ft_plan *plan;        /* NULL: failed before a plan existed */
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
