#include "ftisp/report.h"
#include "ftisp/progdb.h"

#include <ctype.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BAR 40
#define AD_BAR 50   /* avrdude's bar: 50 cells, 2% each */

static const char *prefix(const ft_out *o)
{
    return o->avrdude ? "avrdude: " : "ftisp: ";
}

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* avrdude names the part by its -p id */
static void ad_signature(ft_out *o)
{
    if (!o->avrdude || o->sig_shown || !o->plan || !o->res || !o->res->have_signature || o->verbosity < 0)
        return;
    const uint8_t *s = o->res->signature;
    o->sig_shown = true;
    const ft_part *p = o->plan->part;
    bool match = p && memcmp(p->signature, s, 3) == 0;
    if (o->verbosity > 0)   /* avrdude -v: the chip answered Programming Enable */
        fprintf(o->f, "\nAVR device initialized and ready to accept instructions\n");
    fprintf(o->f, "avrdude: Device signature = 0x%02x%02x%02x", s[0], s[1], s[2]);
    if (match)
        fprintf(o->f, " (probably %s)", p->id);
    fputc('\n', o->f);
}

/* ---- avrdude 8.2's -v header. The facts tools and users read there, in
 * avrdude's field layout: a 22-column label, " : ", the value. */

static void end_bar(ft_out *o);

static void ad_field(FILE *f, const char *label, const char *value)
{
    fprintf(f, "%-22s: %s\n", label, value);
}

static void ad_pins(FILE *f, const char *name, const ft_pins *pins)
{
    char buf[96] = "";
    size_t n = 0;
    for (int i = 0; i < pins->n && n < sizeof buf - 8; i++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s%d", i ? ", " : "", pins->low[i] ? "~" : "",
                              pins->pin[i]);
    fprintf(f, "  %-6s = %s\n", name, n ? buf : "(not used)");
}

void ft_out_avrdude_header(ft_out *o, const ft_avrdude_header *h)
{
    if (!o->avrdude || o->verbosity < 1)
        return;
    FILE *f = o->f;
    end_bar(o);
    if (h->sys_config)
        fprintf(f, "System wide configuration file is %s\n", h->sys_config);
    if (h->user_config)
        fprintf(f, "User configuration file %s%s%s\n", h->user_config_exists ? "is " : "", h->user_config,
                h->user_config_exists ? "" : " does not exist");
    fputc('\n', f);
    const ft_programmer *pg = h->prog;
    bool dry = pg && strcmp(pg->type, "dryrun") == 0;
    if (!dry)
        ad_field(f, "Using port", h->port ? h->port : "usb");
    if (h->programmer_id)
        ad_field(f, "Using programmer", h->programmer_id);
    if (h->part)
        ad_field(f, "AVR part", h->part->name);
    if (pg) {
        ad_field(f, "Programmer type", pg->type);
        ad_field(f, "Description", pg->desc);
        /* avrdude's order of the pin functions */
        static const struct { int fn; const char *name; } order[] = {
            {FT_PIN_VCC, "VCC"},       {FT_PIN_BUFF, "BUFF"},     {FT_PIN_RESET, "RESET"},
            {FT_PIN_SCK, "SCK"},       {FT_PIN_SDO, "SDO"},       {FT_PIN_SDI, "SDI"},
            {FT_PIN_ERRLED, "ERRLED"}, {FT_PIN_RDYLED, "RDYLED"}, {FT_PIN_PGMLED, "PGMLED"},
            {FT_PIN_VFYLED, "VFYLED"},
        };
        if (strcmp(pg->type, "avrftdi") == 0)
            ad_field(f, "pin assignment", "0..7 = DBUS0..7, 8..15 = CBUS0..7");
        if (!dry)
            for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
                ad_pins(f, order[i].name, &pg->pins[order[i].fn]);
    }
    fflush(f);
}

void ft_out_avrdude(ft_out *o, const ft_plan *plan, const ft_result *res)
{
    o->res = res;
    o->avrdude = true;
    o->plan = plan;
}

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
    ad_signature(o);
    va_list ap;
    va_start(ap, fmt);
    fputs(prefix(o), o->f);
    vfprintf(o->f, fmt, ap);
    fputc('\n', o->f);
    va_end(ap);
    fflush(o->f);
}

void ft_out_error(ft_out *o, const char *msg)
{
    end_bar(o);
    if (o->avrdude)
        fprintf(o->f, "avrdude error: %s\n", msg);
    else
        fprintf(o->f, "ftisp: %s\n", msg);
    fflush(o->f);
}

/* ---- avrdude's bars: "Writing | #...# | 100% 0.12 s" on a terminal (drawn
 * over with \r), "Writing | #...# | 100% 0.12s" grown in place elsewhere */

static void ad_phase(ft_out *o, const char *what, uint32_t total)
{
    ad_signature(o);
    o->phase_t0 = mono();
    o->in_phase = true;
    o->drawn = 0;
    o->total = total;
    const char *hdr = strncmp(what, "writing", 7) == 0 || strncmp(what, "restoring", 9) == 0 ? "Writing"
                      : strncmp(what, "erasing", 7) == 0 ? NULL : "Reading";
    snprintf(o->what, sizeof o->what, "%s", hdr ? hdr : "");
    if (o->verbosity < 0)
        return;
    if (!hdr) {
        fprintf(o->f, "avrdude: %s\n", what);
        o->in_phase = false;
        o->drawn = -1;
        return;
    }
    if (o->tty)
        fprintf(o->f, "\r%s | %*s | 0%% 0.00 s ", hdr, AD_BAR, "");
    else
        fprintf(o->f, "%s | ", hdr);
    fflush(o->f);
}

static void ad_draw(ft_out *o, int pct, bool failed)
{
    int cells = pct / 2;
    double t = mono() - o->phase_t0;
    if (cells <= o->drawn && pct < 100)
        return;   /* a bar only grows (a checked read passes twice) */
    if (cells < o->drawn)
        cells = o->drawn;
    if (o->tty) {
        fprintf(o->f, "\r%s | ", o->what);
        for (int i = 0; i < AD_BAR; i++)
            fputc(i < cells ? '#' : failed ? '-' : ' ', o->f);
        fprintf(o->f, " | %d%% %0.2f s ", pct, t);
    } else {
        for (; o->drawn < cells; o->drawn++)
            fputc(failed ? '-' : '#', o->f);
    }
    o->drawn = cells;
    fflush(o->f);
}

static void ad_phase_end(ft_out *o, int status)
{
    if (o->verbosity < 0 || !o->in_phase || o->drawn < 0) {
        o->in_phase = false;
        return;
    }
    int last = o->drawn * 2;
    if (status == FT_OK)
        ad_draw(o, 100, false);
    else if (o->tty)
        ad_draw(o, last, true);
    else
        for (; o->drawn < AD_BAR; o->drawn++)
            fputc('-', o->f);
    if (!o->tty)
        fprintf(o->f, " | %d%% %0.2fs", status == FT_OK ? 100 : last, mono() - o->phase_t0);
    fputs("\n\n", o->f);
    fflush(o->f);
    o->in_phase = false;
    o->drawn = -1;
}

static const char *plural(uint32_t n)
{
    return n == 1 ? "" : "s";
}

void ft_out_avrdude_end(ft_out *o, const ft_plan *plan, const ft_result *res)
{
    if (o->verbosity < -1)
        return;   /* -qq: silent, as avrdude (its test script wants nothing on stderr) */
    ad_signature(o);
    for (int k = 0; plan && res && o->verbosity >= 0 && k < plan->nops && k < res->nops; k++) {
        int i = plan->order ? plan->order[k] : k;
        const ft_op *op = &plan->ops[i];
        const ft_op_result *or = &res->ops[i];
        const char *mem = op->spec.memory;
        if (or->status != FT_OK || op->spec.in_memory)
            continue;
        if (op->spec.kind == FT_OP_WRITE) {
            if (!or->dry_run)
                fprintf(o->f, "avrdude: %u byte%s of %s written\n", or->bytes, plural(or->bytes), mem);
            if (or->verified == 1)
                fprintf(o->f, "avrdude: %u byte%s of %s verified\n", or->bytes, plural(or->bytes), mem);
        } else if (op->spec.kind == FT_OP_READ) {
            fprintf(o->f, "avrdude: writing %u byte%s to output file %s\n", or->bytes, plural(or->bytes),
                    strcmp(op->spec.file, "-") == 0 ? "<stdout>" : op->spec.file);
        } else if (or->verified == 1) {
            fprintf(o->f, "avrdude: %u byte%s of %s verified\n", or->bytes, plural(or->bytes), mem);
        }
    }
    fprintf(o->f, "\navrdude done.  Thank you.\n\n");
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
    if (o->avrdude) {
        ad_phase(o, what, total);
        return;
    }
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
    if (o->avrdude) {
        if (o->in_phase && o->drawn >= 0 && total && o->verbosity >= 0)
            ad_draw(o, (int)((uint64_t)(done > total ? total : done) * 100 / total), false);
        return;
    }
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
    if (o->avrdude) {
        ad_phase_end(o, status);
        return;
    }
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
