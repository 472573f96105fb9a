/* An AVR serial-programming session: entering programming mode, and the
 * one-byte instructions (signature, fuses, lock, calibration, chip erase). */
#include <stdlib.h>
#include <string.h>

#include "isp_priv.h"

#include <stdio.h>

#define ENABLE_TRIES 3
#define RESET_SETTLE_US 20000   /* datasheet: at least 20 ms before Programming Enable */
#define RESET_PULSE_US 1000     /* >= 2 target clocks even at 128 kHz / 8 at half nominal */

int isp_wire_status(ft_isp *isp, ft_err *err)
{
    return ft_wire_take_error(isp->w, err);
}

int isp_read_done(ft_isp *isp, ft_err *err)
{
    if (isp->batching)
        return FT_OK;
    ft_wire_flush(isp->w);
    return isp_wire_status(isp, err);
}

int ft_isp_batch(ft_isp *isp, bool open, ft_err *err)
{
    isp->batching = open;
    return open ? FT_OK : isp_read_done(isp, err);
}

void isp_cmd(ft_isp *isp, uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint8_t *out)
{
    uint8_t ins[4] = {a, b, c, d};
    if (!out) {
        ft_wire_shift(isp->w, ins, NULL, 4);
        return;
    }
    /* only the last byte carries the answer: reading just it keeps the reply
     * stream (and the chip's reply FIFO) four times smaller */
    ft_wire_shift(isp->w, ins, NULL, 3);
    ft_wire_shift(isp->w, ins + 3, out, 1);
}

void isp_ext_addr(ft_isp *isp, uint32_t word)
{
    if (!isp->p->load_ext_addr)
        return;
    int ext = (int)((word >> 16) & 0xff);
    if (ext == isp->ext)
        return;
    isp_cmd(isp, 0x4D, 0x00, (uint8_t)ext, 0x00, NULL);
    isp->ext = ext;
}

void isp_progress(ft_isp *isp, uint32_t done, uint32_t total)
{
    if (isp->progress)
        isp->progress(isp->pctx, done, total);
}

int isp_need_enabled(ft_isp *isp, ft_err *err)
{
    if (!isp->enabled)
        return ft_err_set(err, FT_E_FAIL, "internal: target not in programming mode");
    return FT_OK;
}

int ft_isp_new(ft_isp **out, ft_wire *w, const ft_part *p, ft_err *err)
{
    *out = NULL;
    ft_isp *isp = calloc(1, sizeof *isp);
    if (!isp)
        return ft_err_set(err, FT_E_FAIL, "out of memory");
    isp->w = w;
    isp->p = p;
    isp->ext = -1;
    isp->pollslot_size = (uint32_t)(ft_wire_caps_of(w)->max_batch / 2);
    isp->pollbuf = calloc(3, isp->pollslot_size);
    if (!isp->pollbuf) {
        free(isp);
        return ft_err_set(err, FT_E_FAIL, "out of memory");
    }
    *out = isp;
    return FT_OK;
}

void ft_isp_free(ft_isp *isp)
{
    if (!isp)
        return;
    /* poll replies still in flight point into pollbuf */
    ft_wire_flush(isp->w);
    free(isp->pollbuf);
    free(isp);
}

void ft_isp_set_progress(ft_isp *isp, ft_progress_fn fn, void *ctx)
{
    isp->progress = fn;
    isp->pctx = ctx;
}

uint32_t ft_isp_set_sck(ft_isp *isp, uint32_t hz)
{
    return ft_wire_set_clock(isp->w, hz);
}

/* One Programming Enable: in sync, the target echoes 0x53 while the third
 * byte shifts. */
static int try_enable(ft_isp *isp, uint8_t reply[4], bool pulse, ft_err *err)
{
    if (pulse) {
        ft_wire_reset(isp->w, false);
        ft_wire_sleep_us(isp->w, RESET_PULSE_US);
    }
    ft_wire_reset(isp->w, true);
    ft_wire_sleep_us(isp->w, RESET_SETTLE_US);
    static const uint8_t pe[4] = {0xAC, 0x53, 0x00, 0x00};
    ft_wire_shift(isp->w, pe, reply, 4);
    if (ft_wire_flush(isp->w))
        return isp_wire_status(isp, err);
    return FT_OK;
}

static const char *miso_hint(const uint8_t r[4])
{
    if (r[0] == 0xff && r[1] == 0xff && r[2] == 0xff && r[3] == 0xff)
        return "MISO reads always high: target unpowered, MISO (AD2) not connected, or RESET not reaching it";
    if (r[0] == 0 && r[1] == 0 && r[2] == 0 && r[3] == 0)
        return "MISO reads always low: MISO (AD2) shorted or target held in a bad state";
    return "target answers but out of step: SCK too fast for its clock, or noisy wiring";
}

int ft_isp_enable(ft_isp *isp, uint32_t sck_hz, uint32_t floor_hz, uint32_t *used_hz, ft_err *err)
{
    isp->enabled = false;
    isp->ext = -1;
    /* The clock asked for, then the ladder for targets that run slower than
     * it allows (isp.h): only Programming Enable is sent until one syncs. */
    uint32_t clocks[1 + FT_ISP_NLADDER] = {sck_hz, FT_ISP_LADDER};
    uint8_t r[4] = {0};
    uint32_t last = 0, asked = 0;
    int tried = 0;
    for (int c = 0; c < 1 + FT_ISP_NLADDER; c++) {
        if (c > 0 && (clocks[c] < floor_hz || clocks[c] >= asked))
            continue;
        asked = clocks[c];
        /* SCK low before RESET goes low; then a RESET pulse is what the
         * datasheet asks for when SCK was not low at power-up */
        last = ft_wire_set_clock(isp->w, clocks[c]);
        tried++;
        for (int t = 0; t < ENABLE_TRIES; t++) {
            memset(r, 0, sizeof r);
            int rc = try_enable(isp, r, tried > 1 || t > 0, err);
            if (rc)
                return rc;
            if (r[2] == 0x53) {
                isp->enabled = true;
                if (used_hz)
                    *used_hz = last;
                return FT_OK;
            }
        }
    }
    ft_wire_reset(isp->w, false);
    ft_wire_flush(isp->w);
    isp_wire_status(isp, err);
    char at[64];
    double l = last >= 1000000 ? last / 1e6 : last >= 1000 ? last / 1e3 : (double)last;
    const char *u = last >= 1000000 ? "MHz" : last >= 1000 ? "kHz" : "Hz";
    if (tried == 1)
        snprintf(at, sizeof at, "SCK %.4g %s", l, u);
    else
        snprintf(at, sizeof at, "%d SCK speeds, down to %.4g %s", tried, l, u);
    return ft_err_set(err, FT_E_TARGET,
                      "target does not answer Programming Enable (%d tries at %s; "
                      "last reply %02X %02X %02X %02X): %s. Check the wiring (AD0 SCK, AD1 to MOSI, AD2 "
                      "from MISO, AD3 to RESET, common GND), target power, that nothing else drives RESET, "
                      "and that the target's clock runs (fuses may select an external crystal)",
                      ENABLE_TRIES * tried, at, r[0], r[1], r[2], r[3], miso_hint(r));
}

int ft_isp_leave(ft_isp *isp, ft_err *err)
{
    isp->enabled = false;
    /* releasing RESET is what an interrupted run needs most */
    ft_wire_hold_interrupts(isp->w, true);
    ft_wire_reset(isp->w, false);
    ft_wire_flush(isp->w);
    ft_wire_hold_interrupts(isp->w, false);
    return isp_wire_status(isp, err);
}

int ft_isp_read_signature(ft_isp *isp, uint8_t sig[3], ft_err *err)
{
    if (isp_need_enabled(isp, err))
        return err->code;
    for (uint8_t i = 0; i < 3; i++)
        isp_cmd(isp, 0x30, 0x00, i, 0x00, &sig[i]);
    return isp_read_done(isp, err);
}

int ft_isp_chip_erase(ft_isp *isp, ft_err *err)
{
    if (isp_need_enabled(isp, err))
        return err->code;
    isp_cmd(isp, 0xAC, 0x80, 0x00, 0x00, NULL);
    int rc = isp_wait_ready(isp, ISP_BUSY_ERASE, isp->p->chip_erase_delay_us, err);
    isp->ext = -1;
    return rc;
}

/* Read and write instruction bytes per fuse index (low, high, extended). */
static const uint8_t fuse_read[3][2] = {{0x50, 0x00}, {0x58, 0x08}, {0x50, 0x08}};
static const uint8_t fuse_write[3] = {0xA0, 0xA8, 0xA4};

static const ft_fuse *fuse_by_index(const ft_part *p, int index)
{
    for (int i = 0; i < p->nfuses; i++)
        if (p->fuses[i].index == index)
            return &p->fuses[i];
    return NULL;
}

int ft_isp_read_fuse(ft_isp *isp, int index, uint8_t *v, ft_err *err)
{
    if (isp_need_enabled(isp, err))
        return err->code;
    if (index < 0 || index > 2)
        return ft_err_set(err, FT_E_FAIL, "internal: fuse index %d", index);
    isp_cmd(isp, fuse_read[index][0], fuse_read[index][1], 0x00, 0x00, v);
    return isp_read_done(isp, err);
}

static uint32_t fuse_delay(const ft_part *p, const ft_fuse *f)
{
    (void)f;
    return p->fuse_write_delay_us ? p->fuse_write_delay_us : 9000;
}

int ft_isp_write_fuse(ft_isp *isp, int index, uint8_t v, ft_err *err)
{
    if (isp_need_enabled(isp, err))
        return err->code;
    if (index < 0 || index > 2)
        return ft_err_set(err, FT_E_FAIL, "internal: fuse index %d", index);
    const ft_fuse *f = fuse_by_index(isp->p, index);
    /* bits that do not exist are written as 1, as they read */
    if (f && f->writable)
        v |= (uint8_t)~f->writable;
    isp_cmd(isp, 0xAC, fuse_write[index], 0x00, v, NULL);
    return isp_wait_ready(isp, ISP_BUSY_FUSE, fuse_delay(isp->p, f), err);
}

int ft_isp_read_lock(ft_isp *isp, uint8_t *v, ft_err *err)
{
    if (isp_need_enabled(isp, err))
        return err->code;
    isp_cmd(isp, 0x58, 0x00, 0x00, 0x00, v);
    return isp_read_done(isp, err);
}

int ft_isp_write_lock(ft_isp *isp, uint8_t v, ft_err *err)
{
    if (isp_need_enabled(isp, err))
        return err->code;
    if (isp->p->lock.writable)
        v |= (uint8_t)~isp->p->lock.writable;
    isp_cmd(isp, 0xAC, 0xE0, 0x00, v, NULL);
    return isp_wait_ready(isp, ISP_BUSY_FUSE, fuse_delay(isp->p, &isp->p->lock), err);
}

int ft_isp_read_calibration(ft_isp *isp, int index, uint8_t *v, ft_err *err)
{
    if (isp_need_enabled(isp, err))
        return err->code;
    if (index < 0 || index > 255)
        return ft_err_set(err, FT_E_FAIL, "internal: calibration index %d", index);
    isp_cmd(isp, 0x38, 0x00, (uint8_t)index, 0x00, v);
    return isp_read_done(isp, err);
}
