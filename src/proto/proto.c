/* The protocol seam (ftisp/proto.h): ISP and TPI behind one struct of
 * functions, chosen by the part. */
#include <stdlib.h>

#include "ftisp/proto.h"
#include "ftisp/tpi.h"

struct ft_proto {
    const ft_proto_ops *ops;
    void *impl;
};

/* ---- ISP: the ft_isp_* functions as they are ---- */

static void isp_free(void *i) { ft_isp_free(i); }
static void isp_set_progress(void *i, ft_progress_fn fn, void *ctx) { ft_isp_set_progress(i, fn, ctx); }
static int isp_enable(void *i, uint32_t s, uint32_t f, uint32_t *u, ft_err *e) { return ft_isp_enable(i, s, f, u, e); }
static int isp_probe(void *i, uint32_t s, uint8_t sig[3], ft_err *e) { return ft_isp_probe(i, s, sig, e); }
static int isp_leave(void *i, ft_err *e) { return ft_isp_leave(i, e); }
static uint32_t isp_set_sck(void *i, uint32_t hz) { return ft_isp_set_sck(i, hz); }
static int isp_sig(void *i, uint8_t s[3], ft_err *e) { return ft_isp_read_signature(i, s, e); }
static int isp_erase(void *i, ft_err *e) { return ft_isp_chip_erase(i, e); }
static int isp_rflash(void *i, uint32_t a, uint8_t *b, uint32_t n, ft_err *e) { return ft_isp_read_flash(i, a, b, n, e); }
static int isp_reeprom(void *i, uint32_t a, uint8_t *b, uint32_t n, ft_err *e) { return ft_isp_read_eeprom(i, a, b, n, e); }
static int isp_wpages(void *i, const uint8_t *d, const uint32_t *p, uint32_t n, ft_err *e)
{
    return ft_isp_write_flash_pages(i, d, p, n, e);
}
static int isp_weeprom(void *i, uint32_t a, const uint8_t *d, const uint8_t *m, uint32_t n, ft_err *e)
{
    return ft_isp_write_eeprom(i, a, d, m, n, e);
}
static int isp_rfuse(void *i, int x, uint8_t *v, ft_err *e) { return ft_isp_read_fuse(i, x, v, e); }
static int isp_wfuse(void *i, int x, uint8_t v, ft_err *e) { return ft_isp_write_fuse(i, x, v, e); }
static int isp_rlock(void *i, uint8_t *v, ft_err *e) { return ft_isp_read_lock(i, v, e); }
static int isp_wlock(void *i, uint8_t v, ft_err *e) { return ft_isp_write_lock(i, v, e); }
static int isp_rcal(void *i, int x, uint8_t *v, ft_err *e) { return ft_isp_read_calibration(i, x, v, e); }

static int isp_rdata(void *i, uint32_t a, uint8_t *b, uint32_t n, ft_err *e)
{
    (void)i, (void)a, (void)b, (void)n;
    return ft_err_set(e, FT_E_USAGE, "ISP has no access to the data space");
}

static int isp_batch(void *i, bool o, ft_err *e) { return ft_isp_batch(i, o, e); }

static const ft_proto_ops isp_ops = {
    "ISP", isp_free, isp_set_progress, isp_enable, isp_probe, isp_leave, isp_set_sck, isp_sig, isp_erase,
    isp_rflash, isp_reeprom, isp_wpages, isp_weeprom, isp_rfuse, isp_wfuse, isp_rlock, isp_wlock, isp_rcal,
    isp_rdata, 0, isp_batch,
};

/* ---- TPI ---- */

static void tpi_free(void *i) { ft_tpi_free(i); }
static void tpi_set_progress(void *i, ft_progress_fn fn, void *ctx) { ft_tpi_set_progress(i, fn, ctx); }
static int tpi_enable(void *i, uint32_t s, uint32_t f, uint32_t *u, ft_err *e)
{
    (void)f;   /* TPICLK does not depend on the target's clock: no ladder */
    return ft_tpi_enable(i, s, u, e);
}
static int tpi_probe(void *i, uint32_t s, uint8_t sig[3], ft_err *e)
{
    (void)s;
    return ft_tpi_probe(i, FT_TPI_CLOCK_HZ, sig, e);
}
static int tpi_leave(void *i, ft_err *e) { return ft_tpi_leave(i, e); }
static uint32_t tpi_set_sck(void *i, uint32_t hz) { return ft_tpi_set_clock(i, hz); }
static int tpi_sig(void *i, uint8_t s[3], ft_err *e) { return ft_tpi_read_signature(i, s, e); }
static int tpi_erase(void *i, ft_err *e) { return ft_tpi_chip_erase(i, e); }
static int tpi_rflash(void *i, uint32_t a, uint8_t *b, uint32_t n, ft_err *e) { return ft_tpi_read_flash(i, a, b, n, e); }
static int no_eeprom(ft_err *e) { return ft_err_set(e, FT_E_USAGE, "TPI parts have no EEPROM"); }
static int tpi_reeprom(void *i, uint32_t a, uint8_t *b, uint32_t n, ft_err *e)
{
    (void)i, (void)a, (void)b, (void)n;
    return no_eeprom(e);
}
static int tpi_wpages(void *i, const uint8_t *d, const uint32_t *p, uint32_t n, ft_err *e)
{
    return ft_tpi_write_flash_pages(i, d, p, n, e);
}
static int tpi_weeprom(void *i, uint32_t a, const uint8_t *d, const uint8_t *m, uint32_t n, ft_err *e)
{
    (void)i, (void)a, (void)d, (void)m, (void)n;
    return no_eeprom(e);
}
static int one_fuse(int x, ft_err *e)
{
    return x == 0 ? FT_OK : ft_err_set(e, FT_E_FAIL, "internal: TPI parts have one configuration byte");
}
static int tpi_rfuse(void *i, int x, uint8_t *v, ft_err *e) { return one_fuse(x, e) ? e->code : ft_tpi_read_config(i, v, e); }
static int tpi_wfuse(void *i, int x, uint8_t v, ft_err *e) { return one_fuse(x, e) ? e->code : ft_tpi_write_config(i, v, e); }
static int tpi_rlock(void *i, uint8_t *v, ft_err *e) { return ft_tpi_read_lock(i, v, e); }
static int tpi_wlock(void *i, uint8_t v, ft_err *e) { return ft_tpi_write_lock(i, v, e); }
static int tpi_rcal(void *i, int x, uint8_t *v, ft_err *e)
{
    return x == 0 ? ft_tpi_read_calibration(i, v, e)
                  : ft_err_set(e, FT_E_FAIL, "internal: TPI parts have one calibration byte");
}

static int tpi_rdata(void *i, uint32_t a, uint8_t *b, uint32_t n, ft_err *e)
{
    if (a > 0xFFFFu || n > 0x10000u - a)
        return ft_err_set(e, FT_E_FAIL, "internal: data space read 0x%x+%u past 0xffff", a, n);
    return ft_tpi_read(i, (uint16_t)a, b, n, e);
}

static const ft_proto_ops tpi_ops = {
    "TPI", tpi_free, tpi_set_progress, tpi_enable, tpi_probe, tpi_leave, tpi_set_sck, tpi_sig, tpi_erase,
    tpi_rflash, tpi_reeprom, tpi_wpages, tpi_weeprom, tpi_rfuse, tpi_wfuse, tpi_rlock, tpi_wlock, tpi_rcal,
    tpi_rdata, FT_TPI_CLOCK_HZ, NULL,
};

int ft_proto_new(ft_proto **out, ft_wire *w, const ft_part *p, ft_err *err)
{
    *out = NULL;
    ft_proto *pr = calloc(1, sizeof *pr);
    if (!pr)
        return ft_err_set(err, FT_E_FAIL, "out of memory");
    int rc;
    if (p->protocol == FT_PROTO_TPI) {
        pr->ops = &tpi_ops;
        rc = ft_tpi_new((ft_tpi **)&pr->impl, w, p, err);
    } else {
        pr->ops = &isp_ops;
        rc = ft_isp_new((ft_isp **)&pr->impl, w, p, err);
    }
    if (rc != FT_OK) {
        free(pr);
        return rc;
    }
    *out = pr;
    return FT_OK;
}

void ft_proto_free(ft_proto *pr)
{
    if (!pr)
        return;
    pr->ops->free(pr->impl);
    free(pr);
}

const char *ft_proto_name(const ft_proto *pr) { return pr->ops->name; }
uint32_t ft_proto_fixed_hz(const ft_proto *pr) { return pr->ops->fixed_hz; }
void ft_proto_set_progress(ft_proto *pr, ft_progress_fn fn, void *ctx) { pr->ops->set_progress(pr->impl, fn, ctx); }

int ft_proto_enable(ft_proto *pr, uint32_t sck_hz, uint32_t floor_hz, uint32_t *used_hz, ft_err *err)
{
    return pr->ops->enable(pr->impl, sck_hz, floor_hz, used_hz, err);
}
int ft_proto_probe(ft_proto *pr, uint32_t sck_hz, uint8_t sig[3], ft_err *err) { return pr->ops->probe(pr->impl, sck_hz, sig, err); }
int ft_proto_leave(ft_proto *pr, ft_err *err) { return pr->ops->leave(pr->impl, err); }
uint32_t ft_proto_set_sck(ft_proto *pr, uint32_t hz) { return pr->ops->set_sck(pr->impl, hz); }
int ft_proto_read_signature(ft_proto *pr, uint8_t sig[3], ft_err *err) { return pr->ops->read_signature(pr->impl, sig, err); }
int ft_proto_chip_erase(ft_proto *pr, ft_err *err) { return pr->ops->chip_erase(pr->impl, err); }
int ft_proto_read_flash(ft_proto *pr, uint32_t addr, uint8_t *buf, uint32_t n, ft_err *err)
{
    return pr->ops->read_flash(pr->impl, addr, buf, n, err);
}
int ft_proto_read_eeprom(ft_proto *pr, uint32_t addr, uint8_t *buf, uint32_t n, ft_err *err)
{
    return pr->ops->read_eeprom(pr->impl, addr, buf, n, err);
}
int ft_proto_write_flash_pages(ft_proto *pr, const uint8_t *data, const uint32_t *pages, uint32_t npages,
                               ft_err *err)
{
    return pr->ops->write_flash_pages(pr->impl, data, pages, npages, err);
}
int ft_proto_write_eeprom(ft_proto *pr, uint32_t addr, const uint8_t *data, const uint8_t *mask, uint32_t n,
                          ft_err *err)
{
    return pr->ops->write_eeprom(pr->impl, addr, data, mask, n, err);
}
int ft_proto_read_fuse(ft_proto *pr, int index, uint8_t *v, ft_err *err) { return pr->ops->read_fuse(pr->impl, index, v, err); }
int ft_proto_write_fuse(ft_proto *pr, int index, uint8_t v, ft_err *err) { return pr->ops->write_fuse(pr->impl, index, v, err); }
int ft_proto_read_lock(ft_proto *pr, uint8_t *v, ft_err *err) { return pr->ops->read_lock(pr->impl, v, err); }
int ft_proto_write_lock(ft_proto *pr, uint8_t v, ft_err *err) { return pr->ops->write_lock(pr->impl, v, err); }
int ft_proto_read_data(ft_proto *pr, uint32_t addr, uint8_t *buf, uint32_t n, ft_err *err)
{
    return pr->ops->read_data(pr->impl, addr, buf, n, err);
}
int ft_proto_read_calibration(ft_proto *pr, int index, uint8_t *v, ft_err *err)
{
    return pr->ops->read_calibration(pr->impl, index, v, err);
}
int ft_proto_batch(ft_proto *pr, bool open, ft_err *err)
{
    return pr->ops->batch ? pr->ops->batch(pr->impl, open, err) : FT_OK;
}
