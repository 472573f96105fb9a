/* The SCK a session runs at once the fuses are known. */
#include "session_priv.h"

#include <stdio.h>

/* With no -B: the fastest SCK the fuses prove safe. */
void ses_choose_clock(ft_session *r)
{
    ft_plan *plan = r->plan;
    if (plan->opts.sck_hz) {
        snprintf(plan->clock_why, sizeof plan->clock_why, "SCK set by -B/-b");
        return;
    }
    char why[120] = "";
    uint32_t fck = r->have_fuses ? ft_part_clock_hz(r->part, r->fuses, plan->opts.fck_hz, why,
                                                    (int)sizeof why)
                                 : 0;
    plan->target_hz = fck;
    uint32_t want = ft_sck_for_target(fck);
    uint32_t got = ft_isp_set_sck(r->isp, want);
    r->sck_hz = got;
    plan->sck_hz = got;
    if (fck)
        snprintf(plan->clock_why, sizeof plan->clock_why, "target clock %.3g MHz (%s): SCK %.4g MHz",
                 fck / 1e6, why, got / 1e6);
    else
        snprintf(plan->clock_why, sizeof plan->clock_why,
                 "target clock unknown (%s): SCK stays at %.4g kHz; --fck or -B can raise it",
                 why[0] ? why : "no fuses", got / 1e3);
    ses_note(r, 1, "%s", plan->clock_why);
}
