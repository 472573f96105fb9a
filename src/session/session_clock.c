/* The SCK a session runs at: proven safe from the fuses' worst case, and
 * confirmed by reading the chip again at that clock before anything is
 * erased or written.
 *
 * The rule (datasheets, Serial Programming Characteristics): SCK high and low
 * must each last MORE than 2 target clocks, more than 3 from 12 MHz. The
 * target clock used is the slowest the fuses allow (ft_part_clock_min_hz:
 * the RC at -10 %, the 128 kHz oscillator at half nominal, a crystal at the
 * bottom of its range, CKDIV8 applied). */
#include "session_priv.h"

#include <stdio.h>
#include <string.h>

/* The FT232H's SCK is not a perfect 50 % duty cycle: edges come from a
 * 60 MHz engine and the output stage, so one phase may be a little shorter
 * than half the period. The SCK stays 5 % below the limit, i.e. each phase
 * may be as short as 47.5 % of the period and still last more than 2 (3)
 * target clocks. On the FT232H's steps that gives 1.875 MHz for an 8 MHz
 * crystal (limit 2 MHz), 2.5 MHz for 16 MHz (2.67 MHz), 212.8 kHz for a
 * factory 1 MHz part at -10 % (225 kHz). */
#define SCK_MARGIN_PCT 5

uint32_t ft_sck_for_target(uint32_t fck_hz)
{
    if (fck_hz == 0)
        return FT_SCK_START_HZ;
    uint64_t limit = fck_hz >= 12000000u ? fck_hz / 6 : fck_hz / 4;
    /* A chip proven to run at 8 MHz or more may be running at 12 MHz or
     * more, where a phase must exceed 3 clocks: 250 ns at 12 MHz. */
    if (fck_hz < 12000000u && limit > 2000000u)
        limit = 2000000u;
    return (uint32_t)(limit * (100 - SCK_MARGIN_PCT) / 100);
}

/* "212.8 kHz", "1.875 MHz" */
static const char *hz_text(char *buf, size_t n, double hz)
{
    if (hz >= 1e6)
        snprintf(buf, n, "%.4g MHz", hz / 1e6);
    else
        snprintf(buf, n, "%.4g kHz", hz / 1e3);
    return buf;
}

/* What a read of the chip's identity and settings returned; compared
 * between clocks. */
#define SNAP_MAX (3 + FT_MAX_FUSES + 1 + 8)
typedef struct snapshot {
    uint8_t b[SNAP_MAX];
    const char *name[SNAP_MAX];
    int n;
} snapshot;

static int queue_snapshot(ft_session *r, snapshot *s)
{
    const ft_part *p = r->part;
    static const char *const signame[3] = {"signature byte 0", "signature byte 1", "signature byte 2"};
    static const char *const calname[8] = {"calibration byte 0", "calibration byte 1",
                                           "calibration byte 2", "calibration byte 3",
                                           "calibration byte 4", "calibration byte 5",
                                           "calibration byte 6", "calibration byte 7"};
    memset(s, 0, sizeof *s);
    int rc = ft_proto_read_signature(r->proto, s->b, r->err);
    for (int i = 0; i < 3; i++)
        s->name[s->n++] = signame[i];
    for (int i = 0; rc == FT_OK && i < p->nfuses; i++) {
        rc = ft_proto_read_fuse(r->proto, p->fuses[i].index, &s->b[s->n], r->err);
        s->name[s->n++] = p->fuses[i].name;
    }
    if (rc == FT_OK && (p->lock.name[0] || p->lock.writable)) {
        rc = ft_proto_read_lock(r->proto, &s->b[s->n], r->err);
        s->name[s->n++] = "lock";
    }
    for (int i = 0; rc == FT_OK && i < p->calibration_bytes && i < 8; i++) {
        rc = ft_proto_read_calibration(r->proto, i, &s->b[s->n], r->err);
        s->name[s->n++] = calname[i];
    }
    return rc;
}

/* n snapshots read in one USB exchange (a batch of reads, ft_proto_batch):
 * a round trip for all of them instead of one per byte. */
static int take_snapshots(ft_session *r, snapshot *s, int n)
{
    int rc = ft_proto_batch(r->proto, true, r->err);
    for (int i = 0; rc == FT_OK && i < n; i++)
        rc = queue_snapshot(r, &s[i]);
    ft_err later = {0};
    int rc2 = ft_proto_batch(r->proto, false, rc == FT_OK ? r->err : &later);
    return rc != FT_OK ? rc : rc2;
}

static int take_snapshot(ft_session *r, snapshot *s)
{
    return take_snapshots(r, s, 1);
}

/* The session trusts what a snapshot says from here on. */
static void adopt(ft_session *r, const snapshot *s)
{
    const ft_part *p = r->part;
    memcpy(r->res->signature, s->b, 3);
    int k = 3;
    for (int i = 0; i < p->nfuses; i++)
        r->fuses[p->fuses[i].index] = s->b[k++];
    r->have_fuses = p->nfuses > 0;
    if (p->lock.name[0] || p->lock.writable) {
        r->lock = s->b[k++];
        r->have_lock = true;
    }
}

/* "" when equal; else the first difference in words (a read first). */
static const char *differs(const snapshot *a, const snapshot *b, char *buf, size_t n)
{
    buf[0] = '\0';
    for (int i = 0; i < a->n && i < b->n; i++)
        if (a->b[i] != b->b[i]) {
            snprintf(buf, n, "%s read 0x%02x, then 0x%02x", a->name[i], a->b[i], b->b[i]);
            break;
        }
    return buf;
}

/* Reads until two snapshots agree (any two of up to SES_READS_MAX), so one
 * flipped bit in a read is outvoted instead of becoming what every later
 * read is judged against. */
static int agreed_snapshot(ft_session *r, snapshot *out)
{
    snapshot s[SES_READS_MAX];
    char d[96] = "";
    for (int i = 0; i < SES_READS_MAX; i++) {
        /* agreement takes two reads at least: those two go out together */
        int rc = i == 0 ? take_snapshots(r, s, 2) : i == 1 ? FT_OK : take_snapshot(r, &s[i]);
        if (rc != FT_OK)
            return rc;
        for (int j = 0; j < i; j++)
            if (!*differs(&s[j], &s[i], d, sizeof d)) {
                *out = s[i];
                if (i > 1)
                    ses_note(r, 1, "the chip's identity read differently once at SCK %.4g kHz (%s); two "
                                   "later reads agree", r->sck_hz / 1e3, differs(&s[0], &s[1], d, sizeof d));
                return FT_OK;
            }
    }
    differs(&s[0], &s[1], d, sizeof d);
    return ft_err_set(r->err, FT_E_TARGET,
                      "the chip reads differently on each of %d reads at SCK %.4g kHz (%s): check the "
                      "wiring (short leads, common GND) and the target's supply",
                      SES_READS_MAX, r->sck_hz / 1e3, d);
}

/* The worst-case target clock from the fuses the session holds; 0 unknown. */
static uint32_t target_min_hz(ft_session *r, char *why, int whylen)
{
    if (!r->have_fuses) {
        snprintf(why, (size_t)whylen, "no fuses");
        return 0;
    }
    return ft_part_clock_min_hz(r->part, r->fuses, r->plan->opts.fck_hz, why, whylen);
}

static void set_clock(ft_session *r, uint32_t hz)
{
    r->sck_hz = hz;
    r->res->sck_hz = hz;
}

/* Leaves programming mode and enters it again at sck (stepping down from
 * there if the target does not sync). */
static int reenter(ft_session *r, uint32_t sck)
{
    int rc = ft_proto_leave(r->proto, r->err);
    return rc == FT_OK ? ses_enter(r, sck) : rc;
}

/* With -B/-b: the user's clock, judged against the fuses and, when faster
 * than they prove safe, confirmed against a read at the safe clock. */
static int judge_user_clock(ft_session *r, const snapshot *at_user, uint32_t fmin, const char *why)
{
    uint32_t user = r->sck_hz;
    if (!fmin) {
        snprintf(r->res->clock_why, sizeof r->res->clock_why,
                 "SCK %.4g kHz set by -B/-b; target clock unknown (%.160s): ftisp cannot judge it",
                 user / 1e3, why);
        ses_note(r, 1, "%s", r->res->clock_why);
        return FT_OK;
    }
    uint32_t safe = ft_sck_for_target(fmin);
    if (user <= safe) {
        snprintf(r->res->clock_why, sizeof r->res->clock_why,
                 "SCK %.4g kHz set by -B/-b; the fuses prove up to %.4g kHz safe (%.160s)", user / 1e3,
                 safe / 1e3, why);
        ses_note(r, 1, "%s", r->res->clock_why);
        return FT_OK;
    }
    uint32_t slow = ft_proto_set_sck(r->proto, safe);
    snprintf(r->res->clock_why, sizeof r->res->clock_why,
             "SCK %.4g kHz set by -B/-b is faster than the fuses prove safe: %.160s, which allows "
             "SCK up to %.4g kHz; -B %.4gkHz would be safe",
             user / 1e3, why, safe / 1e3, slow / 1e3);
    ses_note(r, 0, "warning: %s", r->res->clock_why);
    snapshot at_slow;
    int rc = take_snapshot(r, &at_slow);
    ft_proto_set_sck(r->proto, user);
    if (rc != FT_OK)
        return rc;
    char d[96];
    if (*differs(at_user, &at_slow, d, sizeof d))
        return ft_err_set(r->err, FT_E_UNSAFE,
                          "stopped before touching the chip: at SCK %.4g kHz (-B/-b) it reads "
                          "differently than at %.4g kHz (%s): the clock is too fast for it. Use "
                          "-B %.4gkHz, or omit -B to let ftisp choose",
                          user / 1e3, slow / 1e3, d, slow / 1e3);
    ses_note(r, 1, "confirmed: the chip reads the same at SCK %.4g kHz and %.4g kHz", user / 1e3,
             slow / 1e3);
    return FT_OK;
}

/* Raises SCK to what the fuses prove safe, confirming each step against
 * what was read at the slower clock; steps down on any difference. */
static int raise_clock(ft_session *r, const snapshot *trusted, uint32_t fmin, const char *why)
{
    uint32_t slow = r->sck_hz;
    if (!fmin) {
        snprintf(r->res->clock_why, sizeof r->res->clock_why,
                 "target clock unknown (%.160s): SCK stays at %.4g kHz; --fck or -B can raise it", why,
                 slow / 1e3);
        ses_note(r, 1, "%s", r->res->clock_why);
        return FT_OK;
    }
    uint32_t want = ft_sck_for_target(fmin);
    bool confirmed = want <= slow;
    /* Each difference halves the clock, so this ends at `slow` at the latest
     * (30 MHz to 458 Hz is 16 halvings). */
    for (int step = 0; !confirmed && step < 32; step++) {
        uint32_t got = ft_proto_set_sck(r->proto, want);
        snapshot fast;
        int rc = take_snapshot(r, &fast);
        if (rc != FT_OK)
            return rc;
        char d[96];
        if (!*differs(trusted, &fast, d, sizeof d)) {
            set_clock(r, got);
            confirmed = true;
            break;
        }
        /* The chip may have lost its framing: start over, slower. */
        want = got / 2 > slow ? got / 2 : slow;
        ses_note(r, 0, "warning: at SCK %.4g kHz the chip reads differently (%s); entering "
                       "again at %.4g kHz",
                 got / 1e3, d, want / 1e3);
        rc = reenter(r, want);
        if (rc != FT_OK)
            return rc;
        if (r->sck_hz <= slow) {
            rc = take_snapshot(r, &fast);
            if (rc == FT_OK && *differs(trusted, &fast, d, sizeof d))
                rc = ft_err_set(r->err, FT_E_TARGET,
                                "the chip reads differently from one read to the next at SCK "
                                "%.4g kHz (%s): check the wiring (short leads, common GND) "
                                "and the target's supply",
                                r->sck_hz / 1e3, d);
            if (rc != FT_OK)
                return rc;
            confirmed = true;
        }
    }
    if (!confirmed)
        return ft_err_set(r->err, FT_E_TARGET, "internal: SCK not confirmed at %.4g kHz",
                          r->sck_hz / 1e3);
    char f[24], sck[24], lim[24];
    double limit = fmin >= 12000000u ? fmin / 6.0 : fmin / 4.0;
    if (fmin < 12000000u && limit > 2e6)
        limit = 2e6;
    snprintf(r->res->clock_why, sizeof r->res->clock_why,
             "target clock at least %s (%.160s): SCK %s, %d %% or more below the limit %s",
             hz_text(f, sizeof f, fmin), why, hz_text(sck, sizeof sck, r->sck_hz), SCK_MARGIN_PCT,
             hz_text(lim, sizeof lim, limit));
    ses_note(r, 1, "%s", r->res->clock_why);
    return FT_OK;
}

int ses_settle_clock(ft_session *r, uint32_t start)
{
    const ft_plan *plan = r->plan;
    uint32_t user = plan->opts.sck_hz;
    r->identity_agreed = false;
    int rc = ses_enter(r, user ? user : start);
    snapshot first;
    char why[200] = "";
    uint32_t fmin = 0;
    /* The fuses were read at a clock chosen without them: if they say the
     * target may be slower than that clock allows, nothing read at it can be
     * trusted; read again slower. */
    for (int round = 0; rc == FT_OK; round++) {
        rc = agreed_snapshot(r, &first);
        if (rc != FT_OK)
            break;
        adopt(r, &first);
        fmin = target_min_hz(r, why, (int)sizeof why);
        uint32_t safe = fmin ? ft_sck_for_target(fmin) : r->sck_hz;
        if (user || r->sck_hz <= safe)
            break;
        if (round == 3 || safe < ft_wire_caps_of(r->w)->clock_min_hz)
            return ft_err_set(r->err, FT_E_TARGET,
                              "the fuses read at SCK %.4g kHz say the target may run at %.4g kHz "
                              "(%s), too slow for any SCK ftisp can make; check the wiring",
                              r->sck_hz / 1e3, fmin / 1e3, why);
        ses_note(r, 1, "the fuses say the target may run as slow as %.4g kHz (%s): SCK %.4g kHz "
                       "is too fast for it; entering again at %.4g kHz",
                 fmin / 1e3, why, r->sck_hz / 1e3, safe / 1e3);
        rc = reenter(r, safe);
    }
    if (rc == FT_OK)
        rc = ses_check_signature(r);
    r->res->target_hz = fmin;
    if (rc == FT_OK && ft_proto_fixed_hz(r->proto)) {
        /* TPI: TPICLK does not depend on the target's clock */
        snprintf(r->res->clock_why, sizeof r->res->clock_why,
                 "%s clock %.4g kHz, below the datasheet's limit of 2 MHz (independent of the target "
                 "clock)", ft_proto_name(r->proto), r->sck_hz / 1e3);
        ses_note(r, 1, "%s", r->res->clock_why);
        r->identity_agreed = true;
        return FT_OK;
    }
    if (rc == FT_OK)
        rc = user ? judge_user_clock(r, &first, fmin, why) : raise_clock(r, &first, fmin, why);
    /* every path to here read the snapshot twice alike (agreed_snapshot) at
     * the clock now in use, or twice at a slower one and once more at this
     * one, compared equal (raise_clock, judge_user_clock) */
    r->identity_agreed = rc == FT_OK;
    return rc;
}

int ses_reenter_after_fuses(ft_session *r)
{
    /* The new fuses take effect now: enter at the slower of the clock in use
     * and what the new fuses allow, then settle and confirm as at the start. */
    /* sck_hz is the FT232H's clock rounded down to whole Hz; asking for
     * exactly that would round down to the next step: +1 Hz keeps it. */
    uint32_t sck = r->sck_hz + 1;
    char why[200];
    uint32_t fmin = target_min_hz(r, why, (int)sizeof why);
    uint32_t safe = fmin ? ft_sck_for_target(fmin) : FT_SCK_START_HZ;
    if (safe < sck)
        sck = safe;
    if (ft_proto_fixed_hz(r->proto))
        sck = ft_proto_fixed_hz(r->proto);
    int rc = ses_settle_clock(r, sck);
    if (rc == FT_OK)
        ses_note(r, 0, "entered again with the new fuses: SCK %.4g kHz", r->sck_hz / 1e3);
    return rc;
}
