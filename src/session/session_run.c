/* Carrying out a plan on the chip: enter programming mode, check the
 * signature, settle the clock, check fuse writes against the chip, then the
 * operations in the plan's order. */
#include "session_priv.h"

#include "ftisp/sha256.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The last read of a multi-memory -U writes the file: every memory of
 * that -U at its flat address. */
static int write_multi(ft_session *r, const ft_op *op)
{
    const ft_plan *plan = r->plan;
    uint32_t lim = 0;
    for (int i = 0; i < plan->nops; i++) {
        const ft_op *o = &plan->ops[i];
        if (o->multi != op->multi || o == op)
            continue;
        if (ses_res(r, o)->status != FT_OK)
            return FT_OK;   /* not all read yet */
        if (o->flat + o->mem_size > lim)
            lim = o->flat + o->mem_size;
    }
    if (op->flat + op->mem_size > lim)
        lim = op->flat + op->mem_size;
    ft_image all;
    ft_image_init(&all, lim);
    for (int i = 0; i < plan->nops; i++) {
        const ft_op *o = &plan->ops[i];
        if (o->multi != op->multi)
            continue;
        const ft_image *got = &ses_res(r, o)->img;
        uint32_t ext = ft_image_extent(got);
        for (uint32_t a = 0; a < ext; a++)
            if (ft_image_is_set(got, a))
                ft_image_store(&all, o->flat + a, ft_image_get(got, a));
    }
    int rc = ft_image_write_file(&all, op->spec.file, op->spec.fmt, r->err);
    ft_image_free(&all);
    return rc;
}

static int op_read(ft_session *r, const ft_op *op, int kind, int fi)
{
    ft_image *got = &ses_res(r, op)->img;
    uint32_t n = op->mem_size;
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf)
        return ft_err_set(r->err, FT_E_FAIL, "out of memory");
    char what[96];
    snprintf(what, sizeof what, "reading %s", op->spec.memory);
    ses_phase(r, what, n);
    double t0 = ses_now();
    /* What goes into the file is read twice and compared: the file is
     * all the user gets, nothing checks it later. -V (no verify) asks for
     * one read, at the user's word. */
    int rc = r->plan->opts.no_verify ? ses_read_mem(r, kind, fi, 0, buf, n)
                                     : ses_read_checked(r, kind, fi, 0, buf, n);
    ses_phase_end(r, rc, t0);
    if (rc == FT_OK) {
        ft_image_clear(got);
        for (uint32_t a = 0; a < n; a++)
            ft_image_store(got, a, buf[a]);
        /* a multi-memory backup keeps flash whole, as avrdude does */
        if (kind == FT_MEM_FLASH && !r->plan->opts.keep_ff && !op->multi)
            ft_image_trim_ff(got);
        ses_res(r, op)->bytes = ft_image_extent(got);
        ses_image_sha(got, 0, ses_res(r, op)->sha256);
        ses_res(r, op)->have_sha = true;
        if (op->multi)
            rc = write_multi(r, op);
        else if (!op->spec.in_memory)
            rc = ft_image_write_file(got, op->spec.file, op->spec.fmt, r->err);
    }
    free(buf);
    return rc;
}

static int op_write_flash(ft_session *r, const ft_op *op)
{
    const ft_part *p = r->part;
    uint32_t psz = p->flash.page_size > 1 ? p->flash.page_size : 2;
    uint32_t npages = 0, maxpages = p->flash.size / psz + 1;
    uint32_t *pages = malloc(maxpages * sizeof *pages);
    uint8_t *data = malloc(p->flash.size);
    if (!pages || !data) {
        free(pages);
        free(data);
        return ft_err_set(r->err, FT_E_FAIL, "out of memory");
    }
    ses_flash_bytes(&op->img, data, p->flash.size);
    uint32_t page = 0;
    while (ft_image_next_page(&op->img, psz, &page)) {
        if (r->flash_plan != FLASH_PLAN_CHANGED || memcmp(r->chip + page, data + page, psz) != 0)
            pages[npages++] = page;
        page += psz;
    }
    ses_res(r, op)->bytes = ft_image_count(&op->img);
    ses_image_sha(&op->img, ses_image_start(&op->img, 1), ses_res(r, op)->sha256);
    ses_res(r, op)->have_sha = true;
    int rc = FT_OK;
    if (r->flash_plan == FLASH_PLAN_NOTHING) {
        ses_res(r, op)->skipped = true;
        ses_res(r, op)->verified = 1;
        ses_note(r, 0, "flash: already holds the file's %u bytes; nothing to write", ses_res(r, op)->bytes);
    } else if (r->plan->opts.dry_run) {
        ses_res(r, op)->skipped = ses_res(r, op)->dry_run = true;
        ses_note(r, 0, "flash: %u whole page%s (%u bytes) would be written for the file's %u bytes (-n)",
                 npages, npages == 1 ? "" : "s", npages * psz, ses_res(r, op)->bytes);
    } else {
        ses_res(r, op)->chip_changed = true;
        /* Whole pages are written (0xFF around the file's bytes); only the
         * range the file sets is read back. */
        char what[96];
        snprintf(what, sizeof what, "writing flash (%u whole page%s)", npages, npages == 1 ? "" : "s");
        ses_phase(r, what, npages * psz);
        double t0 = ses_now();
        rc = ft_proto_write_flash_pages(r->proto, data, pages, npages, r->err);
        ses_phase_end(r, rc, t0);
        ses_res(r, op)->written = rc == FT_OK;
        if (rc == FT_OK && !r->plan->opts.no_verify) {
            ses_verify_phase(r, "flash", &op->img);
            t0 = ses_now();
            rc = ses_verify_image(r, op, FT_MEM_FLASH, -1, &op->img);
            ses_phase_end(r, rc, t0);
        }
    }
    free(pages);
    free(data);
    return rc;
}

/* The page an EEPROM write goes by (1: byte by byte), as isp_eeprom.c
 * decides it. */
static uint32_t eeprom_unit(const ft_part *p)
{
    return p->eeprom.paged && p->eeprom.page_size > 1 ? p->eeprom.page_size : 1;
}

/* The page at chip address a as offsets into [lo, lo+n): [*pg, *end), and
 * the offset of its first byte the file sets (*end if none). */
static uint32_t page_span(const ft_image *img, uint32_t a, uint32_t lo, uint32_t n, uint32_t unit, uint32_t *pg,
                          uint32_t *end)
{
    *pg = a > lo ? a - lo : 0;
    *end = a + unit - lo < n ? a + unit - lo : n;
    uint32_t i = *pg;
    while (i < *end && !ft_image_is_set(img, lo + i))
        i++;
    return i;
}

/* Which of the file's bytes in [lo, lo+n) the write changes (mask; want
 * gets the file's bytes), and in page mode how many pages it writes. Reading
 * is far cheaper than an EEPROM write, so only what differs is written. By
 * bytes where the part writes byte by byte, and for -n (which says how many
 * bytes would change): every byte is read. In page mode a page is written
 * whole as soon as one of its bytes differs, with the file's value loaded
 * for each of its bytes that the file sets, whatever the chip held there
 * (only the bytes the file leaves out are read, by the write, to be kept):
 * one differing byte settles a page. So the first byte the file sets in
 * each page is read (all pages in one stream), and the page's other bytes
 * only where that one matched; the pages written are the same as with every
 * byte read. */
static int eeprom_changes(ft_session *r, const ft_image *img, uint32_t lo, uint32_t n, uint8_t *cur,
                          uint8_t *want, uint8_t *mask, uint32_t *changes, uint32_t *pages)
{
    uint32_t unit = eeprom_unit(r->part);
    *changes = *pages = 0;
    for (uint32_t i = 0; i < n; i++) {
        want[i] = ft_image_get(img, lo + i);
        mask[i] = 0;
    }
    if (unit == 1 || r->plan->opts.dry_run) {
        int rc = ft_proto_read_eeprom(r->proto, lo, cur, n, r->err);
        for (uint32_t i = 0; rc == FT_OK && i < n; i++) {
            mask[i] = ft_image_is_set(img, lo + i) && cur[i] != want[i];
            *changes += mask[i];
        }
        return rc;
    }
    uint32_t first = lo / unit * unit, pg, end;
    for (int pass = 0; pass < 2; pass++) {
        int rc = ft_proto_batch(r->proto, true, r->err);
        bool any = false;
        for (uint32_t a = first; rc == FT_OK && a < lo + n; a += unit) {
            uint32_t i = page_span(img, a, lo, n, unit, &pg, &end);
            if (i == end)
                continue;
            if (pass == 0) {
                rc = ft_proto_read_eeprom(r->proto, lo + i, &cur[i], 1, r->err);
                any = true;
                continue;
            }
            if (cur[i] != want[i])
                continue;
            /* the page's first byte matched: read its others (runs of set bytes) */
            for (uint32_t j = i + 1; rc == FT_OK && j < end;) {
                if (!ft_image_is_set(img, lo + j)) {
                    j++;
                    continue;
                }
                uint32_t k = j;
                while (k < end && ft_image_is_set(img, lo + k))
                    k++;
                rc = ft_proto_read_eeprom(r->proto, lo + j, &cur[j], k - j, r->err);
                any = true;
                j = k;
            }
        }
        ft_err later = {0};
        int rc2 = ft_proto_batch(r->proto, false, rc == FT_OK ? r->err : &later);
        if (rc != FT_OK || rc2 != FT_OK)
            return rc != FT_OK ? rc : rc2;
        if (!any)
            break;
    }
    for (uint32_t a = first; a < lo + n; a += unit) {
        bool differs = false;
        /* a byte not read in pass 2 belongs to a page whose first byte
         * already differed */
        for (uint32_t j = page_span(img, a, lo, n, unit, &pg, &end); j < end && !differs; j++)
            differs = ft_image_is_set(img, lo + j) && cur[j] != want[j];
        for (uint32_t j = pg; differs && j < end; j++) {
            mask[j] = ft_image_is_set(img, lo + j);
            *changes += mask[j];
        }
        *pages += differs;
    }
    return FT_OK;
}

static int op_write_eeprom(ft_session *r, const ft_op *op)
{
    uint32_t lo = ses_image_start(&op->img, 1), hi = ft_image_extent(&op->img);
    ses_res(r, op)->bytes = ft_image_count(&op->img);
    ses_image_sha(&op->img, lo, ses_res(r, op)->sha256);
    ses_res(r, op)->have_sha = true;
    if (hi <= lo)
        return FT_OK;
    uint32_t n = hi - lo;
    uint8_t *cur = malloc(n), *want = malloc(n), *mask = malloc(n);
    int rc = FT_OK;
    if (!cur || !want || !mask) {
        rc = ft_err_set(r->err, FT_E_FAIL, "out of memory");
        goto out;
    }
    uint32_t changes = 0, npages = 0;
    rc = eeprom_changes(r, &op->img, lo, n, cur, want, mask, &changes, &npages);
    if (rc != FT_OK)
        goto out;
    if (r->plan->opts.dry_run) {
        ses_res(r, op)->skipped = ses_res(r, op)->dry_run = true;
        ses_note(r, 0, "eeprom: %u of %u bytes would change (-n)", changes, ses_res(r, op)->bytes);
        goto out;
    }
    if (changes == 0) {
        ses_res(r, op)->skipped = true;
        ses_res(r, op)->verified = 1;
        ses_note(r, 0, "eeprom: already holds the file's %u bytes", ses_res(r, op)->bytes);
        goto out;
    }
    ses_res(r, op)->chip_changed = true;
    char what[96] = "writing eeprom (bytes that differ)";
    if (eeprom_unit(r->part) > 1) {
        /* in page mode the count is of the file's bytes in the pages written */
        snprintf(what, sizeof what, "writing eeprom (%u page%s that differ%s)", npages, npages == 1 ? "" : "s",
                 npages == 1 ? "s" : "");
    }
    ses_phase(r, what, changes);
    double t0 = ses_now();
    rc = ft_proto_write_eeprom(r->proto, lo, want, mask, n, r->err);
    ses_phase_end(r, rc, t0);
    ses_res(r, op)->written = rc == FT_OK;
    if (rc == FT_OK && !r->plan->opts.no_verify) {
        ses_verify_phase(r, "eeprom", &op->img);
        t0 = ses_now();
        rc = ses_verify_image(r, op, FT_MEM_EEPROM, -1, &op->img);
        ses_phase_end(r, rc, t0);
    }
out:
    free(cur);
    free(want);
    free(mask);
    return rc;
}

/* Fuses and lock: one byte, written only if it changes. */
static int op_write_byte(ft_session *r, const ft_op *op, int kind, int fi)
{
    uint8_t v = ft_image_get(&op->img, 0), cur = 0;
    uint8_t mask = ses_writable_mask(r->part, kind, fi);
    ses_res(r, op)->bytes = 1;
    ft_sha256(&v, 1, ses_res(r, op)->sha256);
    ses_res(r, op)->have_sha = true;
    /* "already that value" skips the write: a read that decides it is
     * confirmed by a second one. */
    int rc = ses_read_checked(r, kind, fi, 0, &cur, 1);
    if (rc != FT_OK)
        return rc;
    if (((cur ^ v) & mask) == 0) {
        ses_res(r, op)->skipped = true;
        ses_res(r, op)->verified = 1;
        ses_note(r, 1, "%s: already 0x%02x", op->spec.memory, cur);
        return FT_OK;
    }
    if (r->plan->opts.dry_run) {
        ses_res(r, op)->skipped = ses_res(r, op)->dry_run = true;
        ses_note(r, 0, "%s: 0x%02x would become 0x%02x (-n)", op->spec.memory, cur, v);
        return FT_OK;
    }
    uint8_t out = (uint8_t)(v | ~mask);
    ses_res(r, op)->chip_changed = true;
    rc = kind == FT_MEM_LOCK ? ft_proto_write_lock(r->proto, out, r->err)
                             : ft_proto_write_fuse(r->proto, fi, out, r->err);
    ses_res(r, op)->written = rc == FT_OK;
    if (rc == FT_OK && kind == FT_MEM_FUSE) {
        r->fuses[fi] = out;
        r->identity_agreed = false;   /* until entering again reads them */
    }
    ses_note(r, 0, "%s: 0x%02x written (was 0x%02x)", op->spec.memory, v, cur);
    if (rc == FT_OK && !r->plan->opts.no_verify)
        rc = ses_verify_image(r, op, kind, fi, &op->img);
    return rc;
}

static int op_verify(ft_session *r, const ft_op *op, int kind, int fi)
{
    ses_res(r, op)->bytes = ft_image_count(&op->img);
    char what[96];
    snprintf(what, sizeof what, "verifying %s", op->spec.memory);
    ses_phase(r, what, ft_image_extent(&op->img) - ses_image_start(&op->img, 1));
    double t0 = ses_now();
    int rc = ses_verify_image(r, op, kind, fi, &op->img);
    ses_phase_end(r, rc, t0);
    return rc;
}

static int run_op(ft_session *r, const ft_op *op)
{
    int fi;
    int kind = ft_plan_memkind(r->part, op->spec.memory, &fi);
    double t0 = ses_now();
    int rc;
    /* an EEPROM journal the erase removed is durably gone before anything
     * but the flash changes (session_eeprom.c) */
    if (op->spec.kind == FT_OP_WRITE && kind != FT_MEM_FLASH && (rc = ses_keep_settle(r, r->err)) != FT_OK) {
        ses_res(r, op)->status = rc;
        return rc;
    }
    ses_res(r, op)->started = true;
    if (op->spec.kind == FT_OP_READ)
        rc = op_read(r, op, kind, fi);
    else if (op->spec.kind == FT_OP_VERIFY)
        rc = op_verify(r, op, kind, fi);
    else if (kind == FT_MEM_FLASH)
        rc = op_write_flash(r, op);
    else if (kind == FT_MEM_EEPROM)
        rc = op_write_eeprom(r, op);
    else
        rc = op_write_byte(r, op, kind, fi);
    ses_res(r, op)->seconds = ses_now() - t0;
    ses_res(r, op)->status = rc;
    return rc;
}

/* ---- the whole run ---- */

/* Every fuse write judged against the chip's fuses as read and as they will
 * be after all of this run's fuse writes (a clock can take two bytes). */
static int precheck_fuses(ft_session *r)
{
    uint8_t after[FT_MAX_FUSES];
    memcpy(after, r->fuses, sizeof after);
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < r->plan->nops; i++) {
            const ft_op *op = &r->plan->ops[i];
            int fi;
            int kind = ft_plan_memkind(r->part, op->spec.memory, &fi);
            if (op->spec.kind != FT_OP_WRITE || (kind != FT_MEM_FUSE && kind != FT_MEM_LOCK))
                continue;
            uint8_t v = ft_image_get(&op->img, 0);
            if (pass == 0) {
                if (kind == FT_MEM_FUSE && fi >= 0 && fi < FT_MAX_FUSES)
                    after[fi] = v;
                continue;
            }
            const ft_fuse *f = kind == FT_MEM_LOCK ? &r->part->lock : ft_part_fuse(r->part, op->spec.memory);
            ft_fuse_ctx fc = {.now = r->have_fuses ? r->fuses : NULL, .after = after,
                              .crystal_hz = r->plan->opts.fck_hz, .allow = r->plan->opts.allow};
            int rc = ft_fuse_check(r->part, f, v, &fc, r->err);
            if (rc != FT_OK)
                return rc;
        }
    }
    return FT_OK;
}

int ft_plan_run(const ft_plan *plan, ft_result *res, ft_wire *w, const ft_plan_events *ev, ft_err *err)
{
    ft_session r;
    int rc = ses_start(&r, plan, res, w, ev, err);
    if (rc == FT_OK)
        rc = ses_confirm_fuses(&r);
    if (rc == FT_OK) {
        const uint8_t *s = res->signature;
        ses_note(&r, 0, "%s, signature %02x %02x %02x, SCK %.4g kHz", ses_pname(r.part), s[0], s[1], s[2],
             r.sck_hz / 1e3);
        ses_explain_fuses(&r, 1);
        /* a run cut off while keeping the EEPROM is finished first */
        rc = ses_keep_recover(&r);
    }
    if (rc == FT_OK) {
        rc = precheck_fuses(&r);
    }

    /* Fuse writes first (plan.c puts them there); a changed clock takes
     * effect when programming mode is entered again. */
    bool fuse_changed = false;
    int i = 0;
    for (; rc == FT_OK && i < plan->nops; i++) {
        const ft_op *op = &plan->ops[plan->order[i]];
        if (!ft_plan_fuse_write(r.part, op))
            break;
        rc = run_op(&r, op);
        fuse_changed |= !ses_res(&r, op)->skipped;
    }
    if (rc == FT_OK && fuse_changed) {
        ses_note(&r, 1, "leaving programming mode so the new fuses take effect");
        rc = ft_proto_leave(r.proto, err);
        if (rc == FT_OK)
            rc = ses_reenter_after_fuses(&r);
        if (rc == FT_OK)
            rc = ses_confirm_fuses(&r);
    }
    if (rc == FT_OK)
        rc = ses_look_before_erase(&r);
    if (rc == FT_OK && plan->opts.erase) {
        double t0 = ses_now();
        rc = res->erase_status = ses_erase(&r);
        res->erase_seconds = ses_now() - t0;
    }
    /* The automatic erase comes just before the flash write, so that reads
     * given before it still see the old contents. */
    bool erase_due = plan->auto_erase && r.flash_plan == FLASH_PLAN_ERASE;
    for (; rc == FT_OK && i < plan->nops; i++) {
        const ft_op *op = &plan->ops[plan->order[i]];
        int fi;
        if (erase_due && op->spec.kind == FT_OP_WRITE &&
            ft_plan_memkind(r.part, op->spec.memory, &fi) == FT_MEM_FLASH) {
            erase_due = false;
            rc = ses_erase(&r);
            if (rc != FT_OK)
                break;
        }
        rc = run_op(&r, op);
    }
    ses_finish(&r);
    return rc;
}
