/* The fuse and lock values that can take ISP away from the user, judged by
 * what they select. Checked before anything is written; --allow lifts each
 * rule by name. The man page's FUSE SAFETY section says the same. */
#include "ftisp/plan.h"
#include "ftisp/fuse_words.h"

#include <string.h>
#include <strings.h>

static uint8_t field_mask(const ft_fuse *f, const char *prefix, bool exact)
{
    uint8_t m = 0;
    size_t n = strlen(prefix);
    for (int i = 0; i < f->nfields; i++) {
        const char *name = f->fields[i].name;
        if (exact ? strcasecmp(name, prefix) == 0 : strncasecmp(name, prefix, n) == 0)
            m |= f->fields[i].mask;
    }
    return m;
}

/* A programmed fuse bit reads 0. */
static bool programmed(uint8_t v, uint8_t mask) { return mask && (v & mask) != mask; }

/* The bits of fuse byte `index` that take part in choosing the clock. */
static uint8_t clock_bits(const ft_part *p, const ft_fuse *f)
{
    uint8_t m = field_mask(f, "CKSEL", false) | field_mask(f, "CKOPT", true) |
                field_mask(f, "PLLCK", true);
    for (int i = 0; i < p->nclocks; i++) {
        const ft_clock *c = &p->clocks[i];
        if (c->fuse == f->index)
            m |= c->mask;
        if (c->cond_mask && c->cond_fuse == f->index)
            m |= c->cond_mask;
    }
    const ft_setting *s = ft_fuse_setting(f, "sut_cksel");
    if (!s)
        s = ft_fuse_setting(f, "cksel");
    return s ? (uint8_t)(m | s->mask) : m;
}

static bool same_source(const ft_source *a, const ft_source *b)
{
    return a->kind == b->kind && a->min_hz == b->min_hz && a->max_hz == b->max_hz;
}

/* Does the crystal the chip runs from now fit the new crystal setting? The
 * user's --fck is the crystal; without it, only what the fuses prove: the
 * whole of the present range must lie inside the new one. */
static bool crystal_covered(const ft_source *was, const ft_source *will, uint32_t crystal_hz)
{
    if (crystal_hz)
        return will->min_hz <= crystal_hz && (will->max_hz == 0 || crystal_hz <= will->max_hz);
    return will->min_hz <= was->min_hz &&
           (will->max_hz == 0 || (was->max_hz != 0 && was->max_hz <= will->max_hz));
}

/* A clock source change is refused only when it selects a source that needs
 * something on the board (crystal, resonator, watch crystal, external clock
 * or RC network) that the chip's present fuses do not prove is there. */
static int clock_rule(const ft_part *p, const ft_fuse *f, uint8_t value, const ft_fuse_ctx *ctx,
                      ft_err *err)
{
    if (!ctx->now || (ctx->allow & FT_ALLOW_CLOCK) || f->index >= FT_MAX_FUSES)
        return FT_OK;
    uint8_t bits = clock_bits(p, f);
    if (((value ^ ctx->now[f->index]) & bits) == 0)
        return FT_OK;
    uint8_t after[FT_MAX_FUSES];
    memcpy(after, ctx->after ? ctx->after : ctx->now, sizeof after);
    after[f->index] = value;
    ft_source was, will;
    ft_fuse_source(p, ctx->now, &was);
    ft_fuse_source(p, after, &will);
    if (same_source(&was, &will) && will.kind != FT_SRC_UNKNOWN)
        return FT_OK;   /* start-up time or a bit that changes nothing here */
    if (ft_source_internal(will.kind))
        return FT_OK;   /* always on the chip */
    const char *name = p->name[0] ? p->name : p->id;
    char now_w[120], new_w[120];
    ft_source_words(&was, now_w, sizeof now_w);
    ft_source_words(&will, new_w, sizeof new_w);
    if (will.kind == FT_SRC_CRYSTAL && was.kind == FT_SRC_CRYSTAL) {
        if (crystal_covered(&was, &will, ctx->crystal_hz))
            return FT_OK;
        return ft_err_set(err, FT_E_UNSAFE,
                          "refusing %s 0x%02x: it selects %s, but the chip now runs from %s%s, "
                          "which the new setting may not drive (the crystal would not start, the %s "
                          "would stop and ISP could not reach it); give the crystal's frequency "
                          "with --fck if it is in the new range, or add --allow=clock",
                          f->name, value, new_w, now_w,
                          ctx->crystal_hz ? " (the crystal --fck gives is outside the new range)" : "",
                          name);
    }
    if (will.kind != FT_SRC_UNKNOWN && will.kind == was.kind)
        return FT_OK;   /* the same kind of source the board already has */
    return ft_err_set(err, FT_E_UNSAFE,
                      "refusing %s 0x%02x: it selects %s; the chip now runs from %s. If the board "
                      "lacks that source the %s stops and ISP cannot reach it until a clock is fed "
                      "into XTAL1 (or high-voltage programming is used); add --allow=clock if the board "
                      "has it",
                      f->name, value, new_w, now_w, name);
}

int ft_fuse_check(const ft_part *p, const ft_fuse *f, uint8_t value, const ft_fuse_ctx *ctx,
                  ft_err *err)
{
    const char *name = p->name[0] ? p->name : p->id;
    unsigned allow = ctx->allow;

    if (strcmp(f->name, "lock") == 0) {
        /* LB bits stop ISP reading (and writing) until a chip erase; boot
         * lock bits (BLB) only restrict self-programming. */
        uint8_t lb = field_mask(f, "LB", false);
        if (!lb)
            lb = 0x03 & f->writable;
        if (!(allow & FT_ALLOW_LOCK) && programmed(value, lb))
            return ft_err_set(err, FT_E_UNSAFE,
                              "refusing lock 0x%02x: it programs lock bits that stop the chip's "
                              "memories from being read or verified until the next chip erase; "
                              "add --allow=lock to write it anyway", value);
        return FT_OK;
    }

    uint8_t spien = field_mask(f, "SPIEN", true);
    if (spien && !programmed(value, spien))
        return ft_err_set(err, FT_E_UNSAFE,
                          "refusing %s 0x%02x: it unprograms SPIEN (bit mask 0x%02x), which "
                          "cannot be changed over ISP; keep that bit 0 (the value would be 0x%02x)",
                          f->name, value, spien, value & (uint8_t)~spien);
    uint8_t rst = field_mask(f, "RSTDISBL", true);
    if (!(allow & FT_ALLOW_RSTDISBL) && programmed(value, rst) && p->protocol == FT_PROTO_TPI)
        return ft_err_set(err, FT_E_UNSAFE,
                          "refusing %s 0x%02x: it programs RSTDISBL, which turns the RESET pin "
                          "into an I/O pin so that TPI can never enable on the %s again (only "
                          "12 V on RESET can); add --allow=rstdisbl to write it anyway",
                          f->name, value, name);
    if (!(allow & FT_ALLOW_RSTDISBL) && programmed(value, rst))
        return ft_err_set(err, FT_E_UNSAFE,
                          "refusing %s 0x%02x: it programs RSTDISBL, which turns the RESET pin "
                          "into an I/O pin so that ISP can never reach the %s again (only "
                          "high-voltage programming can); add --allow=rstdisbl to write it anyway",
                          f->name, value, name);
    uint8_t dwen = field_mask(f, "DWEN", true);
    if (!(allow & FT_ALLOW_DWEN) && programmed(value, dwen))
        return ft_err_set(err, FT_E_UNSAFE,
                          "refusing %s 0x%02x: it programs DWEN, which hands the RESET pin to "
                          "debugWIRE so that ISP stops working until a debugWIRE tool turns it "
                          "off; add --allow=dwen to write it anyway", f->name, value);
    return clock_rule(p, f, value, ctx, err);
}
