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
    return -1;
}

static void list_memories(const ft_part *p, char *buf, size_t len)
{
    size_t n = 0;
    buf[0] = '\0';
    const char *fixed[] = {"flash", "eeprom"};
    for (int i = 0; i < 2; i++)
        if ((i == 0 ? p->flash.size : p->eeprom.size) && n < len)
            n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? ", " : "", fixed[i]);
    for (int i = 0; i < p->nfuses && n < len; i++)
        n += (size_t)snprintf(buf + n, len - n, ", %s", p->fuses[i].name);
    if (n < len)
        n += (size_t)snprintf(buf + n, len - n, ", lock, signature%s",
                              p->calibration_bytes ? ", calibration" : "");
}

static uint32_t mem_size(const ft_part *p, int kind)
{
    switch (kind) {
    case FT_MEM_FLASH: return p->flash.size;
    case FT_MEM_EEPROM: return p->eeprom.size;
    case FT_MEM_SIGNATURE: return 3;
    case FT_MEM_CALIBRATION: return p->calibration_bytes;
    default: return 1;
    }
}

/* A read with no format: by the file's extension, else Intel HEX for the
 * big memories and a 0x-hex byte list for fuses, lock and the like. */
static ft_format output_format(const char *file, uint32_t size)
{
    static const struct { const char *ext; ft_format fmt; } by_ext[] = {
        {".hex", FT_FMT_IHEX}, {".ihx", FT_FMT_IHEX}, {".ihex", FT_FMT_IHEX},
        {".eep", FT_FMT_IHEX}, {".srec", FT_FMT_SREC}, {".s19", FT_FMT_SREC},
        {".s28", FT_FMT_SREC}, {".s37", FT_FMT_SREC}, {".mot", FT_FMT_SREC},
        {".bin", FT_FMT_RAW},  {".raw", FT_FMT_RAW},
    };
    const char *dot = strrchr(file, '.');
    for (size_t i = 0; dot && i < sizeof by_ext / sizeof by_ext[0]; i++)
        if (strcasecmp(dot, by_ext[i].ext) == 0)
            return by_ext[i].fmt;
    return size > 8 ? FT_FMT_IHEX : FT_FMT_HEX;
}

/* The format `a` stands for, so that reports name the real one: the one
 * the name claims, else what the first bytes look like. Standard input
 * cannot be peeked at: the reader detects it. */
static ft_format detect_file(const char *file)
{
    if (strcmp(file, "-") == 0)
        return FT_FMT_AUTO;
    ft_format claimed = ft_format_claimed(file);
    if (claimed != FT_FMT_AUTO)
        return claimed;
    FILE *f = fopen(file, "rb");
    if (!f)
        return FT_FMT_AUTO;   /* the reader reports why */
    uint8_t head[64];
    size_t n = fread(head, 1, sizeof head, f);
    fclose(f);
    return ft_format_detect(head, n);
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

int ft_plan_build(ft_plan *plan, const ft_partdb *db, const ft_part *part, const ft_opspec *specs,
                  int nspecs, const ft_plan_opts *opts, ft_err *err)
{
    memset(plan, 0, sizeof *plan);
    plan->erase_status = -1;
    plan->part = part;
    plan->db = db;
    plan->opts = *opts;
    plan->ops = calloc((size_t)(nspecs ? nspecs : 1), sizeof *plan->ops);
    plan->order = calloc((size_t)(nspecs ? nspecs : 1), sizeof *plan->order);
    if (!plan->ops || !plan->order)
        return ft_err_set(err, FT_E_FAIL, "out of memory");
    const char *pname = part->name[0] ? part->name : part->id;
    int crc = ft_plan_check_stdin(specs, nspecs, err);
    if (crc != FT_OK)
        return crc;

    for (int i = 0; i < nspecs; i++) {
        ft_op *op = &plan->ops[i];
        op->spec = specs[i];
        op->verified = -1;
        op->status = -1;
        plan->order[i] = i;
        plan->nops = i + 1;
        int fi;
        int kind = ft_plan_memkind(part, op->spec.memory, &fi);
        if (kind < 0) {
            char have[160];
            list_memories(part, have, sizeof have);
            return ft_err_set(err, FT_E_USAGE, "-U %s:%c:%s: the %s has no memory \"%s\"; it has %s",
                              op->spec.memory, op->spec.kind, op->spec.file, pname,
                              op->spec.memory, have);
        }
        op->mem_size = mem_size(part, kind);
        ft_image_init(&op->img, op->spec.kind == FT_OP_READ ? op->mem_size : ft_plan_input_limit(op->mem_size));
        if (op->spec.kind == FT_OP_READ) {
            if (op->spec.fmt == FT_FMT_AUTO)
                op->spec.fmt = output_format(op->spec.file, op->mem_size);
            if (op->spec.fmt == FT_FMT_ELF || op->spec.fmt == FT_FMT_IMM)
                return ft_err_set(err, FT_E_USAGE,
                                  "-U %s:r:%s:%c: format %c is for input only; use i, s, r, d, h, o or b",
                                  op->spec.memory, op->spec.file, op->spec.fmt, op->spec.fmt);
            /* a read into a file that cannot be made is refused now, not
             * after the whole read */
            int rc = ft_image_check_output(op->spec.file, err);
            if (rc != FT_OK)
                return rc;
            continue;
        }
        if (op->spec.kind == FT_OP_WRITE && (kind == FT_MEM_SIGNATURE || kind == FT_MEM_CALIBRATION))
            return ft_err_set(err, FT_E_USAGE, "-U %s:w: the %s memory is read-only",
                              op->spec.memory, op->spec.memory);
        bool guessed = op->spec.fmt == FT_FMT_AUTO;
        if (guessed)
            op->spec.fmt = detect_file(op->spec.file);
        if (guessed && op->spec.fmt == FT_FMT_RAW)
            snprintf(op->note, sizeof op->note,
                     "%s: neither its name nor its first bytes say Intel HEX, S-record or ELF: "
                     "read as raw binary (add :r to say so)", op->spec.file);
        int rc = ft_image_read_file(&op->img, op->spec.file, op->spec.fmt, op->spec.memory, err);
        if (rc == FT_OK)
            rc = ft_plan_check_input(op, kind, err);
        if (rc != FT_OK)
            return rc;
        if (ft_image_count(&op->img) == 0)
            return ft_err_set(err, FT_E_INPUT, "%s: no data for %s in the file: refusing to %s nothing",
                              strcmp(op->spec.file, "-") ? op->spec.file : "<stdin>", op->spec.memory,
                              op->spec.kind == FT_OP_WRITE ? "write" : "verify against");
        if (kind == FT_MEM_FLASH && op->spec.kind == FT_OP_WRITE) {
            plan->writes_flash = true;
            if (!opts->keep_ff)
                ft_image_trim_ff(&op->img);
        }
        if ((kind == FT_MEM_FUSE || kind == FT_MEM_LOCK) && op->spec.kind == FT_OP_WRITE) {
            if (!ft_image_is_set(&op->img, 0))
                return ft_err_set(err, FT_E_INPUT, "%s: no value for %s in the file",
                                  op->spec.file, op->spec.memory);
            const ft_fuse *f = kind == FT_MEM_LOCK ? &part->lock : &part->fuses[0];
            if (kind == FT_MEM_FUSE)
                f = ft_part_fuse(part, op->spec.memory);
            uint8_t v = ft_image_get(&op->img, 0);
            /* The clock rule needs the chip's fuses: checked again once read. */
            ft_fuse_ctx fc = {.now = NULL, .crystal_hz = opts->fck_hz, .allow = opts->allow};
            rc = ft_fuse_check(part, f, v, &fc, err);
            if (rc != FT_OK)
                return rc;
        }
    }
    plan->auto_erase = plan->writes_flash && !opts->no_erase && !opts->erase;

    int n = 0;
    for (int r = 0; r < 3; r++)
        for (int i = 0; i < plan->nops; i++)
            if (rank(part, &plan->ops[i]) == r)
                plan->order[n++] = i;
    return FT_OK;
}

void ft_plan_free(ft_plan *plan)
{
    for (int i = 0; i < plan->nops; i++)
        ft_image_free(&plan->ops[i].img);
    free(plan->ops);
    free(plan->order);
    memset(plan, 0, sizeof *plan);
}
