/* Diagnosis (no -U): signature, every fuse explained, lock, clock. */
#include "session_priv.h"

#include <stdio.h>

static void describe_fuse(ft_session *r, const ft_fuse *f, uint8_t v)
{
    char buf[400];
    int n = snprintf(buf, sizeof buf, "%-6s 0x%02x", f->name, v);
    for (int i = 0; i < f->nfields && n < (int)sizeof buf - 40; i++) {
        const ft_field *fld = &f->fields[i];
        int bits = 0, lowbit = 0;
        for (int b = 7; b >= 0; b--)
            if (fld->mask & (1u << b)) {
                bits++;
                lowbit = b;
            }
        uint8_t val = (uint8_t)((v & fld->mask) >> lowbit);
        if (bits == 1)
            n += snprintf(buf + n, sizeof buf - (size_t)n, "  %s=%s", fld->name,
                          val ? "1" : "0(programmed)");
        else {
            n += snprintf(buf + n, sizeof buf - (size_t)n, "  %s=", fld->name);
            for (int b = bits - 1; b >= 0 && n < (int)sizeof buf - 2; b--)
                buf[n++] = (char)('0' + ((val >> b) & 1));
            buf[n] = '\0';
        }
    }
    ses_note(r, 0, "%s", buf);
}

int ft_plan_diagnose(ft_plan *plan, ft_mpsse *m, const ft_plan_events *ev, ft_err *err)
{
    ft_session r;
    int rc = ses_start(&r, plan, m, ev, err);
    if (rc == FT_OK) {
        const uint8_t *s = plan->signature;
        ses_note(&r, 0, "%s, signature %02x %02x %02x", ses_pname(r.part), s[0], s[1], s[2]);
        for (int i = 0; i < r.part->nfuses; i++)
            describe_fuse(&r, &r.part->fuses[i], r.fuses[r.part->fuses[i].index]);
        if (r.have_lock)
            describe_fuse(&r, &r.part->lock, r.lock);
        ses_note(&r, 0, "%s", plan->clock_why);
    }
    ses_finish(&r);
    return rc;
}
