/* What the user sees: messages prefixed "ftisp:", one line per phase, a
 * progress bar only on a terminal, all on standard error (or -l logfile). */
#ifndef FTISP_CLI_OUTPUT_H
#define FTISP_CLI_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ftisp/plan.h"

typedef struct ft_out {
    FILE *f;
    int verbosity;
    bool tty;
    char what[64];
    uint32_t total;
    int drawn;              /* bar cells drawn */
    bool in_phase;
} ft_out;

void ft_out_init(ft_out *o, FILE *f, int verbosity);
void ft_out_msg(ft_out *o, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void ft_out_error(ft_out *o, const char *msg);
/* Plan events that draw on this output. */
void ft_out_events(ft_out *o, ft_plan_events *ev);

#endif
