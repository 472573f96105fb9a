/* Building the plan: every file parsed and checked against the part, and the
 * order fixed, before any adapter is opened. */
#include "ftisp/plan.h"

#include "ftisp/plan_check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int ft_plan_memkind(const ft_part *p, const char *memory, int *fuse_index)
{
    *fuse_index = -1;
    if (strcmp(memory, "flash") == 0)
        return p->flash.size ? FT_MEM_FLASH : -1;
    if (strcmp(memory, "eeprom") == 0)
        return p->eeprom.size ? FT_MEM_EEPROM : -1;
    if (strcmp(memory, "lock") == 0)
        return p->lock.writable || p->lock.name[0] ? FT_MEM_LOCK : -1;
    if (strcmp(memory, "signature") == 0)
        return FT_MEM_SIGNATURE;
    if (strcmp(memory, "calibration") == 0)
        return p->calibration_bytes ? FT_MEM_CALIBRATION : -1;
    const ft_fuse *f = ft_part_fuse(p, memory);
    if (f && strcmp(f->name, "lock") != 0) {
        *fuse_index = f->index;
        return FT_MEM_FUSE;
    }
    int d = ft_mem_data(p, memory, NULL, NULL);
    if (d >= 0) {
        *fuse_index = d;
        return FT_MEM_DATA;
    }
    return -1;
}

static uint32_t mem_size(const ft_part *p, int kind, int fi)
{
    uint32_t size = 0;
    switch (kind) {
    case FT_MEM_DATA: return ft_mem_data_at(p, fi, NULL, &size) >= 0 ? size : 0;
    case FT_MEM_FLASH: return p->flash.size;
    case FT_MEM_EEPROM: return p->eeprom.size;
    case FT_MEM_SIGNATURE: return 3;
    case FT_MEM_CALIBRATION: return p->calibration_bytes;
    default: return 1;
    }
}

/* A read with no format: by the file's extension (the table of formats),
 * else what avrdude 8 writes: raw binary for one memory, Intel HEX with
 * comments for several. A format that cannot be written (ELF) is refused
 * below, rather than raw bytes written to a file named .elf. */
static ft_format output_format(const char *file, bool multi)
{
    ft_format f = ft_format_claimed(file);
    if (f == FT_FMT_IHEX && multi)
        return FT_FMT_IHEXC;
    if (f != FT_FMT_AUTO)
        return f;
    return multi ? FT_FMT_IHEXC : FT_FMT_RAW;
}

/* A read in a format that has no writer: "-U flash:r:x.elf: ftisp reads ELF
 * files but does not write them; name the file .hex, .srec or .bin, or
 * give a format (:i, :s, :r)" when the file's name chose it, else the
 * letters that can be written. */
static int not_writable(const ft_opspec *s, ft_err *err)
{
    char list[160], opts[160];
    if (ft_format_claimed(s->file) != s->fmt)
        return ft_err_set(err, FT_E_USAGE, "-U %s:r:%s:%c: format %c is for input only; use %s", s->memory,
                          s->file, s->fmt, s->fmt,
                          ft_format_list(list, sizeof list, FT_HAS_WRITER, FT_ITEM_LETTER, ", ", " or "));
    return ft_err_set(err, FT_E_USAGE,
                      "-U %s:r:%s: ftisp reads %s files but does not write them; name the file %s, or give a "
                      "format (%s)",
                      s->memory, s->file, ft_format_name(s->fmt),
                      ft_format_list(list, sizeof list, FT_HAS_WRITER | FT_HAS_EXTS, FT_ITEM_EXT, ", ", " or "),
                      ft_format_list(opts, sizeof opts, FT_HAS_WRITER | FT_HAS_EXTS, FT_ITEM_OPTION, ", ", NULL));
}

/* The format `a` stands for, so that reports name the real one: the one
 * the name claims, else what the first bytes are (content that is none of
 * the formats is refused). Standard input cannot be peeked at: the reader
 * decides; so it does for a file that cannot be opened, and says why. */
static int detect_file(const char *file, ft_format *fmt, ft_err *err)
{
    *fmt = FT_FMT_AUTO;
    if (strcmp(file, "-") == 0)
        return FT_OK;
    if (ft_format_claimed(file) != FT_FMT_AUTO) {
        *fmt = ft_format_claimed(file);
        return FT_OK;
    }
    FILE *f = fopen(file, "rb");
    if (!f)
        return FT_OK;
    uint8_t head[512];
    size_t n = fread(head, 1, sizeof head, f);
    fclose(f);
    return ft_format_resolve(file, true, head, n, fmt, err);
}

bool ft_plan_fuse_write(const ft_part *p, const ft_op *op)
{
    int fi;
    return op->spec.kind == FT_OP_WRITE && ft_plan_memkind(p, op->spec.memory, &fi) == FT_MEM_FUSE;
}

/* The order given, with two exceptions safety needs: fuse writes first (a
 * clock change must come before the flash goes at the new speed), lock
 * writes last (they may stop later writes and reads). Reads and verifies,
 * fuse and lock ones included, keep their places. */
static int rank(const ft_part *p, const ft_op *op)
{
    int fi;
    if (ft_plan_fuse_write(p, op))
        return 0;
    if (op->spec.kind == FT_OP_WRITE && ft_plan_memkind(p, op->spec.memory, &fi) == FT_MEM_LOCK)
        return 2;
    return 1;
}

#define FLAT_END 0x840010u

/* A list of values for a one-byte memory was read with room for more, so
 * that a second value is reported as one; a single sized number such as
 * 0x002a (avrdude 8: two bytes) is the one value with zero padding, which
 * reading with the memory's own size drops. */
static void one_sized_value(ft_op *op, int kind)
{
    ft_format f = op->spec.fmt;
    if ((kind != FT_MEM_FUSE && kind != FT_MEM_LOCK) || ft_image_extent(&op->img) <= 1 ||
        !ft_format_is(f, FT_FMTF_LIST) || strcmp(op->spec.file, "-") == 0)
        return;
    ft_image one;
    ft_err ignore = {0};
    ft_image_init(&one, 1);
    if (ft_image_read_file(&one, op->spec.file, f, op->spec.memory, &ignore) == FT_OK) {
        ft_image_free(&op->img);
        op->img = one;
    } else {
        ft_image_free(&one);
    }
}

/* Checks one operation of the plan: a read's format and output file; a
 * write's or verify's data, read now from its file unless it is there
 * already (a multi-memory file, the terminal's bytes), and its fuse values. */
static int plan_op(ft_plan *plan, ft_op *op, int kind, int multi, bool filled, ft_err *err)
{
    const ft_part *part = plan->part;
    if (op->spec.kind == FT_OP_READ) {
        if (op->spec.fmt == FT_FMT_AUTO)
            op->spec.fmt = op->spec.in_memory || (plan->opts.avrdude_formats && !multi)
                               ? FT_FMT_RAW : output_format(op->spec.file, multi == 1);
        const ft_format_info *form = ft_format_info_of(op->spec.fmt);
        if (form && !form->write)
            return not_writable(&op->spec, err);
        /* a read into a file that cannot be made is refused now, not
         * after the whole read */
        return op->spec.in_memory ? FT_OK : ft_image_check_output(op->spec.file, err);
    }
    if (op->spec.kind == FT_OP_WRITE &&
        (kind == FT_MEM_SIGNATURE || kind == FT_MEM_CALIBRATION || kind == FT_MEM_DATA))
        return ft_err_set(err, FT_E_USAGE, "-U %s:w: the %s memory is read-only",
                          op->spec.memory, op->spec.memory);
    if (op->spec.data) {
        uint32_t ext = ft_image_extent(op->spec.data);
        for (uint32_t a = 0; a < ext; a++)
            if (ft_image_is_set(op->spec.data, a) &&
                ft_image_store(&op->img, a, ft_image_get(op->spec.data, a)) != FT_PUT_OK)
                return ft_err_set(err, FT_E_INPUT, "%s: 0x%x is past the end of %s", op->spec.file, a,
                                  op->spec.memory);
        filled = true;
    }
    if (!filled) {
        int rc = op->spec.fmt == FT_FMT_AUTO ? detect_file(op->spec.file, &op->spec.fmt, err) : FT_OK;
        if (rc == FT_OK)
            rc = ft_image_read_file(&op->img, op->spec.file, op->spec.fmt, op->spec.memory, err);
        if (rc == FT_OK) {
            one_sized_value(op, kind);
            rc = ft_plan_check_input(op, kind, err);
        }
        if (rc != FT_OK)
            return rc;
    }
    if (ft_image_count(&op->img) == 0)
        return ft_err_set(err, FT_E_INPUT, "%s: no data for %s in the file: refusing to %s nothing",
                          strcmp(op->spec.file, "-") ? op->spec.file : "<stdin>", op->spec.memory,
                          op->spec.kind == FT_OP_WRITE ? "write" : "verify against");
    if (kind == FT_MEM_FLASH && op->spec.kind == FT_OP_WRITE) {
        plan->writes_flash = true;
        if (!plan->opts.keep_ff)
            ft_image_trim_ff(&op->img);
    }
    if ((kind == FT_MEM_FUSE || kind == FT_MEM_LOCK) && op->spec.kind == FT_OP_WRITE) {
        if (!ft_image_is_set(&op->img, 0))
            return ft_err_set(err, FT_E_INPUT, "%s: no value for %s in the file",
                              op->spec.file, op->spec.memory);
        const ft_fuse *f = kind == FT_MEM_LOCK ? &part->lock : ft_part_fuse(part, op->spec.memory);
        uint8_t v = ft_image_get(&op->img, 0);
        /* The clock rule needs the chip's fuses: checked again once read. */
        ft_fuse_ctx fc = {.now = NULL, .crystal_hz = plan->opts.fck_hz, .allow = plan->opts.allow};
        return ft_fuse_check(part, f, v, &fc, err);
    }
    return FT_OK;
}

/* One file for several memories (not ELF, which gives each memory by
 * name): read once, at flat addresses, into *whole. */
static int read_whole(const ft_opspec *spec, const ft_memsel *sel, int nsel, int multi, ft_format fmt,
                      ft_image *whole, ft_err *err)
{
    uint32_t lim = 0;
    for (int k = 0; k < nsel; k++)
        if (sel[k].flat + sel[k].size > lim)
            lim = sel[k].flat + sel[k].size;
    ft_image_init(whole, multi == 1 ? FLAT_END : lim);
    int rc = ft_image_read_file(whole, spec->file, fmt, "any", err);
    if (rc != FT_OK)
        ft_image_free(whole);
    return rc;
}

/* The operation of spec on the memory sel, appended to the plan unless the
 * file has nothing for it (*used counts those appended). whole: the file
 * read for several memories, or NULL. */
static int add_op(ft_plan *plan, const ft_opspec *spec, const ft_memsel *sel, ft_format fmt, int multi, int first,
                  const ft_image *whole, int *used, ft_err *err)
{
    const ft_part *part = plan->part;
    ft_op *op = &plan->ops[plan->nops];
    op->spec = *spec;
    memset(op->spec.memory, 0, sizeof op->spec.memory);
    memcpy(op->spec.memory, sel->name, sizeof sel->name);
    op->spec.fmt = fmt;
    op->multi = multi ? first + 1 : 0;
    op->flat = sel->flat;
    int fi;
    int kind = ft_plan_memkind(part, op->spec.memory, &fi);
    op->mem_size = mem_size(part, kind, fi);
    /* a lone input for a one-byte memory is read with room for a second
     * value, so that one is reported as such */
    ft_image_init(&op->img, op->spec.kind == FT_OP_READ || multi ? op->mem_size
                                                                 : ft_plan_input_limit(op->mem_size));
    bool skip = multi && op->spec.kind == FT_OP_WRITE &&
                (kind == FT_MEM_SIGNATURE || kind == FT_MEM_CALIBRATION);   /* read-only */
    if (!skip && multi && !whole && op->spec.kind != FT_OP_READ) {
        /* ELF: each memory from its own section */
        int rc = ft_image_read_file(&op->img, op->spec.file, fmt, op->spec.memory, err);
        if (rc != FT_OK) {
            ft_image_free(&op->img);
            return rc;
        }
        skip = ft_image_empty(&op->img);
    }
    if (!skip && whole) {
        for (uint32_t a = 0; a < op->mem_size; a++)
            if (ft_image_is_set(whole, op->flat + a))
                ft_image_store(&op->img, a, ft_image_get(whole, op->flat + a));
        skip = ft_image_empty(&op->img);   /* the file has nothing for it */
    }
    if (skip) {
        ft_image_free(&op->img);
        memset(op, 0, sizeof *op);
        return FT_OK;
    }
    plan->nops++;   /* from here ft_plan_free releases it */
    (*used)++;
    return plan_op(plan, op, kind, multi, multi && op->spec.kind != FT_OP_READ, err);
}

/* One -U: an operation per memory it names (a list, or `fuses`). */
static int add_spec(ft_plan *plan, const ft_opspec *spec, ft_err *err)
{
    ft_memsel sel[FT_MAX_MEMS];
    int nsel = 0, multi = 0;
    int rc = ft_mem_select(plan->part, spec->memory, sel, &nsel, &multi, err);
    if (rc != FT_OK)
        return ft_err_set(err, rc, "-U %s:%c:%s: %s", spec->memory, spec->kind, spec->file, err->msg);
    ft_image whole;
    bool have_whole = false;
    ft_format fmt = spec->fmt;
    if (multi && spec->kind != FT_OP_READ) {
        if (fmt == FT_FMT_AUTO && (rc = detect_file(spec->file, &fmt, err)) != FT_OK)
            return rc;
        if (!ft_format_is(fmt, FT_FMTF_BY_MEMORY)) {
            if ((rc = read_whole(spec, sel, nsel, multi, fmt, &whole, err)) != FT_OK)
                return rc;
            have_whole = true;
        }
    }
    int first = plan->nops, used = 0;
    for (int k = 0; rc == FT_OK && k < nsel; k++)
        rc = add_op(plan, spec, &sel[k], fmt, multi, first, have_whole ? &whole : NULL, &used, err);
    if (have_whole)
        ft_image_free(&whole);
    if (rc == FT_OK && !used)
        return ft_err_set(err, FT_E_INPUT, "-U %s:%c:%s: the file holds nothing for %s", spec->memory,
                          spec->kind, spec->file, spec->memory);
    return rc;
}

int ft_plan_build(ft_plan *plan, const ft_partdb *db, const ft_part *part, const ft_opspec *specs,
                  int nspecs, const ft_plan_opts *opts, ft_err *err)
{
    memset(plan, 0, sizeof *plan);
    plan->part = part;
    plan->db = db;
    plan->opts = *opts;
    /* a memory list or `fuses` becomes one operation per memory */
    size_t cap = (size_t)(nspecs ? nspecs : 1) * FT_MAX_MEMS;
    plan->ops = calloc(cap, sizeof *plan->ops);
    plan->order = calloc(cap, sizeof *plan->order);
    if (!plan->ops || !plan->order)
        return ft_err_set(err, FT_E_FAIL, "out of memory");
    int rc = ft_plan_check_stdin(specs, nspecs, err);
    for (int i = 0; rc == FT_OK && i < nspecs; i++)
        rc = add_spec(plan, &specs[i], err);
    if (rc != FT_OK)
        return rc;
    plan->auto_erase = plan->writes_flash && !opts->no_erase && !opts->erase;
    int n = 0;
    for (int r = 0; r < 3; r++)
        for (int i = 0; i < plan->nops; i++)
            if (rank(part, &plan->ops[i]) == r)
                plan->order[n++] = i;
    return FT_OK;
}

int ft_result_init(ft_result *res, const ft_plan *plan, ft_err *err)
{
    memset(res, 0, sizeof *res);
    res->erase_status = -1;
    if (plan->nops == 0)
        return FT_OK;
    res->ops = calloc((size_t)plan->nops, sizeof *res->ops);
    if (!res->ops)
        return ft_err_set(err, FT_E_FAIL, "out of memory");
    res->nops = plan->nops;
    for (int i = 0; i < res->nops; i++) {
        ft_image_init(&res->ops[i].img, plan->ops[i].mem_size);
        res->ops[i].verified = -1;
        res->ops[i].status = -1;
    }
    return FT_OK;
}

void ft_result_free(ft_result *res)
{
    for (int i = 0; i < res->nops; i++)
        ft_image_free(&res->ops[i].img);
    free(res->ops);
    memset(res, 0, sizeof *res);
}

void ft_plan_free(ft_plan *plan)
{
    for (int i = 0; i < plan->nops; i++)
        ft_image_free(&plan->ops[i].img);
    free(plan->ops);
    free(plan->order);
    memset(plan, 0, sizeof *plan);
}
