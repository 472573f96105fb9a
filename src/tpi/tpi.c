/* A TPI session: enabling (RESET, idle bits, guard time, the NVM key),
 * leaving, and the transfers every operation is built from. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tpi_priv.h"

#define RESET_SETTLE_US 1000     /* RESET low before the enable bits */
#define ENABLE_IDLE_BITS 32      /* at least 16 TPICLK cycles of TPIDATA high */
#define NVMEN_TRIES 8

/* The NVM program enable key, 0x1289AB45CDD888FF, least significant byte first. */
static const uint8_t nvm_key[8] = {0xFF, 0x88, 0xD8, 0xCD, 0x45, 0xAB, 0x89, 0x12};

int tpi_wire_status(ft_tpi *t, ft_err *err)
{
    return ft_wire_take_error(t->w, err);
}

void tpi_frame(ft_tpi *t, uint8_t v)
{
    ft_tpi_bits_frame(&t->out, v);
}

void tpi_ask(ft_tpi *t, uint8_t ins, uint8_t *dst)
{
    ft_tpi_bits_frame(&t->out, ins);
    if (t->nans == t->capans) {
        size_t cap = t->capans ? t->capans * 2 : 64;
        tpi_answer *na = realloc(t->ans, cap * sizeof *na);
        if (!na) {
            t->out.oom = true;
            return;
        }
        t->ans = na;
        t->capans = cap;
    }
    t->ans[t->nans++] = (tpi_answer){t->out.n, dst};
    ft_tpi_bits_idle(&t->out, FT_TPI_ANSWER_BITS);
}

void tpi_set_pointer(ft_tpi *t, uint16_t addr)
{
    tpi_frame(t, FT_TPI_SSTPR_LO);
    tpi_frame(t, (uint8_t)addr);
    tpi_frame(t, FT_TPI_SSTPR_HI);
    tpi_frame(t, (uint8_t)(addr >> 8));
}

void tpi_sout(ft_tpi *t, uint8_t io, uint8_t v)
{
    if (io == FT_TPI_NVMCMD && v != FT_TPI_NVM_WORD_WRITE)
        t->cmd_kept = false;   /* another command loaded */
    tpi_frame(t, FT_TPI_SOUT(io));
    tpi_frame(t, v);
}

static int grow(uint8_t **buf, size_t *cap, size_t n)
{
    if (n <= *cap)
        return 0;
    uint8_t *nb = realloc(*buf, n);
    if (!nb)
        return -1;
    *buf = nb;
    *cap = n;
    return 0;
}

int tpi_run(ft_tpi *t, ft_err *err)
{
    size_t n = ft_tpi_bits_pad(&t->out);
    if (t->out.oom || grow(&t->in, &t->incap, n)) {
        ft_tpi_bits_clear(&t->out);
        t->out.oom = false;
        t->nans = 0;
        return ft_err_set(err, FT_E_FAIL, "out of memory");
    }
    if (n)
        ft_wire_shift(t->w, t->out.b, t->nans ? t->in : NULL, n);
    ft_tpi_bits_clear(&t->out);
    size_t nans = t->nans;
    t->nans = 0;
    if (ft_wire_flush(t->w))
        return tpi_wire_status(t, err);
    for (size_t i = 0; i < nans; i++) {
        int rc = ft_tpi_decode(t->in, t->ans[i].from, FT_TPI_ANSWER_BITS, t->ans[i].dst, err);
        if (rc != FT_OK) {
            size_t m = strlen(err->msg);
            snprintf(err->msg + m, sizeof err->msg - m,
                     ": check TPIDATA (SDI on AD2, SDO through about 1 kOhm on AD1), TPICLK (AD0), "
                     "RESET and the target's power");
            return rc;
        }
    }
    return FT_OK;
}

void tpi_progress(ft_tpi *t, uint32_t done, uint32_t total)
{
    if (t->progress)
        t->progress(t->pctx, done, total);
}

int tpi_need_enabled(ft_tpi *t, ft_err *err)
{
    if (!t->enabled)
        return ft_err_set(err, FT_E_FAIL, "internal: target not in TPI programming mode");
    return FT_OK;
}

int ft_tpi_new(ft_tpi **out, ft_wire *w, const ft_part *p, ft_err *err)
{
    *out = NULL;
    ft_tpi *t = calloc(1, sizeof *t);
    if (!t)
        return ft_err_set(err, FT_E_FAIL, "out of memory");
    t->w = w;
    t->p = p;
    *out = t;
    return FT_OK;
}

void ft_tpi_free(ft_tpi *t)
{
    if (!t)
        return;
    ft_wire_flush(t->w);   /* poll groups in flight point into the slots */
    ft_tpi_bits_free(&t->out);
    free(t->in);
    free(t->ans);
    for (int i = 0; i < 3; i++) {
        ft_tpi_bits_free(&t->slot[i].out);
        free(t->slot[i].in);
    }
    free(t);
}

void ft_tpi_set_progress(ft_tpi *t, ft_progress_fn fn, void *ctx)
{
    t->progress = fn;
    t->pctx = ctx;
}

uint32_t ft_tpi_set_clock(ft_tpi *t, uint32_t hz)
{
    if (hz == 0 || hz > FT_TPI_CLOCK_HZ)
        hz = FT_TPI_CLOCK_HZ;
    return ft_wire_set_clock(t->w, hz);
}

/* RESET low, TPIDATA high for the enable count, then the guard time and the
 * identification. */
static int access_layer(ft_tpi *t, uint32_t hz, uint32_t *used, ft_err *err)
{
    t->enabled = false;
    t->pre_ok = 0;
    t->cmd_kept = false;
    t->nans = 0;
    ft_tpi_bits_clear(&t->out);
    uint32_t got = ft_tpi_set_clock(t, hz);
    if (used)
        *used = got;
    ft_wire_reset(t->w, true);
    ft_wire_sleep_us(t->w, RESET_SETTLE_US);
    ft_tpi_bits_idle(&t->out, ENABLE_IDLE_BITS);
    /* the first answer comes after the default guard time (128 bits) unless
     * TPIPCR took: the identification is read with a window that fits both */
    tpi_frame(t, FT_TPI_SSTCS(FT_TPI_TPIPCR));
    tpi_frame(t, FT_TPI_GUARD_CODE);
    uint8_t id = 0, pcr = 0xFF;
    tpi_ask(t, FT_TPI_SLDCS(FT_TPI_TPIIR), &id);
    tpi_ask(t, FT_TPI_SLDCS(FT_TPI_TPIPCR), &pcr);
    int rc = tpi_run(t, err);
    if (rc == FT_OK && (id != FT_TPI_ID || (pcr & 7) != FT_TPI_GUARD_CODE))
        rc = ft_err_set(err, FT_E_TARGET,
                        "the target answers TPI oddly (TPIIR 0x%02x, want 0x80; TPIPCR 0x%02x): "
                        "not a TPI part, or noisy wiring", id, pcr);
    if (rc == FT_E_TARGET) {
        size_t m = strlen(err->msg);
        snprintf(err->msg + m, sizeof err->msg - m,
                 "; a TPI part with RSTDISBL programmed needs 12 V on RESET");
    }
    return rc;
}

int ft_tpi_enable(ft_tpi *t, uint32_t hz, uint32_t *used_hz, ft_err *err)
{
    int rc = access_layer(t, hz, used_hz, err);
    if (rc != FT_OK) {
        /* once more after a BREAK (an error state a previous run left) */
        ft_err e2 = {0};
        ft_wire_reset(t->w, false);
        ft_wire_sleep_us(t->w, RESET_SETTLE_US);
        ft_tpi_bits_break(&t->out);
        tpi_run(t, &e2);
        if (access_layer(t, hz, used_hz, &e2) != FT_OK)
            return rc;
        *err = (ft_err){0};
    }
    tpi_frame(t, FT_TPI_SKEY);
    for (int i = 0; i < 8; i++)
        tpi_frame(t, nvm_key[i]);
    for (int i = 0; i < NVMEN_TRIES; i++) {
        uint8_t sr = 0;
        tpi_ask(t, FT_TPI_SLDCS(FT_TPI_TPISR), &sr);
        if ((rc = tpi_run(t, err)) != FT_OK)
            return rc;
        if (sr & FT_TPI_NVMEN) {
            t->enabled = true;
            return FT_OK;
        }
    }
    return ft_err_set(err, FT_E_TARGET, "the target did not take the NVM key (NVMEN stays 0)");
}

int ft_tpi_leave(ft_tpi *t, ft_err *err)
{
    /* NVMEN cleared first, or the part stays in programming mode until power-down */
    if (t->enabled) {
        tpi_frame(t, FT_TPI_SSTCS(FT_TPI_TPISR));
        tpi_frame(t, 0x00);
        ft_tpi_bits_idle(&t->out, 12);
    }
    t->enabled = false;
    t->pre_ok = 0;
    t->nans = 0;
    int rc = tpi_run(t, err);
    ft_wire_reset(t->w, false);
    if (ft_wire_flush(t->w) && rc == FT_OK)
        rc = tpi_wire_status(t, err);
    return rc;
}

int ft_tpi_probe(ft_tpi *t, uint32_t hz, uint8_t sig[3], ft_err *err)
{
    int rc = ft_tpi_enable(t, hz, NULL, err);
    if (rc == FT_OK)
        rc = ft_tpi_read_signature(t, sig, err);
    ft_err ignore = {0};
    ft_tpi_leave(t, &ignore);
    if (rc == FT_E_TARGET) {
        *err = (ft_err){0};
        return ft_err_set(err, FT_E_TARGET, "no target answers");
    }
    return rc;
}
