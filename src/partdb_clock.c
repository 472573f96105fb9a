/* The slowest target clock that a part's fuses prove, so the programmer can
 * pick an SCK the target is sure to follow (SCK <= fck/4). */
#include "ftisp/partdb.h"

#include <stdio.h>

static const char *const kind_text[] = {
    "internal RC oscillator", "crystal", "external clock", "low-frequency oscillator", "PLL",
};

static void mhz(char *buf, size_t n, uint32_t hz)
{
    if (hz >= 1000000 && hz % 1000 == 0)
        snprintf(buf, n, "%u.%03u MHz", (unsigned)(hz / 1000000), (unsigned)(hz / 1000 % 1000));
    else if (hz >= 1000)
        snprintf(buf, n, "%u.%03u kHz", (unsigned)(hz / 1000), (unsigned)(hz % 1000));
    else
        snprintf(buf, n, "%u Hz", (unsigned)hz);
}

static bool matches(const ft_clock *c, const uint8_t fuses[FT_MAX_FUSES])
{
    if (c->fuse >= FT_MAX_FUSES || (fuses[c->fuse] & c->mask) != c->value)
        return false;
    if (c->cond_mask == 0)
        return true;
    return c->cond_fuse < FT_MAX_FUSES && (fuses[c->cond_fuse] & c->cond_mask) == c->cond_value;
}

uint32_t ft_part_clock_hz(const ft_part *p, const uint8_t fuses[FT_MAX_FUSES],
                          uint32_t crystal_hz, char *why, int whylen)
{
    char tmp[8];
    if (!why || whylen <= 0) {
        why = tmp;
        whylen = sizeof tmp;
    }
    size_t wl = (size_t)whylen;
    if (p->nclocks == 0) {
        snprintf(why, wl, "%s: no clock table for this part, clock unknown", p->name);
        return 0;
    }
    const ft_clock *c = NULL;
    for (int i = 0; i < p->nclocks; i++) {
        if (matches(&p->clocks[i], fuses)) {
            c = &p->clocks[i];
            break;
        }
    }
    if (!c) {
        snprintf(why, wl, "%s: clock select bits 0x%02x name no known source, clock unknown",
                 p->name, p->clocks[0].fuse < FT_MAX_FUSES ? fuses[p->clocks[0].fuse] : 0);
        return 0;
    }
    const char *kind = c->kind < 5 ? kind_text[c->kind] : "clock source";
    char lo[24], hi[24], user[24];
    mhz(lo, sizeof lo, c->min_hz);
    mhz(hi, sizeof hi, c->max_hz);
    uint32_t hz;
    int n;
    if ((c->kind == FT_CLK_CRYSTAL || c->kind == FT_CLK_EXTERNAL) && crystal_hz) {
        /* The user's word is the only source of an exact crystal frequency. */
        hz = crystal_hz;
        mhz(user, sizeof user, crystal_hz);
        n = snprintf(why, wl, "%s as given (%s)", kind, user);
    } else if (c->kind == FT_CLK_EXTERNAL || c->min_hz == 0) {
        snprintf(why, wl, "%s of unknown frequency: give the crystal/clock frequency", kind);
        return 0;
    } else if (c->min_hz == c->max_hz || c->max_hz == 0) {
        hz = c->min_hz;
        n = snprintf(why, wl, "%s at %s", kind, lo);
    } else {
        hz = c->min_hz;
        n = snprintf(why, wl, "%s %s to %s: at least %s", kind, lo, hi, lo);
    }
    if (p->ckdiv8_mask && p->ckdiv8_fuse < FT_MAX_FUSES &&
        (fuses[p->ckdiv8_fuse] & p->ckdiv8_mask) == 0) {
        hz /= 8;
        if (n >= 0 && (size_t)n < wl)
            snprintf(why + n, wl - (size_t)n, ", divided by 8 (CKDIV8)");
    }
    return hz;
}
