/* avrdude's terminal (-T CMD, -t): commands that read, change and show the
 * chip, run through the plan and session layers so every change gets the
 * same checks as -U. Flash and EEPROM writes are cached and written on
 * flush, quit or the end of the run; fuse and lock writes happen at once. */
#ifndef FTISP_TERM_H
#define FTISP_TERM_H

#include <stdbool.h>
#include <stdio.h>

#include "ftisp/report.h"
#include "ftisp/err.h"
#include "ftisp/plan.h"
#include "ftisp/wire.h"

typedef struct ft_term ft_term;

/* What the terminal runs its plans on: the adapter (m) or the dry chip. */
typedef struct ft_term_target {
    const ft_partdb *db;
    const ft_part *part;
    ft_plan_opts opts;        /* the command line's -F, -V, -n, --allow, -B ... */
    ft_wire *w;
    ft_out *out;              /* messages; `verbose`/`quell` change its level */
} ft_term_target;

int ft_term_new(ft_term **t, const ft_term_target *tg, FILE *out, ft_err *err);
void ft_term_free(ft_term *t);
/* One command line. FT_OK, or the error (the terminal stays usable). */
int ft_term_exec(ft_term *t, const char *line, ft_err *err);
bool ft_term_quit_asked(const ft_term *t);
/* Writes cached changes to the chip. */
int ft_term_flush(ft_term *t, ft_err *err);
/* -t: reads commands with line editing and history until quit or end of
 * input; errors are shown and the session goes on. Returns the status of
 * the final flush. */
int ft_term_interactive(ft_term *t, ft_err *err);

/* Splits a command line into words: blanks separate, "..." and '...' keep
 * their quotes (data items need them), # starts a comment. Returns the
 * number of words (at most max), -1 if a quote is not closed. `buf` holds
 * the words; it must be as long as the line plus one. */
int ft_term_split(const char *line, char *buf, char **argv, int max);

#endif
