/* -U and -T/-t in command-line order: the -U operations between two
 * terminal commands run as one plan, each -T as one terminal command, -t as
 * an interactive session; cached terminal writes are flushed before a plan
 * runs and at the end. A failing -T command stops the run, as a failing -U
 * does. */
#include "ftisp/cli_term.h"
#include "ftisp/interrupt.h"
#include "ftisp/session.h"
#include "ftisp/term.h"

#include <string.h>

/* The results of one segment's operations into the whole run's (which
 * --json reports): segments expand their -U options as the whole plan did,
 * so their operations follow each other in the same order. */
static void report(ft_result *whole, int *at, ft_result *seg)
{
    for (int i = 0; i < seg->nops && *at < whole->nops; i++, (*at)++) {
        ft_op_result *w = &whole->ops[*at];
        ft_image img = w->img;
        *w = seg->ops[i];     /* the segment's result, its read image moved over */
        seg->ops[i].img = img;
    }
    if (seg->have_signature) {
        memcpy(whole->signature, seg->signature, 3);
        whole->have_signature = true;
    }
    if (seg->sck_hz)
        whole->sck_hz = seg->sck_hz;
    if (seg->target_hz) {
        whole->target_hz = seg->target_hz;
        memcpy(whole->clock_why, seg->clock_why, sizeof whole->clock_why);
    }
    if (seg->erase_started || seg->erase_status != -1) {
        whole->erased |= seg->erased;
        whole->erase_started = true;
        whole->erase_status = seg->erase_status;
        whole->erase_seconds = seg->erase_seconds;
    }
    if (seg->have_fuses) {
        memcpy(whole->fuses, seg->fuses, sizeof whole->fuses);
        whole->have_fuses = true;
    }
    if (seg->have_lock) {
        whole->lock = seg->lock;
        whole->have_lock = true;
    }
    if (seg->eeprom_copy[0])
        memcpy(whole->eeprom_copy, seg->eeprom_copy, sizeof whole->eeprom_copy);
}

/* What carries over from one segment to the next. */
typedef struct run_state {
    const ft_cli *cli;
    const ft_partdb *db;
    const ft_part *part;
    ft_wire *w;
    ft_out *out;
    ft_result *res;
    int at;                /* the whole run's next operation result */
    bool erase;            /* -e still to be done */
    /* As avrdude, one erase per run: once a segment has erased (-e) or
     * written flash (after its automatic erase, if it needed one), later
     * segments write flash without erasing, so they add to what the earlier
     * ones and the terminal wrote instead of wiping it. */
    bool flash_started;
} run_state;

/* The -U operations [done, upto) as one plan, run and reported. */
static int run_segment(run_state *s, int done, int upto, ft_err *err)
{
    ft_plan plan;
    ft_plan_opts o = s->cli->plan;
    o.erase = s->erase;
    o.no_erase |= s->flash_started;
    ft_result seg = {0};
    int rc = ft_plan_build(&plan, s->db, s->part, s->cli->ops + done, upto - done, &o, err);
    /* even a failed build leaves what ft_plan_free releases */
    s->flash_started |= s->erase || (rc == FT_OK && plan.writes_flash);
    if (rc == FT_OK)
        rc = ft_result_init(&seg, &plan, err);
    if (rc == FT_OK) {
        ft_plan_events ev;
        ft_out_events(s->out, &ev);
        rc = ft_plan_run(&plan, &seg, s->w, &ev, err);
        report(s->res, &s->at, &seg);
    }
    ft_plan_free(&plan);
    ft_result_free(&seg);
    s->erase = false;
    return rc;
}

/* The k-th -T command or -t session. */
static int run_term(const ft_cli *cli, ft_term *t, int k, ft_err *err)
{
    if (ft_interrupt_signal())
        return ft_err_set(err, FT_E_INTERRUPTED, "interrupted (%s) before -T %s",
                          ft_interrupt_name(ft_interrupt_signal()), cli->terms[k].cmd ? cli->terms[k].cmd : "-t");
    if (cli->terms[k].cmd)
        return ft_term_exec(t, cli->terms[k].cmd, err);
    return ft_term_interactive(t, err);
}

int ft_cli_run_terms(const ft_cli *cli, const ft_partdb *db, const ft_part *part, ft_wire *w, ft_out *out,
                     const ft_plan *whole, ft_result *res, ft_err *err)
{
    (void)whole;
    ft_term_target tg = {.db = db, .part = part, .opts = cli->plan, .w = w, .out = out};
    run_state s = {.cli = cli, .db = db, .part = part, .w = w, .out = out, .res = res, .erase = cli->plan.erase};
    ft_term *t;
    FILE *tout = cli->json ? stderr : stdout;   /* --json owns standard output */
    int rc = ft_term_new(&t, &tg, tout, err);
    if (rc != FT_OK)
        return rc;
    int done = 0;
    for (int k = 0; rc == FT_OK && k <= cli->nterms && !ft_term_quit_asked(t); k++) {
        int upto = k < cli->nterms ? cli->terms[k].after : cli->nops;
        if (upto > done || s.erase) {
            rc = ft_term_flush(t, err);
            if (rc == FT_OK)
                rc = run_segment(&s, done, upto, err);
            done = upto;
            ft_term_free(t);   /* the chip changed under the cache */
            int rc2 = ft_term_new(&t, &tg, tout, err);
            if (rc2 != FT_OK)
                return rc == FT_OK ? rc2 : rc;
        }
        if (rc == FT_OK && k < cli->nterms)
            rc = run_term(cli, t, k, err);
    }
    if (rc == FT_OK && !ft_term_quit_asked(t) && !ft_interrupt_signal())
        rc = ft_term_flush(t, err);
    ft_term_free(t);
    return rc;
}
