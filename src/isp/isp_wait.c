/* Waiting out a write or erase with Poll RDY/BSY in as few USB round trips
 * as possible. Each group of polls rides in one USB transfer (the first one
 * together with the write instruction); the host sees the answers only a
 * round trip later, so:
 *   - once the busy time of this kind of write is known, one group sized to
 *     end just after it usually catches the ready answer: one round trip;
 *   - the first page write of a kind (flash, EEPROM: many follow) polls for
 *     the database's delay (the datasheet's tWD, the longest a chip in spec
 *     takes) in one group, which then catches ready and counts the busy
 *     time exactly: the pages after it need one round trip each;
 *   - otherwise (an erase, a fuse: one-off waits, or a target slower than
 *     expected) groups about a round trip long are kept two in flight, so
 *     the target is polled while the host reads.
 * Polls count busy time only as far as they ran without a pause; groups
 * sent after the host read an answer may have started after one. A busy
 * time caught there is not trusted as learned: the next wait of that kind
 * polls for the database's delay again (or a group more, if longer).
 * Polls sent after the target is ready are harmless; anything else is never
 * queued before a poll has said ready. */
#include <time.h>

#include "isp_priv.h"

#define GROUP_NS 250000u        /* about two USB microframes of polling */
#define MARGIN_POLLS 2           /* the ready answer and the one confirming it */

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

typedef struct group {
    uint64_t ticket;
    uint8_t *buf;
    uint32_t n, first;
} group;

static group issue(ft_isp *isp, uint32_t n, uint32_t first)
{
    static const uint8_t poll[3] = {0xF0, 0x00, 0x00};
    static const uint8_t zero = 0x00;
    uint8_t *buf = isp->pollbuf + (size_t)isp->next_slot * isp->pollslot_size;
    isp->next_slot = (isp->next_slot + 1) % 3;
    for (uint32_t i = 0; i < n; i++) {
        ft_wire_shift(isp->w, poll, NULL, 3);
        ft_wire_shift(isp->w, &zero, buf + i, 1);
    }
    return (group){ft_wire_send(isp->w), buf, n, first};
}

static int wait_ready(ft_isp *isp, int kind, uint32_t delay_us, ft_err *err)
{
    if (delay_us == 0)
        delay_us = 10000;   /* database without a figure: the slowest classic tWD */
    if (!isp->p->has_rdybsy) {
        ft_wire_sleep_us(isp->w, delay_us);
        return isp_wire_status(isp, err);
    }
    uint32_t sck = ft_wire_clock(isp->w);
    uint64_t poll_ns = 32000000000ull / (sck ? sck : 1);
    uint32_t cap = isp->pollslot_size;
    uint32_t g = (uint32_t)(GROUP_NS / poll_ns);
    g = g < 4 ? 4 : g > cap ? cap : g;

    uint64_t full = (uint64_t)delay_us * 1000u / poll_ns + 1;   /* polls covering tWD */
    if (full > cap)
        full = cap;
    uint32_t first_n = g;
    bool pipelined = true;
    if (isp->learned_polls[kind]) {
        uint64_t n = (uint64_t)isp->learned_polls[kind] * sck / isp->learned_sck[kind] + MARGIN_POLLS;
        first_n = n > cap ? cap : (uint32_t)n;
        pipelined = false;
    } else if (kind == ISP_BUSY_FLASH || kind == ISP_BUSY_EEPROM) {
        first_n = (uint32_t)full;
        pipelined = false;
    }
    uint64_t limit_us = (uint64_t)delay_us * 10 + 200000;
    uint64_t deadline = now_us() + limit_us;

    /* Ready is believed when the next poll says so too: one bit flipped on
     * MISO must not send an instruction into a write in progress. */
    uint32_t ready_at = UINT32_MAX;
    group q[2];
    int nq = 0;
    uint32_t issued = 0;
    q[nq++] = issue(isp, first_n, issued);
    issued += first_n;
    for (;;) {
        if (pipelined && nq < 2) {
            q[nq++] = issue(isp, g, issued);
            issued += g;
        }
        if (ft_wire_wait(isp->w, q[0].ticket))
            return isp_wire_status(isp, err);
        for (uint32_t i = 0; i < q[0].n; i++) {
            if (q[0].buf[i] & 1) {
                ready_at = UINT32_MAX;
                continue;
            }
            if (ready_at == UINT32_MAX) {
                ready_at = q[0].first + i;
                continue;
            }
            uint32_t learned = ready_at + 1;
            if (ready_at >= first_n && learned + g < full)
                learned = (uint32_t)full;     /* caught after a pause (above) */
            else if (ready_at >= first_n)
                learned += g;
            isp->learned_polls[kind] = learned;
            isp->learned_sck[kind] = sck;
            return FT_OK;
        }
        q[0] = q[1];
        nq--;
        pipelined = true;
        if (now_us() > deadline) {
            ft_wire_flush(isp->w);
            isp_wire_status(isp, err);
            return ft_err_set(err, FT_E_TARGET,
                              "target still busy %llu ms after a write or erase (Poll RDY/BSY never "
                              "said ready): target lost power or clock, or the wiring is bad",
                              (unsigned long long)(limit_us / 1000));
        }
    }
}

/* A signal is honoured before the write instruction goes out (it is dropped
 * with its batch); once sent, the write is waited out whatever comes: RESET
 * released during a write garbles the page, byte or fuse being written. */
int isp_wait_ready(ft_isp *isp, int kind, uint32_t delay_us, ft_err *err)
{
    if (ft_wire_check_interrupt(isp->w))
        return isp_wire_status(isp, err);
    if (delay_us && ft_wire_caps_of(isp->w)->timed_wait_cheaper) {
        /* The datasheets' other method: no polling, the next instruction
         * no sooner than tWD (the database's figure, the datasheet's
         * maximum) after this one. The wire queues the wait in the stream,
         * so writes and waits go out together; it never lets a signal cut
         * a wait whose write went out. Verify reads everything back. */
        ft_wire_delay_us(isp->w, delay_us);
        return isp_wire_status(isp, err);
    }
    ft_wire_hold_interrupts(isp->w, true);
    int rc = wait_ready(isp, kind, delay_us, err);
    ft_wire_hold_interrupts(isp->w, false);
    return rc;
}
