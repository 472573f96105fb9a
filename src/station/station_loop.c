/* --loop: each adapter on its own waits for a board (a look every 1/poll
 * seconds: only Programming Enable and signature reads at the safe start
 * clock, harmless to a board half in the socket), programs it, reports, and
 * waits until the board is gone (two looks in a row without an answer)
 * before waiting for the next. Ctrl-C (SIGINT) or SIGTERM ends the loop
 * once the board in progress is done. */
#include "station_priv.h"

#include <string.h>

/* FT_OK: a target answered; FT_E_TARGET: none; other: the adapter failed. */
static int look(st_child *c, ft_err *err)
{
    const ft_plan *plan = c->run->plan;
    ft_proto *isp;
    uint8_t sig[3];
    int rc = ft_proto_new(&isp, c->w, plan->part, err);
    if (rc != FT_OK)
        return rc;
    rc = ft_proto_probe(isp, plan->opts.sck_hz && plan->opts.sck_hz < FT_SCK_START_HZ ? plan->opts.sck_hz
                                                                                    : FT_SCK_START_HZ,
                      sig, err);
    ft_proto_free(isp);
    return rc;
}

int st_loop(st_child *c)
{
    uint32_t pause = (uint32_t)(1e6 / c->run->opts->poll_hz);
    int worst = FT_OK;
    st_feedback(c, ST_IDLE);
    while (!st_stop) {
        ft_err err = {0};
        int rc = look(c, &err);
        if (rc == FT_E_TARGET) {
            ft_wire_sleep_us(c->w, pause);
            continue;
        }
        if (rc != FT_OK) {
            st_report(c, rc, err.msg, 0, NULL, NULL);
            return rc;
        }
        rc = st_board(c);
        if (rc != FT_OK)
            worst = rc;
        int misses = 0;
        while (!st_stop && misses < 2) {
            ft_wire_sleep_us(c->w, pause);
            ft_err e2 = {0};
            int r = look(c, &e2);
            if (r == FT_E_TARGET)
                misses++;
            else if (r == FT_OK)
                misses = 0;
            else {
                c->boards++;
                st_report(c, r, e2.msg, 0, NULL, NULL);
                return r;
            }
        }
    }
    return worst;
}
