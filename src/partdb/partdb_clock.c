/* The slowest target clock that a part's fuses prove, so the programmer can
 * pick an SCK the target is sure to follow (SCK strictly below fck/4, fck/6
 * from 12 MHz: see session_clock.c). */
#include "ftisp/partdb.h"

#include <stdio.h>
#include <string.h>

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

static const ft_clock *selected(const ft_part *p, const uint8_t fuses[FT_MAX_FUSES])
{
    for (int i = 0; i < p->nclocks; i++)
        if (matches(&p->clocks[i], fuses))
            return &p->clocks[i];
    return NULL;
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
    const ft_clock *c = selected(p, fuses);
    if (!c) {
        snprintf(why, wl, "%s: clock select bits 0x%02x name no known source, clock unknown",
                 p->name, p->clocks[0].fuse < FT_MAX_FUSES ? fuses[p->clocks[0].fuse] : 0);
        return 0;
    }
    const char *kind = c->kind < 5 ? kind_text[c->kind] : "clock source";
    if (c->kind == FT_CLK_LOWFREQ && c->min_hz == 32768u)
        kind = "low-frequency (watch) crystal";
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
        n = snprintf(why, wl, "%s of %s to %s", kind, lo, hi);
    }
    if (p->ckdiv8_mask && p->ckdiv8_fuse < FT_MAX_FUSES &&
        (fuses[p->ckdiv8_fuse] & p->ckdiv8_mask) == 0) {
        hz /= 8;
        if (n >= 0 && (size_t)n < wl)
            snprintf(why + n, wl - (size_t)n, ", divided by 8 (CKDIV8)");
    }
    return hz;
}

/* Tolerances of the sources whose frequency the fuses name only nominally.
 * The internal RC oscillators (and a PLL fed from one) are calibrated at the
 * factory to +-10 % (ATmega48A-328P datasheet, "Calibration Accuracy of
 * Internal RC Oscillator"; wider over voltage and temperature, but a chip
 * far outside it is out of its own spec). */
#define RC_TOLERANCE_PCT 10
/* The 128 kHz oscillator is not calibrated at all and the datasheets show it
 * moving by tens of percent with supply voltage and temperature; with no
 * figure to rely on, assume it may run as slow as half its nominal
 * frequency: the SCK that costs (about 15 kHz, 1.9 kHz with CKDIV8) is slow,
 * but only for chips that run that slowly anyway. */
#define OSC128_DIVISOR 2
/* A low-frequency source at this nominal is a 32.768 kHz watch crystal,
 * which runs where it says; any other "lowfreq" source is an oscillator. */
#define WATCH_CRYSTAL_HZ 32768u

uint32_t ft_part_clock_min_hz(const ft_part *p, const uint8_t fuses[FT_MAX_FUSES],
                              uint32_t crystal_hz, char *why, int whylen)
{
    char tmp[8];
    if (!why || whylen <= 0) {
        why = tmp;
        whylen = sizeof tmp;
    }
    uint32_t hz = ft_part_clock_hz(p, fuses, crystal_hz, why, whylen);
    const ft_clock *c = selected(p, fuses);
    if (!hz || !c)
        return hz;
    size_t wl = (size_t)whylen, n = strlen(why);
    char low[24];
    if (c->kind == FT_CLK_RC || c->kind == FT_CLK_PLL) {
        hz -= (uint32_t)((uint64_t)hz * RC_TOLERANCE_PCT / 100);
        mhz(low, sizeof low, hz);
        if (n < wl)
            snprintf(why + n, wl - n, "; as slow as %s at the factory calibration's -%d %%", low,
                     RC_TOLERANCE_PCT);
    } else if (c->kind == FT_CLK_LOWFREQ && c->min_hz != WATCH_CRYSTAL_HZ) {
        hz /= OSC128_DIVISOR;
        mhz(low, sizeof low, hz);
        if (n < wl)
            snprintf(why + n, wl - n, "; uncalibrated: assumed as slow as %s (half nominal)", low);
    }
    return hz ? hz : 1;
}
