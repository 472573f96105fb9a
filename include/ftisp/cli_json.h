/* --json: one object per run on standard output, for production scripts. */
#ifndef FTISP_CLI_JSON_H
#define FTISP_CLI_JSON_H

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

void ft_json_write(FILE *f, const ft_json_run *r);

#endif
