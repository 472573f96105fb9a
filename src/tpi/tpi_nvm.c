/* The NVM over TPI: reads with SLD+, word writes, erases, and NVMBSY polls
 * batched as the ISP path batches Poll RDY/BSY (isp_wait.c): each group of
 * polls rides in one USB transfer, the first together with the write; once a
 * kind of write's busy time is known one group sized to end just after it
 * usually catches the ready answer; otherwise two groups are kept in flight.
 * Nothing but NVMCSR reads goes to a busy target (an NVM access then is lost). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tpi_priv.h"

#define GROUP_NS 250000u
#define MARGIN_POLLS 1
#define POLL_BITS (12u + FT_TPI_ANSWER_BITS)    /* an SIN and its answer window */
#define READ_CHUNK 1024u                        /* bytes read per transfer */
#define MAX_POLLS 512u

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

typedef struct group {
    uint64_t ticket;
    tpi_slot *s;
    size_t from;              /* bit of the first poll */
    uint32_t n, first;
} group;

/* Moves what is queued in t->out into a slot, appends n polls, sends. */
static int issue(ft_tpi *t, uint32_t n, uint32_t first, group *g, ft_err *err)
{
    tpi_slot *s = &t->slot[t->next_slot];
    t->next_slot = (t->next_slot + 1) % 3;
    size_t pre = ft_tpi_bits_pad(&t->out);   /* idle bits: harmless */
    ft_tpi_bits_clear(&s->out);
    ft_tpi_bits_idle(&s->out, pre * 8);
    if (pre && !s->out.oom)
        memcpy(s->out.b, t->out.b, pre);
    ft_tpi_bits_clear(&t->out);
    size_t from = s->out.n;
    for (uint32_t i = 0; i < n; i++) {
        ft_tpi_bits_frame(&s->out, FT_TPI_SIN(FT_TPI_NVMCSR));
        ft_tpi_bits_idle(&s->out, FT_TPI_ANSWER_BITS);
    }
    size_t bytes = ft_tpi_bits_pad(&s->out);
    if (s->out.oom || bytes > s->incap) {
        uint8_t *nb = s->out.oom ? NULL : realloc(s->in, bytes);
        if (!nb)
            return ft_err_set(err, FT_E_FAIL, "out of memory");
        s->in = nb;
        s->incap = bytes;
    }
    ft_wire_shift(t->w, s->out.b, s->in, bytes);
    *g = (group){ft_wire_send(t->w), s, from, n, first};
    return FT_OK;
}

static int wait_ready(ft_tpi *t, int kind, uint32_t delay_us, ft_err *err)
{
    if (delay_us == 0)
        delay_us = 10000;
    uint32_t hz = ft_wire_clock(t->w);
    uint64_t poll_ns = (uint64_t)POLL_BITS * 1000000000u / (hz ? hz : 1);
    uint32_t g = (uint32_t)(GROUP_NS / poll_ns);
    g = g < 4 ? 4 : g > MAX_POLLS ? MAX_POLLS : g;
    uint32_t first_n = g;
    bool pipelined = true;
    if (t->learned_polls[kind]) {
        uint64_t n = (uint64_t)t->learned_polls[kind] * hz / t->learned_hz[kind] + MARGIN_POLLS;
        first_n = n > MAX_POLLS ? MAX_POLLS : (uint32_t)n;
        pipelined = false;
    }
    uint64_t limit_us = (uint64_t)delay_us * 10 + 200000;
    uint64_t deadline = now_us() + limit_us;
    uint32_t ready_at = UINT32_MAX, issued = 0;
    group q[2];
    int nq = 0;
    int rc = issue(t, first_n, issued, &q[nq++], err);
    issued += first_n;
    while (rc == FT_OK) {
        if (pipelined && nq < 2) {
            if ((rc = issue(t, g, issued, &q[nq++], err)) != FT_OK)
                break;
            issued += g;
        }
        if (ft_wire_wait(t->w, q[0].ticket))
            return tpi_wire_status(t, err);
        for (uint32_t i = 0; i < q[0].n; i++) {
            uint8_t v = 0;
            ft_err e = {0};
            /* a garbled answer counts as busy */
            if (ft_tpi_decode(q[0].s->in, q[0].from + (size_t)i * POLL_BITS + 12, FT_TPI_ANSWER_BITS, &v,
                              &e) != FT_OK || (v & FT_TPI_NVMBSY)) {
                ready_at = UINT32_MAX;
                continue;
            }
            /* ready is believed when the next poll says so too */
            if (ready_at == UINT32_MAX) {
                ready_at = q[0].first + i;
                continue;
            }
            /* polls count time only within one group: a later group
             * started after a USB round trip the count does not see, so
             * one group's worth more is learned there (the next write's
             * first group then sees the ready answer and learns it exactly) */
            t->learned_polls[kind] = ready_at + 1 + (q[0].first ? g : 0);
            t->learned_hz[kind] = hz;
            if (nq > 1 && ft_wire_wait(t->w, q[1].ticket))
                return tpi_wire_status(t, err);
            return FT_OK;
        }
        if (nq > 1)
            q[0] = q[1];
        nq--;
        pipelined = true;
        if (now_us() > deadline) {
            ft_wire_flush(t->w);
            tpi_wire_status(t, err);
            return ft_err_set(err, FT_E_TARGET,
                              "target still busy %llu ms after a write or erase (NVMBSY never cleared, "
                              "or no answer): target lost power, or the wiring is bad",
                              (unsigned long long)(limit_us / 1000));
        }
    }
    return rc;
}

int tpi_wait_ready(ft_tpi *t, int kind, uint32_t delay_us, ft_err *err)
{
    t->pre_ok = 0;   /* the NVM changes */
    if (ft_wire_check_interrupt(t->w)) {
        ft_tpi_bits_clear(&t->out);
        return tpi_wire_status(t, err);
    }
    ft_wire_hold_interrupts(t->w, true);
    int rc = wait_ready(t, kind, delay_us, err);
    ft_wire_hold_interrupts(t->w, false);
    return rc;
}

/* A transfer of reads, built by build(ctx) into t->out, run; an answer that
 * does not decode (a parity or stop-bit error: a bit flipped on the way) is
 * read again, after a BREAK in case the target's receiver was upset too, up
 * to READ_TRIES times. Reads change nothing, so reading again is safe. */
#define READ_TRIES 3
static int run_reads(ft_tpi *t, void (*build)(ft_tpi *t, const void *ctx), const void *ctx, ft_err *err)
{
    int rc = FT_OK;
    for (int i = 0; i < READ_TRIES; i++) {
        if (i) {
            *err = (ft_err){0};
            ft_tpi_bits_break(&t->out);
        }
        build(t, ctx);
        if ((rc = tpi_run(t, err)) != FT_E_TARGET)
            break;
    }
    return rc;
}

typedef struct read_span {
    uint16_t addr;
    uint8_t *buf;
    uint32_t n;
} read_span;

static void build_span(ft_tpi *t, const void *ctx)
{
    const read_span *r = ctx;
    tpi_set_pointer(t, r->addr);
    for (uint32_t i = 0; i < r->n; i++)
        tpi_ask(t, FT_TPI_SLD_INC, r->buf + i);
}

int ft_tpi_read(ft_tpi *t, uint16_t addr, uint8_t *buf, uint32_t n, ft_err *err)
{
    if (tpi_need_enabled(t, err))
        return err->code;
    for (uint32_t done = 0; done < n;) {
        uint32_t k = n - done < READ_CHUNK ? n - done : READ_CHUNK;
        read_span r = {(uint16_t)(addr + done), buf + done, k};
        int rc = run_reads(t, build_span, &r, err);
        if (rc != FT_OK)
            return rc;
        done += k;
        if (n > 64)
            tpi_progress(t, done, n);
    }
    return FT_OK;
}

static void build_spans(ft_tpi *t, const void *ctx)
{
    const read_span *r = ctx;
    for (int k = 0; k < 1 + TPI_PRE_KINDS; k++)
        build_span(t, &r[k]);
}

/* The signature, and in the same transfer the configuration, lock and
 * calibration bytes that a session reads right after it. */
int ft_tpi_read_signature(ft_tpi *t, uint8_t sig[3], ft_err *err)
{
    static const uint16_t at[TPI_PRE_KINDS] = {FT_TPI_CONFIG, FT_TPI_LOCK, FT_TPI_CALIBRATION};
    if (tpi_need_enabled(t, err))
        return err->code;
    t->pre_ok = 0;
    read_span r[1 + TPI_PRE_KINDS] = {{FT_TPI_SIGNATURE, sig, 3}};
    for (int k = 0; k < TPI_PRE_KINDS; k++)
        r[1 + k] = (read_span){at[k], &t->pre[k], 1};
    int rc = run_reads(t, build_spans, r, err);
    if (rc == FT_OK)
        t->pre_ok = (1u << TPI_PRE_KINDS) - 1;
    return rc;
}

static int read_pre(ft_tpi *t, int k, uint16_t addr, uint8_t *v, ft_err *err)
{
    if (t->enabled && (t->pre_ok & 1u << k)) {
        t->pre_ok &= ~(1u << k);
        *v = t->pre[k];
        return FT_OK;
    }
    return ft_tpi_read(t, addr, v, 1, err);
}

int ft_tpi_read_flash(ft_tpi *t, uint32_t addr, uint8_t *buf, uint32_t n, ft_err *err)
{
    if (addr > t->p->flash.size || n > t->p->flash.size - addr)
        return ft_err_set(err, FT_E_FAIL, "internal: flash read 0x%x+%u past the end (0x%x)", addr, n,
                          t->p->flash.size);
    return ft_tpi_read(t, (uint16_t)(FT_TPI_FLASH + addr), buf, n, err);
}

int ft_tpi_read_config(ft_tpi *t, uint8_t *v, ft_err *err)
{
    return read_pre(t, TPI_PRE_CONFIG, FT_TPI_CONFIG, v, err);
}

int ft_tpi_read_lock(ft_tpi *t, uint8_t *v, ft_err *err)
{
    return read_pre(t, TPI_PRE_LOCK, FT_TPI_LOCK, v, err);
}

int ft_tpi_read_calibration(ft_tpi *t, uint8_t *v, ft_err *err)
{
    return read_pre(t, TPI_PRE_CAL, FT_TPI_CALIBRATION, v, err);
}

/* An erase: the command, then a dummy write to a high byte in the section. */
static int erase(ft_tpi *t, uint8_t cmd, uint16_t odd_addr, ft_err *err)
{
    if (tpi_need_enabled(t, err))
        return err->code;
    tpi_sout(t, FT_TPI_NVMCMD, cmd);
    tpi_set_pointer(t, odd_addr);
    tpi_frame(t, FT_TPI_SST);
    tpi_frame(t, 0xFF);
    return tpi_wait_ready(t, TPI_BUSY_ERASE, t->p->chip_erase_delay_us, err);
}

int ft_tpi_chip_erase(ft_tpi *t, ft_err *err)
{
    return erase(t, FT_TPI_NVM_CHIP_ERASE, FT_TPI_FLASH + 1, err);
}

/* One word write of a config or lock word: low byte v, high byte 0xFF. */
static int write_word(ft_tpi *t, uint16_t addr, uint8_t v, ft_err *err)
{
    tpi_sout(t, FT_TPI_NVMCMD, FT_TPI_NVM_WORD_WRITE);
    tpi_set_pointer(t, addr);
    tpi_frame(t, FT_TPI_SST_INC);
    tpi_frame(t, v);
    tpi_frame(t, FT_TPI_SST_INC);
    tpi_frame(t, 0xFF);
    return tpi_wait_ready(t, TPI_BUSY_CONFIG, t->p->fuse_write_delay_us, err);
}

int ft_tpi_write_config(ft_tpi *t, uint8_t v, ft_err *err)
{
    if (tpi_need_enabled(t, err))
        return err->code;
    uint8_t cur = 0xFF;
    int rc = ft_tpi_read_config(t, &cur, err);
    if (rc != FT_OK)
        return rc;
    /* bits only go 1 -> 0 without an erase of the configuration section */
    if ((cur & v) != v) {
        if ((rc = erase(t, FT_TPI_NVM_SECTION_ERASE, FT_TPI_CONFIG + 1, err)) != FT_OK)
            return rc;
        cur = 0xFF;
    }
    if (cur == v)
        return FT_OK;
    return write_word(t, FT_TPI_CONFIG, v, err);
}

int ft_tpi_write_lock(ft_tpi *t, uint8_t v, ft_err *err)
{
    if (tpi_need_enabled(t, err))
        return err->code;
    return write_word(t, FT_TPI_LOCK, v, err);
}

int ft_tpi_write_flash_pages(ft_tpi *t, const uint8_t *data, const uint32_t *pages, uint32_t npages,
                             ft_err *err)
{
    if (tpi_need_enabled(t, err))
        return err->code;
    const ft_part *p = t->p;
    uint32_t psz = p->flash.page_size > 1 ? p->flash.page_size : 2;
    uint32_t gsz = 2u * (p->tpi_words ? p->tpi_words : 1);   /* bytes one write programs */
    if (psz % gsz)
        psz = gsz;
    int rc = FT_OK;
    int32_t ptr = -1;         /* where the target's pointer is, -1 unknown */
    for (uint32_t k = 0; k < npages && rc == FT_OK; k++) {
        uint32_t a = pages[k];
        if (a % psz || a > p->flash.size || psz > p->flash.size - a)
            return ft_err_set(err, FT_E_FAIL, "internal: flash page 0x%x not a page of %s", a, p->name);
        for (uint32_t g = a; g < a + psz && rc == FT_OK; g += gsz) {
            bool blank = true;
            for (uint32_t i = 0; i < gsz; i++)
                blank = blank && data[g + i] == 0xFF;
            if (blank)
                continue;   /* erased flash reads 0xFF already */
            /* the command stays loaded after a write on the parts met so
             * far (checked once below): then it is not sent again */
            if (!t->cmd_kept)
                tpi_sout(t, FT_TPI_NVMCMD, FT_TPI_NVM_WORD_WRITE);
            if (ptr != (int32_t)g)
                tpi_set_pointer(t, (uint16_t)(FT_TPI_FLASH + g));
            for (uint32_t i = 0; i < gsz; i++) {
                tpi_frame(t, FT_TPI_SST_INC);
                tpi_frame(t, data[g + i]);
            }
            ptr = (int32_t)(g + gsz);
            rc = tpi_wait_ready(t, TPI_BUSY_WORD, p->flash.write_delay_us, err);
            if (rc == FT_OK && !t->cmd_checked) {
                uint8_t cmd = 0;
                t->cmd_checked = true;
                tpi_ask(t, FT_TPI_SIN(FT_TPI_NVMCMD), &cmd);
                rc = tpi_run(t, err);
                t->cmd_kept = rc == FT_OK && cmd == FT_TPI_NVM_WORD_WRITE;
            }
        }
        if (rc == FT_OK)
            tpi_progress(t, (k + 1) * psz, npages * psz);
    }
    return rc;
}
