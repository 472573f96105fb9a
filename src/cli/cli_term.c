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

int ft_cli_run_terms(const ft_cli *cli, const ft_partdb *db, const ft_part *part, ft_wire *w, ft_out *out,
                     const ft_plan *whole, ft_result *res, ft_err *err)
{
    int at = 0;
    (void)whole;
    ft_term_target tg = {.db = db, .part = part, .opts = cli->plan, .w = w, .out = out};
    ft_term *t;
    FILE *tout = cli->json ? stderr : stdout;   /* --json owns standard output */
    int rc = ft_term_new(&t, &tg, tout, err);
    if (rc != FT_OK)
        return rc;
    bool erase = cli->plan.erase;
    /* As avrdude, one erase per run: once a segment has erased (-e) or
     * written flash (after its automatic erase, if it needed one), later
     * segments write flash without erasing, so they add to what the earlier
     * ones and the terminal wrote instead of wiping it. */
    bool flash_started = false;
    int done = 0;
    for (int k = 0; rc == FT_OK && k <= cli->nterms && !ft_term_quit_asked(t); k++) {
        int upto = k < cli->nterms ? cli->terms[k].after : cli->nops;
        if (upto > done || erase) {
            rc = ft_term_flush(t, err);
            ft_plan plan;
            ft_plan_opts o = cli->plan;
            o.erase = erase;
            o.no_erase |= flash_started;
            bool built = false;
            ft_result seg = {0};
            if (rc == FT_OK) {
                rc = ft_plan_build(&plan, db, part, cli->ops + done, upto - done, &o, err);
                built = true;   /* even a failed build leaves what ft_plan_free releases */
                flash_started |= erase || (rc == FT_OK && plan.writes_flash);
            }
            if (rc == FT_OK)
                rc = ft_result_init(&seg, &plan, err);
            if (rc == FT_OK) {
                ft_plan_events ev;
                ft_out_events(out, &ev);
                rc = ft_plan_run(&plan, &seg, w, &ev, err);
                report(res, &at, &seg);
            }
            if (built)
                ft_plan_free(&plan);
            ft_result_free(&seg);
            erase = false;
            done = upto;
            ft_term_free(t);   /* the chip changed under the cache */
            int rc2 = ft_term_new(&t, &tg, tout, err);
            if (rc == FT_OK)
                rc = rc2;
            if (rc2 != FT_OK)
                return rc;
        }
        if (rc != FT_OK || k == cli->nterms)
            break;
        if (ft_interrupt_signal()) {
            rc = ft_err_set(err, FT_E_INTERRUPTED, "interrupted (%s) before -T %s",
                            ft_interrupt_name(ft_interrupt_signal()), cli->terms[k].cmd ? cli->terms[k].cmd : "-t");
            break;
        }
        if (cli->terms[k].cmd)
            rc = ft_term_exec(t, cli->terms[k].cmd, err);
        else
            rc = ft_term_interactive(t, err);
    }
    if (rc == FT_OK && !ft_term_quit_asked(t) && !ft_interrupt_signal())
        rc = ft_term_flush(t, err);
    ft_term_free(t);
    return rc;
}
