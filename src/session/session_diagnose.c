/* Diagnosis (no -U): signature, every fuse and lock setting in words, the
 * clock. The same fuse words go to -v in a -U run. */
#include "session_priv.h"

#include "ftisp/fuse_words.h"

#include <stdio.h>
#include <string.h>

/* "lfuse 0xff  CKSEL=1111 SUT=11 CKOUT=1 CKDIV8=1": the byte and its bit
 * groups, for those who read datasheets. */
static void fuse_header(ft_session *r, int level, const ft_fuse *f, uint8_t v)
{
    char buf[400];
    int n = snprintf(buf, sizeof buf, "%-5s 0x%02x ", f->name, v);
    for (int i = 0; i < f->nfields && n < (int)sizeof buf - 40; i++) {
        const ft_field *fld = &f->fields[i];
        n += snprintf(buf + n, sizeof buf - (size_t)n, " %s=", fld->name);
        for (int b = 7; b >= 0 && n < (int)sizeof buf - 2; b--)
            if (fld->mask & (1u << b))
                buf[n++] = (char)('0' + ((v >> b) & 1));
        buf[n] = '\0';
    }
    ses_note(r, level, "%s", buf);
}

static void explain_byte(ft_session *r, int level, const ft_fuse *f, const uint8_t *bytes)
{
    uint8_t v = bytes[f == &r->part->lock ? FT_LOCK_BYTE : f->index];
    fuse_header(r, level, f, v);
    ft_words_line lines[24];
    int n = ft_fuse_words(r->part, f, bytes, lines, 24);
    for (int i = 0; i < n; i++)
        ses_note(r, level, "  %-13s %s", lines[i].label, lines[i].text);
}

void ses_explain_fuses(ft_session *r, int level)
{
    const ft_part *p = r->part;
    if (!r->have_fuses)
        return;
    uint8_t bytes[FT_CONFIG_BYTES] = {0xff, 0xff, 0xff, 0xff};
    memcpy(bytes, r->fuses, FT_MAX_FUSES);
    if (r->have_lock)
        bytes[FT_LOCK_BYTE] = r->lock;
    for (int want = 0; want < FT_MAX_FUSES; want++)
        for (int i = 0; i < p->nfuses; i++)
            if (p->fuses[i].index == want)
                explain_byte(r, level, &p->fuses[i], bytes);
    if (r->have_lock && p->lock.name[0])
        explain_byte(r, level, &p->lock, bytes);
}

int ft_plan_diagnose(const ft_plan *plan, ft_result *res, ft_wire *w, const ft_plan_events *ev,
                     ft_err *err)
{
    ft_session r;
    int rc = ses_start(&r, plan, res, w, ev, err);
    if (rc == FT_OK) {
        const uint8_t *s = res->signature;
        ses_note(&r, 0, "%s, signature %02x %02x %02x", ses_pname(r.part), s[0], s[1], s[2]);
        ses_explain_fuses(&r, 0);
        ses_note(&r, 0, "%s", res->clock_why);
    }
    ses_finish(&r);
    return rc;
}
