#include "ftisp/report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* How many bytes a UTF-8 sequence starting with b claims; 0: b cannot start one. */
static size_t seq_len(unsigned char b)
{
    return b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
}

json_t *ft_json_str(const char *s)
{
    if (!s)
        return json_null();
    json_t *j = json_string(s);
    if (j)
        return j;
    /* Not valid UTF-8. jansson stays the judge of what is: each sequence the
     * lead byte claims is kept when jansson accepts it alone, otherwise the
     * lead byte becomes U+FFFD and the next byte is tried. */
    size_t n = strlen(s), k = 0;
    char *t = malloc(3 * n + 1);
    if (!t)
        return json_null();
    for (size_t i = 0; i < n;) {
        size_t m = seq_len((unsigned char)s[i]);
        json_t *one = m && m <= n - i ? json_stringn(s + i, m) : NULL;
        if (one) {
            json_decref(one);
            memcpy(t + k, s + i, m);
            k += m;
            i += m;
        } else {
            memcpy(t + k, "\xef\xbf\xbd", 3);
            k += 3;
            i++;
        }
    }
    j = json_stringn(t, k);
    free(t);
    return j ? j : json_null();
}

json_t *ft_json_seconds(double s)
{
    return json_real(round(s * 1e6) / 1e6);
}

static json_t *hex(const uint8_t *b, int n)
{
    char t[65];
    for (int i = 0; i < n && i < 32; i++)
        snprintf(t + 2 * i, 3, "%02x", b[i]);
    return json_stringn(t, 2 * (size_t)n);
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

/* set: the member, whose value may be NULL only out of memory (then the
 * whole object is given up: see ft_json_result) */
static bool set(json_t *o, const char *key, json_t *v)
{
    return json_object_set_new(o, key, v) == 0;
}

/* -e: an operation of its own, where it ran: after the fuse writes. */
static json_t *erase_op(const ft_plan *p, const ft_result *res)
{
    json_t *o = json_object();
    bool ok = o && set(o, "memory", json_string("flash")) && set(o, "op", json_string("erase")) &&
              set(o, "file", json_null()) && set(o, "format", json_null()) &&
              set(o, "bytes", json_integer(p->part ? p->part->flash.size : 0)) && set(o, "sha256", json_null()) &&
              set(o, "verified", json_null()) && set(o, "seconds", ft_json_seconds(res->erase_seconds)) &&
              set(o, "result", json_string(result(res->erase_status, p->opts.dry_run && res->erase_status == FT_OK,
                                                  p->opts.dry_run)));
    if (!ok)
        json_decref(o);
    return ok ? o : NULL;
}

static json_t *operation(const ft_op *op, const ft_op_result *or)
{
    char fmt[2] = {(char)op->spec.fmt, 0};
    json_t *o = json_object();
    bool ok = o && set(o, "memory", ft_json_str(op->spec.memory)) &&
              set(o, "op", json_string(opname(op->spec.kind))) &&
              set(o, "file", ft_json_str(ft_format_is(op->spec.fmt, FT_FMTF_INLINE) ? NULL : op->spec.file)) &&
              set(o, "format", ft_json_str(fmt)) && set(o, "bytes", json_integer(or->bytes)) &&
              set(o, "sha256", or->have_sha ? hex(or->sha256, 32) : json_null()) &&
              set(o, "verified", or->verified < 0 ? json_null() : json_boolean(or->verified)) &&
              set(o, "seconds", ft_json_seconds(or->seconds)) &&
              set(o, "result", json_string(result(or->status, or->skipped, or->dry_run)));
    if (!ok)
        json_decref(o);
    return ok ? o : NULL;
}

static json_t *operations(const ft_plan *p, const ft_result *res)
{
    json_t *a = json_array();
    bool erase_shown = !(p && p->opts.erase);
    for (int i = 0; a && p && i <= p->nops; i++) {
        int k = i < p->nops ? p->order[i] : -1;
        const ft_op *op = k >= 0 ? &p->ops[k] : NULL;
        if (!erase_shown && (!op || !ft_plan_fuse_write(p->part, op))) {
            if (json_array_append_new(a, erase_op(p, res)) != 0)
                break;
            erase_shown = true;
        }
        if (!op)
            return a;
        static const ft_op_result not_run = {.verified = -1, .status = -1};
        if (json_array_append_new(a, operation(op, k < res->nops ? &res->ops[k] : &not_run)) != 0)
            break;
    }
    if (a && p) {   /* out of memory on the way */
        json_decref(a);
        return NULL;
    }
    return a;
}

static json_t *fuses(const ft_plan *p, const ft_result *res)
{
    if (!p || !res->have_fuses)
        return json_null();
    json_t *o = json_object();
    for (int i = 0; o && i < p->part->nfuses; i++) {
        uint8_t v = res->fuses[p->part->fuses[i].index];
        if (!set(o, p->part->fuses[i].name, hex(&v, 1))) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

static json_t *adapter(const ft_json_run *r)
{
    if (!r->adapter_desc)
        return json_null();
    json_t *o = json_object();
    if (o && set(o, "description", ft_json_str(r->adapter_desc)) && set(o, "usb_serial", ft_json_str(r->adapter_serial)))
        return o;
    json_decref(o);
    return NULL;
}

json_t *ft_json_result(const ft_json_run *r)
{
    static const ft_result none = {.erase_status = -1};
    const ft_plan *p = r->plan;
    const ft_result *s = r->result ? r->result : &none;   /* no result: nothing ran */
    json_t *o = json_object();
    bool ok = o && set(o, "ftisp", json_string(FTISP_VERSION)) && set(o, "adapter", adapter(r)) &&
              set(o, "part", ft_json_str(r->part)) &&
              set(o, "signature", s->have_signature ? hex(s->signature, 3) : json_null()) &&
              set(o, "sck_hz", s->sck_hz ? json_integer(s->sck_hz) : json_null()) &&
              set(o, "target_hz", s->target_hz ? json_integer(s->target_hz) : json_null()) &&
              set(o, "fuses", fuses(p, s)) && set(o, "lock", s->have_lock ? hex(&s->lock, 1) : json_null()) &&
              set(o, "clock", ft_json_str(s->clock_why[0] ? s->clock_why : NULL)) &&
              set(o, "eeprom_kept", ft_json_str(s->eeprom_kept[0] ? s->eeprom_kept : NULL)) &&
              set(o, "eeprom_copy", ft_json_str(s->eeprom_copy[0] ? s->eeprom_copy : NULL)) &&
              set(o, "operations", operations(p, s)) &&
              set(o, "result", json_string(r->status == 0                      ? "ok"
                                           : r->status == FT_E_INTERRUPTED ? "interrupted"
                                                                           : "error")) &&
              set(o, "error", ft_json_str(r->error)) && set(o, "signal", ft_json_str(r->signal)) &&
              set(o, "state", ft_json_str(r->state)) && set(o, "exit_status", json_integer(r->exit_status)) &&
              set(o, "seconds", ft_json_seconds(r->seconds));
    if (!ok)
        json_decref(o);
    return ok ? o : NULL;
}

char *ft_json_line(const json_t *o)
{
    /* compact, members in the order they were set, seconds to 15 digits:
     * enough for every microsecond, and 0.1 stays 0.1 */
    char *s = o ? json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(15)) : NULL;
    if (!s)
        return NULL;
    size_t n = strlen(s);
    char *line = realloc(s, n + 2);
    if (!line) {
        free(s);
        return NULL;
    }
    memcpy(line + n, "\n", 2);
    return line;
}

void ft_json_write(FILE *f, const ft_json_run *r)
{
    json_t *o = ft_json_result(r);
    char *line = ft_json_line(o);
    json_decref(o);
    if (line)
        fputs(line, f);
    else
        fputs("ftisp: --json: out of memory for the summary\n", stderr);
    free(line);
    fflush(f);
}
