/* The erase decision (a look at the chip first: maybe no erase is needed)
 * and the erase itself; keeping the EEPROM is session_eeprom.c's job. */
#include "session_priv.h"

#include <stdlib.h>
#include <string.h>

/* ---- erase ---- */

/* -e erases the EEPROM as the hardware does (unless EESAVE is programmed);
 * the automatic erase before a flash write keeps it (session_eeprom.c). */
int ses_erase(ft_session *r)
{
    const ft_plan *plan = r->plan;
    if (plan->opts.dry_run) {
        ses_note(r, 0, "the chip would be erased (-n)");
        return FT_OK;
    }
    if (!plan->opts.erase && r->part->eeprom.size)
        return ses_erase_keeping(r);
    ses_phase(r, "erasing chip", 0);
    double t0 = ses_now();
    int rc = ft_proto_chip_erase(r->proto, r->err);
    ses_phase_end(r, rc, t0);
    if (rc == FT_OK)
        r->res->erased = true;
    return rc;
}

/* ---- a look before erasing ---- */

static const ft_op *only_flash_write(const ft_plan *plan)
{
    const ft_op *found = NULL;
    for (int i = 0; i < plan->nops; i++) {
        const ft_op *op = &plan->ops[i];
        if (op->spec.kind == FT_OP_WRITE && strcmp(op->spec.memory, "flash") == 0) {
            if (found)
                return NULL;
            found = op;
        }
    }
    return found;
}

/* Writing flash costs a page-write busy time per page; reading it costs a
 * quarter of the load instructions. So before an automatic erase, read a few
 * of the file's pages: if they already hold the file, read the rest and
 * write only what changed (or nothing), without erasing when no bit has to
 * go from 0 back to 1. New firmware differs in the sampled pages and pays
 * only for the sample. */
int ses_look_before_erase(ft_session *r)
{
    const ft_part *p = r->part;
    const ft_op *op = only_flash_write(r->plan);
    uint32_t psz = p->flash.page_size > 1 ? p->flash.page_size : 2;
    if (!op || !r->plan->auto_erase || r->plan->opts.no_verify)
        return FT_OK;
    uint32_t first = 0, last = 0, n = 0, page = 0;
    while (ft_image_next_page(&op->img, psz, &page)) {
        if (n++ == 0)
            first = page;
        last = page;
        page += psz;
    }
    if (n == 0)
        return FT_OK;
    uint8_t *want = malloc(p->flash.size);
    r->chip = malloc(p->flash.size);
    if (!want || !r->chip) {
        free(want);
        return ft_err_set(r->err, FT_E_FAIL, "out of memory");
    }
    ses_flash_bytes(&op->img, want, p->flash.size);
    uint32_t sample[4] = {first, last, first + (last - first) / 3 / psz * psz,
                          first + (last - first) * 2 / 3 / psz * psz};
    int rc = FT_OK;
    bool same = true;
    for (int i = 0; i < 4 && same && rc == FT_OK; i++) {
        rc = ft_proto_read_flash(r->proto, sample[i], r->chip + sample[i], psz, r->err);
        same = memcmp(r->chip + sample[i], want + sample[i], psz) == 0;
    }
    if (rc == FT_OK && same) {
        ses_phase(r, "reading flash", last + psz - first);
        double t0 = ses_now();
        rc = ft_proto_read_flash(r->proto, first, r->chip + first, last + psz - first, r->err);
        ses_phase_end(r, rc, t0);
        bool identical = true, no_erase = true;
        for (uint32_t a = first; rc == FT_OK && a < last + psz; a++) {
            identical &= r->chip[a] == want[a];
            no_erase &= (r->chip[a] & want[a]) == want[a];
        }
        if (rc == FT_OK && identical)
            r->flash_plan = FLASH_PLAN_NOTHING;
        else if (rc == FT_OK && no_erase)
            r->flash_plan = FLASH_PLAN_CHANGED;
        if (r->flash_plan != FLASH_PLAN_ERASE)
            ses_note(r, 1, "flash: %s, so no erase", identical ? "the chip holds the file already"
                                                          : "changed pages need no bit set back to 1");
    }
    free(want);
    return rc;
}
