/* Entering programming mode on one target: the signature checked, the fuses
 * and lock read; and the messages and progress events the session sends. */
#include "session_priv.h"

#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

double ses_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void ses_note(ft_session *r, int level, const char *fmt, ...)
{
    if (!r->ev || !r->ev->note)
        return;
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    r->ev->note(r->ev->ctx, level, buf);
}

void ses_phase(ft_session *r, const char *what, uint32_t total)
{
    snprintf(r->phase_what, sizeof r->phase_what, "%s", what);
    ft_wire_get_stats(r->w, &r->phase_st);
    ft_wire_led(r->w, FT_LED_VFY, strncmp(what, "verifying", 9) == 0);
    if (r->ev && r->ev->phase)
        r->ev->phase(r->ev->ctx, what, total);
}

void ses_phase_end(ft_session *r, int status, double t0)
{
    if (r->ev && r->ev->phase_end)
        r->ev->phase_end(r->ev->ctx, status, ses_now() - t0);
    ft_wire_stats st;
    ft_wire_get_stats(r->w, &st);
    /* every AVR serial-programming instruction is 4 bytes on the wire */
    ses_note(r, 2, "%s: %llu ISP instructions in %llu USB batches", r->phase_what,
             (unsigned long long)(st.spi_bytes - r->phase_st.spi_bytes) / 4,
             (unsigned long long)(st.batches - r->phase_st.batches));
}

/* -vv: the wire's line per USB batch and SCK change. */
static void ses_trace(void *ctx, const char *line)
{
    ses_note(ctx, 2, "%s", line);
}

const char *ses_pname(const ft_part *p) { return p->name[0] ? p->name : p->id; }

bool ses_field_programmed(const ft_part *p, const uint8_t *fuses, const char *name)
{
    const ft_fuse *f;
    const ft_field *fld = ft_part_field(p, name, &f);
    if (!fld || !fld->mask)
        return false;
    return (fuses[f->index] & fld->mask) != fld->mask;
}

/* ---- entering programming mode and the signature ---- */

int ses_check_signature(ft_session *r)
{
    const ft_plan *plan = r->plan;
    /* The signature comes from the clock settling's snapshot, which two
     * reads in a row agreed on (session_clock.c, agreed_snapshot): a third
     * read would only repeat that agreement. */
    r->res->have_signature = true;
    const uint8_t *s = r->res->signature;
    if (memcmp(s, r->part->signature, 3) == 0)
        return FT_OK;
    const char *hint = "";
    const ft_part *other = plan->db ? ft_partdb_find_signature(plan->db, s) : NULL;
    char who[96] = "";
    if ((s[0] == 0 && s[1] == 0 && s[2] == 0) || (s[0] == 0xff && s[1] == 0xff && s[2] == 0xff))
        hint = ": no answer from the chip; check the wiring (SCK, MOSI, MISO, RESET, GND), "
               "that the target is powered, and that its clock runs (a fuse may select a "
               "crystal the board lacks)";
    else if (other)
        snprintf(who, sizeof who, " (that is the %s)", ses_pname(other));
    if (plan->opts.force) {
        ses_note(r, 0, "warning: signature %02x %02x %02x%s is not the %s's %02x %02x %02x; going on (-F)",
             s[0], s[1], s[2], who, ses_pname(r->part), r->part->signature[0], r->part->signature[1],
             r->part->signature[2]);
        return FT_OK;
    }
    return ft_err_set(r->err, FT_E_SIGNATURE,
                      "signature %02x %02x %02x%s is not the %s's %02x %02x %02x%s; "
                      "check -p, or use -F to go on anyway",
                      s[0], s[1], s[2], who, ses_pname(r->part), r->part->signature[0],
                      r->part->signature[1], r->part->signature[2], hint);
}

int ses_enter(ft_session *r, uint32_t sck)
{
    uint32_t used = 0;
    /* A clock the user gave is not slowed down behind their back. */
    bool user = r->plan->opts.sck_hz != 0;
    int rc = ft_proto_enable(r->proto, sck, user ? sck : FT_ISP_FLOOR_HZ, &used, r->err);
    if (rc == FT_E_TARGET && user) {
        size_t n = strlen(r->err->msg);
        uint32_t made = ft_proto_set_sck(r->proto, sck);
        snprintf(r->err->msg + n, sizeof r->err->msg - n,
                 "; SCK %.4g %s (what the adapter makes for -B/-b) is not slowed down: try a slower one, "
                 "or omit -B to let ftisp find the clock",
                 made >= 1000000 ? made / 1e6 : made / 1e3, made >= 1000000 ? "MHz" : "kHz");
    }
    if (rc != FT_OK)
        return rc;
    r->sck_hz = used;
    r->res->sck_hz = used;
    ses_note(r, 1, "programming mode entered at SCK %.1f kHz", used / 1000.0);
    return FT_OK;
}

/* The fuse checks and the EEPROM keeping act on the fuses and lock, so
 * each must rest on two reads that agree. The clock settling normally
 * gives that already (identity_agreed: its snapshot is two reads that
 * agree, and where it raised SCK a third read at the new clock agreed
 * too); otherwise they are read again until two reads agree, and a value
 * that then differs from what the clock was chosen from stops the run
 * before anything changed. */
int ses_confirm_fuses(ft_session *r)
{
    const ft_part *p = r->part;
    if (r->identity_agreed)
        return FT_OK;
    for (int i = 0; i < p->nfuses; i++) {
        int fi = p->fuses[i].index;
        uint8_t v = 0;
        int rc = ses_read_checked(r, FT_MEM_FUSE, fi, 0, &v, 1);
        if (rc == FT_OK && r->have_fuses && v != r->fuses[fi])
            rc = ft_err_set(r->err, FT_E_TARGET,
                            "%s read 0x%02x, then 0x%02x twice: the line is disturbed (check the wiring); "
                            "nothing was changed, run again", p->fuses[i].name, r->fuses[fi], v);
        if (rc != FT_OK)
            return rc;
        r->fuses[fi] = v;
    }
    r->have_fuses = p->nfuses > 0;
    if (p->lock.name[0] || p->lock.writable) {
        uint8_t v = 0;
        int rc = ses_read_checked(r, FT_MEM_LOCK, 0, 0, &v, 1);
        if (rc == FT_OK && r->have_lock && v != r->lock)
            rc = ft_err_set(r->err, FT_E_TARGET,
                            "lock read 0x%02x, then 0x%02x twice: the line is disturbed (check the wiring); "
                            "nothing was changed, run again", r->lock, v);
        if (rc != FT_OK)
            return rc;
        r->lock = v;
        r->have_lock = true;
    }
    return FT_OK;
}

int ses_start(ft_session *r, const ft_plan *plan, ft_result *res, ft_wire *w, const ft_plan_events *ev,
              ft_err *err)
{
    memset(r, 0, sizeof *r);
    r->plan = plan;
    r->res = res;
    r->part = plan->part;
    r->w = w;
    r->ev = ev;
    r->err = err;
    int rc = ft_proto_new(&r->proto, w, plan->part, err);
    if (rc != FT_OK)
        return rc;
    if (ev && ev->progress)
        ft_proto_set_progress(r->proto, ev->progress, ev->ctx);
    ft_wire_set_trace(w, ses_trace, r);
    uint32_t fixed = ft_proto_fixed_hz(r->proto);
    return ses_settle_clock(r, fixed ? fixed : FT_SCK_START_HZ);
}

void ses_finish(ft_session *r)
{
    ses_keep_settle(r, NULL);   /* a removed EEPROM journal is durably gone */
    ft_wire_set_trace(r->w, NULL, NULL);
    /* what the chip's fuses and lock are now, for --json */
    if (r->plan && r->have_fuses) {
        memcpy(r->res->fuses, r->fuses, sizeof r->res->fuses);
        r->res->have_fuses = true;
    }
    if (r->plan && r->have_lock) {
        r->res->lock = r->lock;
        r->res->have_lock = true;
    }
    free(r->chip);
    r->chip = NULL;
    if (r->proto) {
        ft_err ignore = {0};
        ft_proto_leave(r->proto, &ignore);
        ft_proto_free(r->proto);
    }
}
