/* The fuse and lock values that can take ISP away from the user. Checked
 * before anything is written; --allow lifts each rule by name. */
#include "ftisp/plan.h"

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

int ft_fuse_check(const ft_part *p, const ft_fuse *f, uint8_t current, uint8_t value,
                  unsigned allow, ft_err *err)
{
    const char *name = p->name[0] ? p->name : p->id;

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
    uint8_t clk = field_mask(f, "CKSEL", false) | field_mask(f, "CKOPT", true) |
                  field_mask(f, "PLLCK", true);
    if (!(allow & FT_ALLOW_CLOCK) && ((value ^ current) & clk))
        return ft_err_set(err, FT_E_UNSAFE,
                          "refusing %s 0x%02x: it changes the clock source (bits 0x%02x, now "
                          "0x%02x); if the board lacks that crystal or clock the %s stops and "
                          "ISP cannot reach it; add --allow=clock if the board has it",
                          f->name, value, clk, current & clk, name);
    return FT_OK;
}

uint32_t ft_sck_for_target(uint32_t fck_hz)
{
    if (fck_hz == 0)
        return FT_SCK_START_HZ;
    /* SCK high and low must each last 2 target clocks, 3 from 12 MHz. */
    return fck_hz >= 12000000u ? fck_hz / 6 : fck_hz / 4;
}
