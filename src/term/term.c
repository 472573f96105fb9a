/* The terminal's state: a cache per memory (the chip's bytes as read, the
 * changes not yet written), the plans that read and write the chip, and the
 * command dispatch. Every access to the chip is an ft_plan run, so the
 * terminal gets the session's checks (signature, clock, fuse safety, look
 * before erase, EEPROM kept through an erase) without a second copy. */
#include "term_priv.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int ft_term_new(ft_term **out, const ft_term_target *tg, FILE *f, ft_err *err)
{
    ft_term *t = calloc(1, sizeof *t);
    if (!t)
        return ft_err_set(err, FT_E_FAIL, "out of memory");
    t->tg = *tg;
    /* reads fetch whole memories into the cache: keep every byte */
    t->tg.opts.keep_ff = true;
    t->tg.opts.erase = false;
    t->out = f;
    t->last_dump = -1;
    *out = t;
    return FT_OK;
}

void ft_term_free(ft_term *t)
{
    if (!t)
        return;
    for (int i = 0; i < t->nmem; i++) {
        ft_image_free(&t->mem[i].chip);
        ft_image_free(&t->mem[i].pend);
    }
    free(t);
}

bool ft_term_quit_asked(const ft_term *t) { return t->quit; }

term_mem *term_mem_get(ft_term *t, const char *name, ft_err *err)
{
    ft_memsel sel;
    if (ft_mem_canonical(t->tg.part, name, &sel, err) != FT_OK)
        return NULL;
    for (int i = 0; i < t->nmem; i++)
        if (strcmp(t->mem[i].sel.name, sel.name) == 0)
            return &t->mem[i];
    if (t->nmem >= FT_MAX_MEMS) {
        ft_err_set(err, FT_E_FAIL, "internal: too many memories");
        return NULL;
    }
    term_mem *tm = &t->mem[t->nmem++];
    memset(tm, 0, sizeof *tm);
    tm->sel = sel;
    ft_image_init(&tm->chip, sel.size);
    ft_image_init(&tm->pend, sel.size);
    return tm;
}

uint8_t term_byte(const term_mem *tm, uint32_t a)
{
    return ft_image_is_set(&tm->pend, a) ? ft_image_get(&tm->pend, a) : ft_image_get(&tm->chip, a);
}

uint8_t term_shown(const ft_term *t, const term_mem *tm, uint32_t a)
{
    return t->tg.opts.dry_run ? ft_image_get(&tm->chip, a) : term_byte(tm, a);
}

uint32_t term_unwritten(const ft_term *t, const term_mem *tm, uint32_t addr, uint32_t n)
{
    uint32_t k = 0;
    for (uint32_t a = addr; t->tg.opts.dry_run && a < addr + n; a++)
        k += ft_image_is_set(&tm->pend, a) && ft_image_get(&tm->pend, a) != ft_image_get(&tm->chip, a);
    return k;
}

bool term_pending(const ft_term *t)
{
    for (int i = 0; i < t->nmem; i++)
        if (!ft_image_empty(&t->mem[i].pend))
            return true;
    return false;
}

void term_invalidate(ft_term *t)
{
    for (int i = 0; i < t->nmem; i++) {
        t->mem[i].loaded = false;
        ft_image_clear(&t->mem[i].chip);
        ft_image_clear(&t->mem[i].pend);
    }
}

bool term_parse_int(const char *s, long *v)
{
    char *end;
    if (!*s)
        return false;
    *v = strtol(s, &end, 0);
    return *end == '\0';
}

/* The session's notes one level quieter, except what -n keeps from the chip
 * ("... would become ... (-n)"): said as -U says it, whatever the level. */
typedef struct dry_notes {
    ft_plan_events inner;
    ft_out *out;
    int verbosity;
} dry_notes;

static void dry_note(void *ctx, int level, const char *msg)
{
    dry_notes *d = ctx;
    size_t n = strlen(msg);
    if (level == 0 && n >= 4 && strcmp(msg + n - 4, "(-n)") == 0) {
        int v = d->out->verbosity;
        d->out->verbosity = d->verbosity;
        d->inner.note(d->inner.ctx, level, msg);
        d->out->verbosity = v;
        return;
    }
    d->inner.note(d->inner.ctx, level, msg);
}

int term_run(ft_term *t, ft_opspec *specs, int nspecs, bool erase, ft_err *err)
{
    ft_plan plan;
    ft_result res = {0};
    ft_plan_opts o = t->tg.opts;
    o.erase = erase;
    ft_out *out = t->tg.out;
    /* a build that fails part-way leaves what ft_plan_free releases */
    int rc = ft_plan_build(&plan, t->tg.db, t->tg.part, specs, nspecs, &o, err);
    if (rc == FT_OK)
        rc = ft_result_init(&res, &plan, err);
    if (rc == FT_OK) {
        ft_plan_events ev;
        /* the session's routine notes (signature, SCK) once per command
         * would drown the terminal's output: one level quieter */
        int v = out->verbosity;
        out->verbosity = v - 1;
        ft_out_events(out, &ev);
        if (v < 1)   /* no progress bars between the commands' output */
            ev.phase = NULL, ev.progress = NULL, ev.phase_end = NULL;
        dry_notes dn = {.inner = ev, .out = out, .verbosity = v};
        if (o.dry_run) {
            ev.ctx = &dn;
            ev.note = dry_note;
        }
        rc = ft_plan_run(&plan, &res, t->tg.w, &ev, err);
        out->verbosity = v;
    }
    for (int i = 0; rc == FT_OK && i < plan.nops; i++) {
        const ft_op *op = &plan.ops[i];
        if (op->spec.kind != FT_OP_READ)
            continue;
        term_mem *tm = term_mem_get(t, op->spec.memory, err);
        if (!tm) {
            rc = err->code;
            break;
        }
        const ft_image *got = &res.ops[i].img;
        ft_image_clear(&tm->chip);
        uint32_t ext = ft_image_extent(got);
        for (uint32_t a = 0; a < ext; a++)
            ft_image_store(&tm->chip, a, ft_image_get(got, a));
        tm->loaded = true;
    }
    ft_result_free(&res);
    ft_plan_free(&plan);
    return rc;
}

int term_load(ft_term *t, term_mem *tm, ft_err *err)
{
    if (tm->loaded)
        return FT_OK;
    ft_opspec s = {.kind = FT_OP_READ, .file = "terminal", .fmt = FT_FMT_RAW, .in_memory = true};
    snprintf(s.memory, sizeof s.memory, "%s", tm->sel.name);
    return term_run(t, &s, 1, false, err);
}

int term_write_byte(ft_term *t, term_mem *tm, uint8_t v, ft_err *err)
{
    ft_image img;
    ft_image_init(&img, 1);
    ft_image_store(&img, 0, v);
    ft_opspec s = {.kind = FT_OP_WRITE, .file = "terminal", .fmt = FT_FMT_RAW, .data = &img};
    snprintf(s.memory, sizeof s.memory, "%s", tm->sel.name);
    int rc = term_run(t, &s, 1, false, err);
    ft_image_free(&img);
    tm->loaded = false;   /* read again: unused bits, refused writes */
    ft_image_clear(&tm->chip);
    return rc;
}

/* A cached flash write keeps the rest of the flash by writing back what was
 * read; with the lock bits in mode 3 the chip reads back no such thing, so
 * the rest would be lost in the erase. */
static int flash_readable(ft_term *t, ft_err *err)
{
    const ft_fuse *f;
    const ft_field *lb = ft_part_field(t->tg.part, "LB", &f);
    if (!lb || !lb->mask || f != &t->tg.part->lock)
        return FT_OK;
    term_mem *tm = term_mem_get(t, "lock", err);
    if (!tm)
        return err->code;
    int rc = term_load(t, tm, err);
    if (rc == FT_OK && (term_byte(tm, 0) & lb->mask) == 0)
        rc = ft_err_set(err, FT_E_UNSAFE, "flash write refused: the lock bits (0x%02x) stop the flash being read, "
                        "so the rest of it cannot be kept; `erase` the chip first", term_byte(tm, 0));
    return rc;
}

int ft_term_flush(ft_term *t, ft_err *err)
{
    ft_opspec specs[2];
    ft_image imgs[2];
    term_mem *mems[2];
    int n = 0;
    for (int i = 0; i < t->nmem && n < 2; i++) {
        term_mem *tm = &t->mem[i];
        if (ft_image_empty(&tm->pend))
            continue;
        ft_image_init(&imgs[n], tm->sel.size);
        /* flash: the whole memory, so that an erase keeps what the user did
         * not change; EEPROM: only the changed bytes */
        bool whole = strcmp(tm->sel.name, "flash") == 0;
        for (uint32_t a = 0; a < tm->sel.size; a++)
            if (ft_image_is_set(&tm->pend, a) || whole)
                ft_image_store(&imgs[n], a, term_byte(tm, a));
        memset(&specs[n], 0, sizeof specs[n]);
        snprintf(specs[n].memory, sizeof specs[n].memory, "%s", tm->sel.name);
        specs[n].kind = FT_OP_WRITE;
        specs[n].file = "terminal";
        specs[n].fmt = FT_FMT_RAW;
        specs[n].data = &imgs[n];
        mems[n++] = tm;
    }
    if (!n)
        return FT_OK;
    int rc = FT_OK;
    for (int i = 0; i < n && rc == FT_OK; i++)
        if (strcmp(mems[i]->sel.name, "flash") == 0)
            rc = flash_readable(t, err);
    if (rc == FT_OK)
        rc = term_run(t, specs, n, false, err);
    for (int i = 0; i < n; i++) {
        term_mem *tm = mems[i];
        if (rc == FT_OK && !t->tg.opts.dry_run) {
            uint32_t ext = ft_image_extent(&tm->pend);
            for (uint32_t a = 0; a < ext; a++)
                if (ft_image_is_set(&tm->pend, a))
                    ft_image_store(&tm->chip, a, ft_image_get(&tm->pend, a));
        } else {
            tm->loaded = false;   /* the chip's state is what a new read says */
            ft_image_clear(&tm->chip);
        }
        ft_image_clear(&tm->pend);
        ft_image_free(&imgs[i]);
    }
    return rc;
}

int ft_term_split(const char *line, char *buf, char **argv, int max)
{
    int argc = 0;
    const char *p = line;
    char *o = buf;
    for (;;) {
        while (*p && isspace((unsigned char)*p))
            p++;
        if (!*p || *p == '#')
            break;
        if (argc >= max)
            return argc;
        argv[argc++] = o;
        char q = 0;
        while (*p && (q || !isspace((unsigned char)*p))) {
            if (q && *p == '\\' && p[1]) {
                *o++ = *p++;
            } else if (*p == q) {
                q = 0;
            } else if (!q && (*p == '"' || *p == '\'')) {
                q = *p;
            }
            *o++ = *p++;
        }
        if (q)
            return -1;
        *o++ = '\0';
    }
    return argc;
}

int ft_term_exec(ft_term *t, const char *line, ft_err *err)
{
    size_t len = strlen(line);
    char *buf = malloc(len + 1);
    char **argv = malloc(TERM_MAX_ARGS * sizeof *argv);
    int rc = FT_OK;
    if (!buf || !argv) {
        rc = ft_err_set(err, FT_E_FAIL, "out of memory");
        goto out;
    }
    int argc = ft_term_split(line, buf, argv, TERM_MAX_ARGS);
    if (argc < 0) {
        rc = ft_err_set(err, FT_E_USAGE, "%s: expected a closing quote", line);
        goto out;
    }
    if (argc == 0)
        goto out;
    int n;
    const term_cmd *cmds = term_commands(&n), *hit = NULL;
    int hits = 0;
    for (int i = 0; i < n; i++) {
        if (strcasecmp(cmds[i].name, argv[0]) == 0) {
            hit = &cmds[i];
            hits = 1;
            break;
        }
        if (strncasecmp(cmds[i].name, argv[0], strlen(argv[0])) == 0 && (!hit || hit->fn != cmds[i].fn)) {
            hit = &cmds[i];
            hits++;
        }
    }
    if (hits != 1) {
        rc = ft_err_set(err, FT_E_USAGE, "%s: %s command; help lists them", argv[0],
                        hits ? "ambiguous" : "unknown");
        goto out;
    }
    rc = hit->fn(t, argc, argv, err);
out:
    free(buf);
    free(argv);
    return rc;
}
