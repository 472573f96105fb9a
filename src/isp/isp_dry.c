/* -c dryrun: a chip kept in the host's memory, behind the same ft_isp calls
 * as a real one, so every command runs against it with no adapter. It keeps
 * the rules a real AVR keeps, so a dry run shows what a real run would do:
 * a flash page write only clears bits (1 -> 0), only a chip erase sets them
 * again; chip erase clears flash, lock bits, and EEPROM unless EESAVE is
 * programmed; lock bits are only ever programmed; SPIEN cannot be changed
 * over ISP; with LB mode 2 or 3 flash, EEPROM and fuse writes are ignored
 * and in mode 3 memories read 0xFF (the datasheets' "Lock Bit Protection
 * Modes"). A new dry chip holds erased memories and the factory fuses. */
#include "isp_priv.h"

#include <stdlib.h>
#include <string.h>

struct ft_dry {
    const ft_part *p;
    uint8_t *flash, *eeprom;
    uint8_t fuses[FT_MAX_FUSES];
    uint8_t lock;
};

#define DRY_CALIBRATION 0x80

static const ft_fuse *fuse_at(const ft_part *p, int index)
{
    for (int i = 0; i < p->nfuses; i++)
        if (p->fuses[i].index == index)
            return &p->fuses[i];
    return NULL;
}

int ft_dry_new(ft_dry **out, const ft_part *p, ft_err *err)
{
    ft_dry *d = calloc(1, sizeof *d);
    if (d) {
        d->flash = malloc(p->flash.size ? p->flash.size : 1);
        d->eeprom = malloc(p->eeprom.size ? p->eeprom.size : 1);
    }
    if (!d || !d->flash || !d->eeprom) {
        ft_dry_free(d);
        return ft_err_set(err, FT_E_FAIL, "out of memory");
    }
    d->p = p;
    memset(d->flash, 0xff, p->flash.size);
    memset(d->eeprom, 0xff, p->eeprom.size);
    memset(d->fuses, 0xff, sizeof d->fuses);
    for (int i = 0; i < p->nfuses; i++) {
        const ft_fuse *f = &p->fuses[i];
        uint8_t w = f->writable ? f->writable : 0xff;
        d->fuses[f->index] = (uint8_t)(f->factory | ~w);
    }
    uint8_t lw = p->lock.writable ? p->lock.writable : 0xff;
    d->lock = (uint8_t)((p->lock.factory ? p->lock.factory : 0xff) | ~lw);
    *out = d;
    return FT_OK;
}

void ft_dry_free(ft_dry *d)
{
    if (!d)
        return;
    free(d->flash);
    free(d->eeprom);
    free(d);
}

int ft_isp_new_dry(ft_isp **out, ft_dry *d, const ft_part *p, ft_err *err)
{
    *out = NULL;
    if (d->p != p)
        return ft_err_set(err, FT_E_FAIL, "internal: dry chip of another part");
    ft_isp *isp = calloc(1, sizeof *isp);
    if (!isp)
        return ft_err_set(err, FT_E_FAIL, "out of memory");
    isp->p = p;
    isp->dry = d;
    isp->ext = -1;
    *out = isp;
    return FT_OK;
}

/* LB1/LB2 (the part's LB field, the two low bits on most parts): 11 mode 1,
 * 10 mode 2 (no more programming), 00 mode 3 (no programming, no
 * verification). */
static uint8_t lb_mask(const ft_dry *d)
{
    const ft_fuse *f;
    const ft_field *lb = ft_part_field(d->p, "LB", &f);
    return lb && lb->mask && f == &d->p->lock ? lb->mask : 0x03;
}
static bool write_locked(const ft_dry *d) { return (d->lock & lb_mask(d)) != lb_mask(d); }
static bool read_locked(const ft_dry *d) { return (d->lock & lb_mask(d)) == 0; }

static int range(ft_isp *isp, const char *what, uint32_t addr, uint32_t n, uint32_t size, ft_err *err)
{
    if (isp_need_enabled(isp, err))
        return err->code;
    if (addr > size || n > size - addr)
        return ft_err_set(err, FT_E_FAIL, "internal: %s 0x%x+%u past its end 0x%x", what, addr, n, size);
    return FT_OK;
}

int dry_enable(ft_isp *isp, uint32_t sck_hz, uint32_t *used_hz)
{
    isp->enabled = true;
    if (used_hz)
        *used_hz = sck_hz;
    return FT_OK;
}

int dry_read(ft_isp *isp, bool flash, uint32_t addr, uint8_t *buf, uint32_t n, ft_err *err)
{
    const ft_dry *d = isp->dry;
    int rc = range(isp, flash ? "flash" : "eeprom", addr, n, flash ? d->p->flash.size : d->p->eeprom.size, err);
    if (rc != FT_OK)
        return rc;
    if (read_locked(d))
        memset(buf, 0xff, n);
    else
        memcpy(buf, (flash ? d->flash : d->eeprom) + addr, n);
    isp_progress(isp, n, n);
    return FT_OK;
}

int dry_write_flash(ft_isp *isp, const uint8_t *data, const uint32_t *pages, uint32_t npages, ft_err *err)
{
    ft_dry *d = isp->dry;
    uint32_t psz = d->p->flash.page_size > 1 ? d->p->flash.page_size : 2;
    for (uint32_t i = 0; i < npages; i++) {
        if (pages[i] % psz)
            return ft_err_set(err, FT_E_FAIL, "internal: flash page 0x%x not aligned", pages[i]);
        int rc = range(isp, "flash", pages[i], psz, d->p->flash.size, err);
        if (rc != FT_OK)
            return rc;
        if (!write_locked(d))
            for (uint32_t k = 0; k < psz; k++)
                d->flash[pages[i] + k] &= data[pages[i] + k];
        isp_progress(isp, (i + 1) * psz, npages * psz);
    }
    return FT_OK;
}

int dry_write_eeprom(ft_isp *isp, uint32_t addr, const uint8_t *data, const uint8_t *mask, uint32_t n,
                     ft_err *err)
{
    ft_dry *d = isp->dry;
    int rc = range(isp, "eeprom", addr, n, d->p->eeprom.size, err);
    if (rc != FT_OK)
        return rc;
    for (uint32_t i = 0; i < n && !write_locked(d); i++)
        if (!mask || mask[i])
            d->eeprom[addr + i] = data[i];   /* an EEPROM write erases the byte first */
    isp_progress(isp, n, n);
    return FT_OK;
}

int dry_chip_erase(ft_isp *isp, ft_err *err)
{
    ft_dry *d = isp->dry;
    if (isp_need_enabled(isp, err))
        return err->code;
    const ft_fuse *f;
    const ft_field *ees = ft_part_field(d->p, "EESAVE", &f);
    bool eesave = ees && ees->mask && (d->fuses[f->index] & ees->mask) != ees->mask;
    memset(d->flash, 0xff, d->p->flash.size);
    if (!eesave)
        memset(d->eeprom, 0xff, d->p->eeprom.size);
    d->lock = 0xff;
    return FT_OK;
}

int dry_fuse(ft_isp *isp, int index, bool write, uint8_t *v, ft_err *err)
{
    ft_dry *d = isp->dry;
    if (isp_need_enabled(isp, err))
        return err->code;
    const ft_fuse *f = fuse_at(d->p, index);
    if (!f)
        return ft_err_set(err, FT_E_FAIL, "internal: fuse index %d", index);
    if (!write) {
        *v = d->fuses[index];
        return FT_OK;
    }
    if (write_locked(d))
        return FT_OK;
    uint8_t w = f->writable ? f->writable : 0xff;
    uint8_t nv = (uint8_t)(*v | ~w);
    const ft_field *spien = ft_fuse_field(f, "SPIEN");
    if (spien)   /* not changeable in serial programming mode */
        nv = (uint8_t)((nv & ~spien->mask) | (d->fuses[index] & spien->mask));
    d->fuses[index] = nv;
    return FT_OK;
}

int dry_lock(ft_isp *isp, bool write, uint8_t *v, ft_err *err)
{
    ft_dry *d = isp->dry;
    if (isp_need_enabled(isp, err))
        return err->code;
    if (!write) {
        *v = d->lock;
        return FT_OK;
    }
    uint8_t w = d->p->lock.writable ? d->p->lock.writable : 0xff;
    d->lock &= (uint8_t)(*v | ~w);   /* only an erase unprograms lock bits */
    return FT_OK;
}

int dry_signature(ft_isp *isp, uint8_t sig[3], ft_err *err)
{
    if (isp_need_enabled(isp, err))
        return err->code;
    memcpy(sig, isp->dry->p->signature, 3);
    return FT_OK;
}

int dry_calibration(ft_isp *isp, int index, uint8_t *v, ft_err *err)
{
    if (isp_need_enabled(isp, err))
        return err->code;
    *v = index < isp->dry->p->calibration_bytes ? DRY_CALIBRATION : 0xff;
    return FT_OK;
}
