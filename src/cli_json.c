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
    fputs(",\"operations\":[", f);
    for (int i = 0; p && i < p->nops; i++) {
        const ft_op *op = &p->ops[p->order[i]];
        if (i)
            fputc(',', f);
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
                op->status < 0 ? "skipped" : op->status != 0 ? "error" : op->skipped ? "skipped" : "ok");
    }
    fprintf(f, "],\"result\":\"%s\",\"error\":", r->status == 0 ? "ok" : "error");
    str(f, r->error);
    fprintf(f, ",\"exit_status\":%d,\"seconds\":%.6f}\n", r->status, r->seconds);
    fflush(f);
}
