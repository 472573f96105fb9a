#include "ftisp/report.h"

#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#define BAR 40

void ft_out_init(ft_out *o, FILE *f, int verbosity)
{
    memset(o, 0, sizeof *o);
    o->f = f;
    o->verbosity = verbosity;
    o->tty = isatty(fileno(f)) && verbosity >= 0;
}

static void end_bar(ft_out *o)
{
    if (o->in_phase && o->tty && o->drawn >= 0) {
        fputc('\n', o->f);
        o->drawn = -1;
    }
}

void ft_out_msg(ft_out *o, int level, const char *fmt, ...)
{
    if (level > o->verbosity)
        return;
    end_bar(o);
    va_list ap;
    va_start(ap, fmt);
    fputs("ftisp: ", o->f);
    vfprintf(o->f, fmt, ap);
    fputc('\n', o->f);
    va_end(ap);
    fflush(o->f);
}

void ft_out_error(ft_out *o, const char *msg)
{
    end_bar(o);
    fprintf(o->f, "ftisp: %s\n", msg);
    fflush(o->f);
}

static void ev_note(void *ctx, int level, const char *msg)
{
    ft_out *o = ctx;
    ft_out_msg(o, level, "%s", msg);
}

static void ev_phase(void *ctx, const char *what, uint32_t total)
{
    ft_out *o = ctx;
    end_bar(o);
    snprintf(o->what, sizeof o->what, "%s", what);
    o->total = total;
    o->in_phase = true;
    o->drawn = 0;
    if (o->verbosity < 0)
        return;
    if (o->tty) {
        fprintf(o->f, "ftisp: %-16s |%*s|", what, BAR, "");
        fflush(o->f);
    }
}

static void ev_progress(void *ctx, uint32_t done, uint32_t total)
{
    ft_out *o = ctx;
    if (!o->tty || !o->in_phase || o->drawn < 0 || total == 0)
        return;
    int cells = (int)((uint64_t)done * BAR / total);
    if (cells > BAR)
        cells = BAR;
    if (cells == o->drawn)
        return;
    o->drawn = cells;
    fprintf(o->f, "\rftisp: %-16s |", o->what);
    for (int i = 0; i < BAR; i++)
        fputc(i < cells ? '#' : ' ', o->f);
    fprintf(o->f, "| %3d%%", (int)((uint64_t)done * 100 / total));
    fflush(o->f);
}

static void ev_phase_end(void *ctx, int status, double seconds)
{
    ft_out *o = ctx;
    if (o->verbosity < 0) {
        o->in_phase = false;
        return;
    }
    char size[32] = "";
    if (o->total)
        snprintf(size, sizeof size, "%u byte%s, ", o->total, o->total == 1 ? "" : "s");
    if (o->tty && o->drawn >= 0) {
        fprintf(o->f, "\rftisp: %-16s %s%.2f s%s%*s\n", o->what, size, seconds,
                status == FT_OK ? "" : " FAILED", BAR, "");
    } else {
        fprintf(o->f, "ftisp: %s: %s%.2f s%s\n", o->what, size, seconds,
                status == FT_OK ? "" : " FAILED");
    }
    fflush(o->f);
    o->in_phase = false;
    o->drawn = -1;
}

void ft_out_events(ft_out *o, ft_plan_events *ev)
{
    ev->ctx = o;
    ev->note = ev_note;
    ev->phase = ev_phase;
    ev->progress = ev_progress;
    ev->phase_end = ev_phase_end;
}
