#include "ftisp/cli_json.h"

#include <string.h>

static void str(FILE *f, const char *s)
{
    if (!s) {
        fputs("null", f);
        return;
    }
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", f);
        else if (*p < 0x20 || *p == 0x7f)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

static const char *opname(ft_opkind k)
{
    return k == FT_OP_READ ? "read" : k == FT_OP_WRITE ? "write" : "verify";
}

/* ok, error, interrupted; not_run: never reached; unchanged: the chip held
 * it already, nothing written; dry_run: not written because of -n. */
static const char *result(int status, bool skipped, bool dry_run)
{
    if (status < 0)
        return "not_run";
    if (status == FT_E_INTERRUPTED)
        return "interrupted";
    if (status != FT_OK)
        return "error";
    if (skipped)
        return dry_run ? "dry_run" : "unchanged";
    return "ok";
}

/* -e: an operation of its own, where it ran: after the fuse writes. */
static void erase_op(FILE *f, const ft_plan *p)
{
    fprintf(f, "{\"memory\":\"flash\",\"op\":\"erase\",\"file\":null,\"format\":null,\"bytes\":%u,"
               "\"sha256\":null,\"verified\":null,\"seconds\":%.6f,\"result\":\"%s\"}",
            p->part ? p->part->flash.size : 0, p->erase_seconds,
            result(p->erase_status, p->opts.dry_run && p->erase_status == FT_OK, p->opts.dry_run));
}

static void chip_values(FILE *f, const ft_plan *p)
{
    fputs(",\"fuses\":", f);
    if (p && p->have_fuses) {
        fputc('{', f);
        for (int i = 0; i < p->part->nfuses; i++)
            fprintf(f, "%s\"%s\":\"%02x\"", i ? "," : "", p->part->fuses[i].name,
                    p->fuses[p->part->fuses[i].index]);
        fputc('}', f);
    } else {
        fputs("null", f);
    }
    if (p && p->have_lock)
        fprintf(f, ",\"lock\":\"%02x\"", p->lock);
    else
        fputs(",\"lock\":null", f);
    fputs(",\"clock\":", f);
    str(f, p && p->clock_why[0] ? p->clock_why : NULL);
}

void ft_json_write(FILE *f, const ft_json_run *r)
{
    const ft_plan *p = r->plan;
    fputs("{\"ftisp\":", f);
    str(f, FTISP_VERSION);
    fputs(",\"adapter\":", f);
    if (r->adapter_desc) {
        fputs("{\"description\":", f);
        str(f, r->adapter_desc);
        fputs(",\"serial\":", f);
        str(f, r->adapter_serial);
        fputc('}', f);
    } else {
        fputs("null", f);
    }
    fputs(",\"part\":", f);
    str(f, r->part);
    fputs(",\"signature\":", f);
    if (p && p->have_signature)
        fprintf(f, "\"%02x%02x%02x\"", p->signature[0], p->signature[1], p->signature[2]);
    else
        fputs("null", f);
    if (p && p->sck_hz)
        fprintf(f, ",\"sck_hz\":%u", p->sck_hz);
    else
        fputs(",\"sck_hz\":null", f);
    if (p && p->target_hz)
        fprintf(f, ",\"target_hz\":%u", p->target_hz);
    else
        fputs(",\"target_hz\":null", f);
    chip_values(f, p);
    fputs(",\"eeprom_kept\":", f);
    str(f, p && p->eeprom_kept[0] ? p->eeprom_kept : NULL);
    fputs(",\"eeprom_copy\":", f);
    str(f, p && p->eeprom_copy[0] ? p->eeprom_copy : NULL);
    fputs(",\"operations\":[", f);
    bool erase_shown = !(p && p->opts.erase), first = true;
    for (int i = 0; p && i <= p->nops; i++) {
        const ft_op *op = i < p->nops ? &p->ops[p->order[i]] : NULL;
        if (!erase_shown && (!op || !ft_plan_fuse_write(p->part, op))) {
            if (!first)
                fputc(',', f);
            erase_op(f, p);
            erase_shown = true;
            first = false;
        }
        if (!op)
            break;
        if (!first)
            fputc(',', f);
        first = false;
        fputs("{\"memory\":", f);
        str(f, op->spec.memory);
        fprintf(f, ",\"op\":\"%s\",\"file\":", opname(op->spec.kind));
        str(f, op->spec.fmt == FT_FMT_IMM ? NULL : op->spec.file);
        char fmt[2] = {(char)op->spec.fmt, 0};
        fputs(",\"format\":", f);
        str(f, fmt);
        fprintf(f, ",\"bytes\":%u,\"sha256\":", op->bytes);
        if (op->have_sha) {
            fputc('"', f);
            for (int b = 0; b < 32; b++)
                fprintf(f, "%02x", op->sha256[b]);
            fputc('"', f);
        } else {
            fputs("null", f);
        }
        fprintf(f, ",\"verified\":%s", op->verified < 0 ? "null" : op->verified ? "true" : "false");
        fprintf(f, ",\"seconds\":%.6f,\"result\":\"%s\"}", op->seconds,
                result(op->status, op->skipped, op->dry_run));
    }
    fprintf(f, "],\"result\":\"%s\",\"error\":",
            r->status == 0 ? "ok" : r->status == FT_E_INTERRUPTED ? "interrupted" : "error");
    str(f, r->error);
    fputs(",\"signal\":", f);
    str(f, r->signal);
    fputs(",\"state\":", f);
    str(f, r->state);
    fprintf(f, ",\"exit_status\":%d,\"seconds\":%.6f}\n", r->exit_status, r->seconds);
    fflush(f);
}
