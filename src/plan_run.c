/* Carrying out a plan on the chip: enter programming mode, check the
 * signature, settle the clock, check fuse writes against the chip, then the
 * operations in the plan's order. */
#include "ftisp/plan.h"
#include "ftisp/sha256.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct run {
    ft_plan *plan;
    const ft_part *part;
    ft_mpsse *m;
    ft_isp *isp;
    const ft_plan_events *ev;
    ft_err *err;
    uint8_t fuses[FT_MAX_FUSES];
    bool have_fuses;
    uint8_t lock;
    bool have_lock;
    uint32_t sck_hz;
    /* What a look at the chip before erasing found for the flash write. */
    enum { FLASH_PLAN_ERASE, FLASH_PLAN_NOTHING, FLASH_PLAN_CHANGED } flash_plan;
    uint8_t *chip;            /* flash as read, when flash_plan != ERASE */
} run;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void note(run *r, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void note(run *r, int level, const char *fmt, ...)
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

static void phase(run *r, const char *what, uint32_t total)
{
    if (r->ev && r->ev->phase)
        r->ev->phase(r->ev->ctx, what, total);
}

static void phase_end(run *r, int status, double t0)
{
    if (r->ev && r->ev->phase_end)
        r->ev->phase_end(r->ev->ctx, status, now() - t0);
}

static const char *pname(const ft_part *p) { return p->name[0] ? p->name : p->id; }

static bool field_programmed(const ft_part *p, const uint8_t *fuses, const char *name)
{
    const ft_fuse *f;
    const ft_field *fld = ft_part_field(p, name, &f);
    if (!fld || !fld->mask)
        return false;
    return (fuses[f->index] & fld->mask) != fld->mask;
}

/* ---- entering programming mode and the signature ---- */

static int check_signature(run *r)
{
    ft_plan *plan = r->plan;
    int rc = ft_isp_read_signature(r->isp, plan->signature, r->err);
    if (rc != FT_OK)
        return rc;
    plan->have_signature = true;
    const uint8_t *s = plan->signature;
    note(r, 1, "signature %02x %02x %02x", s[0], s[1], s[2]);
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
        snprintf(who, sizeof who, " (that is the %s)", pname(other));
    if (plan->opts.force) {
        note(r, 0, "warning: signature %02x %02x %02x%s is not the %s's %02x %02x %02x; going on (-F)",
             s[0], s[1], s[2], who, pname(r->part), r->part->signature[0], r->part->signature[1],
             r->part->signature[2]);
        return FT_OK;
    }
    return ft_err_set(r->err, FT_E_SIGNATURE,
                      "signature %02x %02x %02x%s is not the %s's %02x %02x %02x%s; "
                      "check -p, or use -F to go on anyway",
                      s[0], s[1], s[2], who, pname(r->part), r->part->signature[0],
                      r->part->signature[1], r->part->signature[2], hint);
}

static int enter(run *r, uint32_t sck)
{
    uint32_t used = 0;
    int rc = ft_isp_enable(r->isp, sck, &used, r->err);
    if (rc != FT_OK)
        return rc;
    r->sck_hz = used;
    r->plan->sck_hz = used;
    note(r, 1, "programming mode entered at SCK %.1f kHz", used / 1000.0);
    return FT_OK;
}

static int read_fuses(run *r)
{
    const ft_part *p = r->part;
    for (int i = 0; i < p->nfuses; i++) {
        int rc = ft_isp_read_fuse(r->isp, p->fuses[i].index, &r->fuses[p->fuses[i].index], r->err);
        if (rc != FT_OK)
            return rc;
    }
    r->have_fuses = p->nfuses > 0;
    if (p->lock.name[0] || p->lock.writable) {
        int rc = ft_isp_read_lock(r->isp, &r->lock, r->err);
        if (rc != FT_OK)
            return rc;
        r->have_lock = true;
    }
    return FT_OK;
}

/* With no -B: the fastest SCK the fuses prove safe. */
static void choose_clock(run *r)
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
    note(r, 1, "%s", plan->clock_why);
}

/* ---- reading ---- */

static int read_mem(run *r, int kind, int fi, uint32_t addr, uint8_t *buf, uint32_t n)
{
    switch (kind) {
    case FT_MEM_FLASH: return ft_isp_read_flash(r->isp, addr, buf, n, r->err);
    case FT_MEM_EEPROM: return ft_isp_read_eeprom(r->isp, addr, buf, n, r->err);
    case FT_MEM_FUSE: return ft_isp_read_fuse(r->isp, fi, buf, r->err);
    case FT_MEM_LOCK: return ft_isp_read_lock(r->isp, buf, r->err);
    case FT_MEM_SIGNATURE: return ft_isp_read_signature(r->isp, buf, r->err);
    case FT_MEM_CALIBRATION:
        for (uint32_t i = 0; i < n; i++) {
            int rc = ft_isp_read_calibration(r->isp, (int)(addr + i), buf + i, r->err);
            if (rc != FT_OK)
                return rc;
        }
        return FT_OK;
    }
    return ft_err_set(r->err, FT_E_FAIL, "internal: unknown memory kind %d", kind);
}

static uint8_t writable_mask(const ft_part *p, int kind, int fi)
{
    if (kind == FT_MEM_LOCK)
        return p->lock.writable ? p->lock.writable : 0xff;
    if (kind == FT_MEM_FUSE)
        for (int i = 0; i < p->nfuses; i++)
            if (p->fuses[i].index == fi)
                return p->fuses[i].writable ? p->fuses[i].writable : 0xff;
    return 0xff;
}

/* Lowest set address of an image, rounded down to `align`. */
static uint32_t image_start(const ft_image *img, uint32_t align)
{
    uint32_t end = ft_image_extent(img);
    for (uint32_t a = 0; a < end; a++)
        if (ft_image_is_set(img, a))
            return align > 1 ? a - a % align : a;
    return end;
}

/* Reads back what `want` sets and compares. On a mismatch at an SCK this run
 * chose itself, reads once more at half the clock before calling it an
 * error: a marginal clock garbles reads, not the chip. */
static int verify_image(run *r, ft_op *op, int kind, int fi, const ft_image *want)
{
    uint32_t lo = image_start(want, 1), hi = ft_image_extent(want);
    if (hi <= lo)
        return FT_OK;
    uint32_t n = hi - lo;
    uint8_t *buf = malloc(n);
    if (!buf)
        return ft_err_set(r->err, FT_E_FAIL, "out of memory");
    uint8_t mask = writable_mask(r->part, kind, fi);
    int rc = FT_OK;
    for (int attempt = 0; attempt < 2; attempt++) {
        rc = read_mem(r, kind, fi, lo, buf, n);
        if (rc != FT_OK)
            break;
        uint32_t bad = UINT32_MAX;
        for (uint32_t i = 0; i < n; i++)
            if (ft_image_is_set(want, lo + i) &&
                ((buf[i] ^ ft_image_get(want, lo + i)) & mask)) {
                bad = lo + i;
                break;
            }
        if (bad == UINT32_MAX) {
            op->verified = 1;
            rc = FT_OK;
            break;
        }
        if (attempt == 0 && !r->plan->opts.sck_hz && r->sck_hz > FT_SCK_START_HZ) {
            uint32_t slower = ft_isp_set_sck(r->isp, r->sck_hz / 2);
            note(r, 0, "%s differs at 0x%04x; reading again at SCK %.4g kHz", op->spec.memory,
                 bad, slower / 1e3);
            r->sck_hz = slower;
            r->plan->sck_hz = slower;
            continue;
        }
        op->verified = 0;
        rc = ft_err_set(r->err, FT_E_VERIFY,
                        "%s verify error at 0x%04x: %s has 0x%02x, the chip has 0x%02x%s",
                        op->spec.memory, bad, op->spec.file, ft_image_get(want, bad),
                        buf[bad - lo],
                        kind == FT_MEM_FLASH && !r->plan->erased
                            ? " (flash was not erased: a bit that is 0 needs a chip erase to "
                              "become 1; drop -D)"
                            : "");
        break;
    }
    free(buf);
    return rc;
}

static void image_sha(const ft_image *img, uint32_t lo, uint8_t out[32])
{
    ft_sha256_ctx s;
    ft_sha256_init(&s);
    uint32_t hi = ft_image_extent(img);
    for (uint32_t a = lo; a < hi; a++) {
        uint8_t b = ft_image_get(img, a);
        ft_sha256_update(&s, &b, 1);
    }
    ft_sha256_final(&s, out);
}

static int op_read(run *r, ft_op *op, int kind, int fi)
{
    uint32_t n = op->mem_size;
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf)
        return ft_err_set(r->err, FT_E_FAIL, "out of memory");
    phase(r, "reading", n);
    double t0 = now();
    int rc = read_mem(r, kind, fi, 0, buf, n);
    phase_end(r, rc, t0);
    if (rc == FT_OK) {
        ft_image_clear(&op->img);
        for (uint32_t a = 0; a < n; a++)
            ft_image_store(&op->img, a, buf[a]);
        if (kind == FT_MEM_FLASH && !r->plan->opts.keep_ff)
            ft_image_trim_ff(&op->img);
        op->bytes = ft_image_extent(&op->img);
        image_sha(&op->img, 0, op->sha256);
        op->have_sha = true;
        rc = ft_image_write_file(&op->img, op->spec.file, op->spec.fmt, r->err);
    }
    free(buf);
    return rc;
}

/* The whole flash as a page write leaves it: the file's bytes, 0xFF in holes. */
static void flash_bytes(const ft_image *img, uint8_t *buf, uint32_t size)
{
    for (uint32_t a = 0; a < size; a++)
        buf[a] = ft_image_get(img, a);
}

static int op_write_flash(run *r, ft_op *op)
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
    flash_bytes(&op->img, data, p->flash.size);
    uint32_t ext = ft_image_extent(&op->img);
    uint32_t page = 0;
    while (ft_image_next_page(&op->img, psz, &page)) {
        if (r->flash_plan != FLASH_PLAN_CHANGED || memcmp(r->chip + page, data + page, psz) != 0)
            pages[npages++] = page;
        page += psz;
    }
    op->bytes = ft_image_count(&op->img);
    image_sha(&op->img, image_start(&op->img, 1), op->sha256);
    op->have_sha = true;
    int rc = FT_OK;
    if (r->flash_plan == FLASH_PLAN_NOTHING) {
        op->skipped = true;
        op->verified = 1;
        note(r, 0, "flash: already holds the file's %u bytes; nothing to write", op->bytes);
    } else if (r->plan->opts.dry_run) {
        op->skipped = true;
        note(r, 0, "flash: %u bytes in %u pages would be written (-n)", op->bytes, npages);
    } else {
        phase(r, "writing flash", npages * psz);
        double t0 = now();
        rc = ft_isp_write_flash_pages(r->isp, data, pages, npages, r->err);
        phase_end(r, rc, t0);
        if (rc == FT_OK && !r->plan->opts.no_verify) {
            phase(r, "verifying flash", ext - image_start(&op->img, 1));
            t0 = now();
            rc = verify_image(r, op, FT_MEM_FLASH, -1, &op->img);
            phase_end(r, rc, t0);
        }
    }
    free(pages);
    free(data);
    return rc;
}

static int op_write_eeprom(run *r, ft_op *op)
{
    uint32_t lo = image_start(&op->img, 1), hi = ft_image_extent(&op->img);
    op->bytes = ft_image_count(&op->img);
    image_sha(&op->img, lo, op->sha256);
    op->have_sha = true;
    if (hi <= lo)
        return FT_OK;
    uint32_t n = hi - lo;
    uint8_t *cur = malloc(n), *want = malloc(n), *mask = malloc(n);
    int rc = FT_OK;
    if (!cur || !want || !mask) {
        rc = ft_err_set(r->err, FT_E_FAIL, "out of memory");
        goto out;
    }
    /* Reading is far cheaper than an EEPROM write: write only what changes. */
    rc = ft_isp_read_eeprom(r->isp, lo, cur, n, r->err);
    if (rc != FT_OK)
        goto out;
    uint32_t changes = 0;
    for (uint32_t i = 0; i < n; i++) {
        want[i] = ft_image_get(&op->img, lo + i);
        mask[i] = ft_image_is_set(&op->img, lo + i) && cur[i] != want[i];
        changes += mask[i];
    }
    if (r->plan->opts.dry_run) {
        op->skipped = true;
        note(r, 0, "eeprom: %u of %u bytes would change (-n)", changes, op->bytes);
        goto out;
    }
    if (changes == 0) {
        op->skipped = true;
        op->verified = 1;
        note(r, 0, "eeprom: already holds the file's %u bytes", op->bytes);
        goto out;
    }
    phase(r, "writing eeprom", changes);
    double t0 = now();
    rc = ft_isp_write_eeprom(r->isp, lo, want, mask, n, r->err);
    phase_end(r, rc, t0);
    if (rc == FT_OK && !r->plan->opts.no_verify) {
        phase(r, "verifying eeprom", n);
        t0 = now();
        rc = verify_image(r, op, FT_MEM_EEPROM, -1, &op->img);
        phase_end(r, rc, t0);
    }
out:
    free(cur);
    free(want);
    free(mask);
    return rc;
}

/* Fuses and lock: one byte, written only if it changes. */
static int op_write_byte(run *r, ft_op *op, int kind, int fi)
{
    uint8_t v = ft_image_get(&op->img, 0), cur = 0;
    uint8_t mask = writable_mask(r->part, kind, fi);
    op->bytes = 1;
    ft_sha256(&v, 1, op->sha256);
    op->have_sha = true;
    int rc = read_mem(r, kind, fi, 0, &cur, 1);
    if (rc != FT_OK)
        return rc;
    if (((cur ^ v) & mask) == 0) {
        op->skipped = true;
        op->verified = 1;
        note(r, 1, "%s: already 0x%02x", op->spec.memory, cur);
        return FT_OK;
    }
    if (r->plan->opts.dry_run) {
        op->skipped = true;
        note(r, 0, "%s: 0x%02x would become 0x%02x (-n)", op->spec.memory, cur, v);
        return FT_OK;
    }
    uint8_t out = (uint8_t)(v | ~mask);
    rc = kind == FT_MEM_LOCK ? ft_isp_write_lock(r->isp, out, r->err)
                             : ft_isp_write_fuse(r->isp, fi, out, r->err);
    if (rc == FT_OK && kind == FT_MEM_FUSE)
        r->fuses[fi] = out;
    note(r, 0, "%s: 0x%02x written (was 0x%02x)", op->spec.memory, v, cur);
    if (rc == FT_OK && !r->plan->opts.no_verify)
        rc = verify_image(r, op, kind, fi, &op->img);
    return rc;
}

static int op_verify(run *r, ft_op *op, int kind, int fi)
{
    op->bytes = ft_image_count(&op->img);
    phase(r, "verifying", ft_image_extent(&op->img));
    double t0 = now();
    int rc = verify_image(r, op, kind, fi, &op->img);
    phase_end(r, rc, t0);
    return rc;
}

static int run_op(run *r, ft_op *op)
{
    int fi;
    int kind = ft_plan_memkind(r->part, op->spec.memory, &fi);
    double t0 = now();
    int rc;
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
    op->seconds = now() - t0;
    op->status = rc;
    return rc;
}

/* ---- erase ---- */

static int erase(run *r)
{
    ft_plan *plan = r->plan;
    const ft_part *p = r->part;
    bool keep_eeprom = !plan->opts.erase && p->eeprom.size &&
                       !(r->have_fuses && field_programmed(p, r->fuses, "EESAVE"));
    uint8_t *saved = NULL;
    if (plan->opts.dry_run) {
        note(r, 0, "the chip would be erased (-n)");
        return FT_OK;
    }
    if (keep_eeprom) {
        saved = malloc(p->eeprom.size);
        if (!saved)
            return ft_err_set(r->err, FT_E_FAIL, "out of memory");
        int rc = ft_isp_read_eeprom(r->isp, 0, saved, p->eeprom.size, r->err);
        if (rc != FT_OK) {
            free(saved);
            return rc;
        }
    }
    phase(r, "erasing chip", 0);
    double t0 = now();
    int rc = ft_isp_chip_erase(r->isp, r->err);
    phase_end(r, rc, t0);
    if (rc == FT_OK)
        plan->erased = true;
    if (rc == FT_OK && keep_eeprom) {
        uint8_t *mask = malloc(p->eeprom.size);
        uint32_t n = 0;
        if (!mask) {
            free(saved);
            return ft_err_set(r->err, FT_E_FAIL, "out of memory");
        }
        for (uint32_t i = 0; i < p->eeprom.size; i++)
            n += mask[i] = saved[i] != 0xff;
        if (n) {
            note(r, 1, "restoring %u EEPROM bytes the erase cleared (-e erases them)", n);
            rc = ft_isp_write_eeprom(r->isp, 0, saved, mask, p->eeprom.size, r->err);
        }
        free(mask);
    }
    free(saved);
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
static int look_before_erase(run *r)
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
    flash_bytes(&op->img, want, p->flash.size);
    uint32_t sample[4] = {first, last, first + (last - first) / 3 / psz * psz,
                          first + (last - first) * 2 / 3 / psz * psz};
    int rc = FT_OK;
    bool same = true;
    for (int i = 0; i < 4 && same && rc == FT_OK; i++) {
        rc = ft_isp_read_flash(r->isp, sample[i], r->chip + sample[i], psz, r->err);
        same = memcmp(r->chip + sample[i], want + sample[i], psz) == 0;
    }
    if (rc == FT_OK && same) {
        phase(r, "reading flash", last + psz - first);
        double t0 = now();
        rc = ft_isp_read_flash(r->isp, first, r->chip + first, last + psz - first, r->err);
        phase_end(r, rc, t0);
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
            note(r, 1, "flash: %s, so no erase", identical ? "the chip holds the file already"
                                                          : "changed pages need no bit set back to 1");
    }
    free(want);
    return rc;
}

/* ---- the whole run ---- */

static int precheck_fuses(run *r)
{
    for (int i = 0; i < r->plan->nops; i++) {
        ft_op *op = &r->plan->ops[i];
        int fi;
        int kind = ft_plan_memkind(r->part, op->spec.memory, &fi);
        if (op->spec.kind != FT_OP_WRITE || (kind != FT_MEM_FUSE && kind != FT_MEM_LOCK))
            continue;
        const ft_fuse *f = kind == FT_MEM_LOCK ? &r->part->lock : ft_part_fuse(r->part, op->spec.memory);
        uint8_t cur = kind == FT_MEM_LOCK ? r->lock : r->fuses[fi];
        int rc = ft_fuse_check(r->part, f, cur, ft_image_get(&op->img, 0), r->plan->opts.allow, r->err);
        if (rc != FT_OK)
            return rc;
    }
    return FT_OK;
}

static int start(run *r, ft_plan *plan, ft_mpsse *m, const ft_plan_events *ev, ft_err *err)
{
    memset(r, 0, sizeof *r);
    r->plan = plan;
    r->part = plan->part;
    r->m = m;
    r->ev = ev;
    r->err = err;
    int rc = ft_isp_new(&r->isp, m, plan->part, err);
    if (rc != FT_OK)
        return rc;
    if (ev && ev->progress)
        ft_isp_set_progress(r->isp, ev->progress, ev->ctx);
    rc = enter(r, plan->opts.sck_hz ? plan->opts.sck_hz : FT_SCK_START_HZ);
    if (rc == FT_OK)
        rc = check_signature(r);
    if (rc == FT_OK)
        rc = read_fuses(r);
    if (rc == FT_OK)
        choose_clock(r);
    return rc;
}

static void finish(run *r)
{
    free(r->chip);
    r->chip = NULL;
    if (r->isp) {
        ft_err ignore = {0};
        ft_isp_leave(r->isp, &ignore);
        ft_isp_free(r->isp);
    }
}

int ft_plan_run(ft_plan *plan, ft_mpsse *m, const ft_plan_events *ev, ft_err *err)
{
    run r;
    int rc = start(&r, plan, m, ev, err);
    if (rc == FT_OK) {
        const uint8_t *s = plan->signature;
        note(&r, 0, "%s, signature %02x %02x %02x, SCK %.4g kHz", pname(r.part), s[0], s[1], s[2],
             r.sck_hz / 1e3);
        rc = precheck_fuses(&r);
    }

    /* Fuse writes first; a changed clock takes effect when programming mode
     * is entered again. */
    bool fuse_changed = false;
    int i = 0;
    for (; rc == FT_OK && i < plan->nops; i++) {
        ft_op *op = &plan->ops[plan->order[i]];
        int fi;
        if (ft_plan_memkind(r.part, op->spec.memory, &fi) != FT_MEM_FUSE)
            break;
        rc = run_op(&r, op);
        fuse_changed |= op->spec.kind == FT_OP_WRITE && !op->skipped;
    }
    if (rc == FT_OK && fuse_changed) {
        note(&r, 1, "leaving programming mode so the new fuses take effect");
        rc = ft_isp_leave(r.isp, err);
        uint32_t sck = plan->opts.sck_hz;
        if (!sck) {
            char why[160];
            plan->target_hz = ft_part_clock_hz(r.part, r.fuses, plan->opts.fck_hz, why, (int)sizeof why);
            /* Enter at the slower of the old and new clocks' limits. */
            sck = ft_sck_for_target(plan->target_hz);
            if (sck > r.sck_hz)
                sck = r.sck_hz;
        }
        if (rc == FT_OK)
            rc = enter(&r, sck);
        if (rc == FT_OK)
            rc = check_signature(&r);
        if (rc == FT_OK)
            rc = read_fuses(&r);
        if (rc == FT_OK)
            choose_clock(&r);
    }
    if (rc == FT_OK)
        rc = look_before_erase(&r);
    if (rc == FT_OK && (plan->opts.erase || (plan->auto_erase && r.flash_plan == FLASH_PLAN_ERASE)))
        rc = erase(&r);
    for (; rc == FT_OK && i < plan->nops; i++)
        rc = run_op(&r, &plan->ops[plan->order[i]]);
    finish(&r);
    return rc;
}

static void describe_fuse(run *r, const ft_fuse *f, uint8_t v)
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
    note(r, 0, "%s", buf);
}

int ft_plan_diagnose(ft_plan *plan, ft_mpsse *m, const ft_plan_events *ev, ft_err *err)
{
    run r;
    int rc = start(&r, plan, m, ev, err);
    if (rc == FT_OK) {
        const uint8_t *s = plan->signature;
        note(&r, 0, "%s, signature %02x %02x %02x", pname(r.part), s[0], s[1], s[2]);
        for (int i = 0; i < r.part->nfuses; i++)
            describe_fuse(&r, &r.part->fuses[i], r.fuses[r.part->fuses[i].index]);
        if (r.have_lock)
            describe_fuse(&r, &r.part->lock, r.lock);
        note(&r, 0, "%s", plan->clock_why);
    }
    finish(&r);
    return rc;
}
