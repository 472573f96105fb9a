/* Reading memories, and verifying what was written against the file. */
#include "session_priv.h"

#include "ftisp/sha256.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>

/* ---- reading ---- */

int ses_read_mem(ft_session *r, int kind, int fi, uint32_t addr, uint8_t *buf, uint32_t n)
{
    switch (kind) {
    case FT_MEM_FLASH: return ft_proto_read_flash(r->proto, addr, buf, n, r->err);
    case FT_MEM_EEPROM: return ft_proto_read_eeprom(r->proto, addr, buf, n, r->err);
    case FT_MEM_FUSE: return ft_proto_read_fuse(r->proto, fi, buf, r->err);
    case FT_MEM_LOCK: return ft_proto_read_lock(r->proto, buf, r->err);
    case FT_MEM_SIGNATURE: return ft_proto_read_signature(r->proto, buf, r->err);
    case FT_MEM_CALIBRATION:
        for (uint32_t i = 0; i < n; i++) {
            int rc = ft_proto_read_calibration(r->proto, (int)(addr + i), buf + i, r->err);
            if (rc != FT_OK)
                return rc;
        }
        return FT_OK;
    case FT_MEM_DATA: {
        uint16_t base = 0;
        uint32_t size = 0;
        if (ft_mem_data_at(r->part, fi, &base, &size) < 0 || addr > size || n > size - addr)
            return ft_err_set(r->err, FT_E_FAIL, "internal: data memory %d read 0x%x+%u out of range", fi,
                              addr, n);
        return ft_proto_read_data(r->proto, (uint32_t)base + addr, buf, n, r->err);
    }
    }
    return ft_err_set(r->err, FT_E_FAIL, "internal: unknown memory kind %d", kind);
}

static const char *kind_name(int kind)
{
    static const char *const names[] = {"flash", "EEPROM", "fuse", "lock", "signature", "calibration",
                                        "data space"};
    return kind >= 0 && kind <= FT_MEM_DATA ? names[kind] : "memory";
}

/* A byte ftisp acts on (a signature, a fuse, a copy it will write back, a
 * file it writes) is read until two reads in a row agree: one flipped bit on
 * MISO then costs a third read instead of wrong data. */
int ses_read_checked(ft_session *r, int kind, int fi, uint32_t addr, uint8_t *buf, uint32_t n)
{
    uint8_t *again = malloc(n ? n : 1);
    if (!again)
        return ft_err_set(r->err, FT_E_FAIL, "out of memory");
    int rc = ses_read_mem(r, kind, fi, addr, buf, n);
    uint32_t bad = 0;
    for (int read = 2; rc == FT_OK && read <= SES_READS_MAX; read++) {
        rc = ses_read_mem(r, kind, fi, addr, again, n);
        if (rc != FT_OK)
            break;
        if (memcmp(buf, again, n) == 0)
            break;
        for (bad = 0; bad < n && buf[bad] == again[bad]; bad++)
            ;
        ses_note(r, 1, "%s: two reads differ at 0x%04x (0x%02x, then 0x%02x); reading again",
                 kind_name(kind), addr + bad, buf[bad], again[bad]);
        memcpy(buf, again, n);
        if (read == SES_READS_MAX)
            rc = ft_err_set(r->err, FT_E_TARGET,
                            "%s: %d reads in a row disagree (last at 0x%04x): the wiring is noisy or "
                            "SCK is too fast for the target; try a slower -B", kind_name(kind),
                            SES_READS_MAX, addr + bad);
    }
    free(again);
    return rc;
}

uint8_t ses_writable_mask(const ft_part *p, int kind, int fi)
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
uint32_t ses_image_start(const ft_image *img, uint32_t align)
{
    uint32_t end = ft_image_extent(img);
    for (uint32_t a = 0; a < end; a++)
        if (ft_image_is_set(img, a))
            return align > 1 ? a - a % align : a;
    return end;
}

/* Reads back what `want` sets and compares: the comparison with what was
 * written is the check. The clock was confirmed before anything was written
 * (session_clock.c), so a difference is believed when a second read shows it
 * too: one flipped bit on the way back is not a wrong chip. */
/* A gap in the file costs 32 SCK cycles a byte to read across, a new read
 * stream about one USB round trip (some 15 bytes at 2 MHz): gaps longer than
 * this are skipped, so a serial number at the end of an otherwise short image
 * does not cost a read of all the blank flash in between. */
#define VERIFY_GAP_SKIP 256u

/* Reads the bytes of [lo, lo+n) that `want` sets, in runs that bridge gaps
 * shorter than VERIFY_GAP_SKIP; bytes in skipped gaps are left as they were. */
static int read_set_runs(ft_session *r, int kind, int fi, const ft_image *want, uint32_t lo,
                         uint8_t *buf, uint32_t n, uint32_t *nread, uint32_t *nskipped)
{
    uint32_t i = 0;
    bool first = true;
    while (i < n) {
        while (i < n && !ft_image_is_set(want, lo + i))
            i++;
        if (i == n)
            break;
        if (!first && nskipped)
            (*nskipped)++;
        first = false;
        uint32_t start = i, end = i, gap = 0;
        for (; i < n && gap < VERIFY_GAP_SKIP; i++) {
            if (ft_image_is_set(want, lo + i)) {
                end = i + 1;
                gap = 0;
            } else {
                gap++;
            }
        }
        if (nread)
            *nread += end - start;
        int rc = r ? ses_read_mem(r, kind, fi, lo + start, buf + start, end - start) : FT_OK;
        if (rc != FT_OK)
            return rc;
        i = end;
    }
    return FT_OK;
}

void ses_verify_phase(ft_session *r, const char *memory, const ft_image *want)
{
    uint32_t lo = ses_image_start(want, 1), hi = ft_image_extent(want), nread = 0, gaps = 0;
    if (hi > lo)
        read_set_runs(NULL, 0, -1, want, lo, NULL, hi - lo, &nread, &gaps);
    char what[96];
    if (gaps)
        snprintf(what, sizeof what, "verifying %s (the file's data; %u gap%s not read)", memory, gaps,
                 gaps == 1 ? "" : "s");
    else
        snprintf(what, sizeof what, "verifying %s (the file's range)", memory);
    ses_phase(r, what, nread);
}

int ses_verify_image(ft_session *r, const ft_op *op, int kind, int fi, const ft_image *want)
{
    uint32_t lo = ses_image_start(want, 1), hi = ft_image_extent(want);
    if (hi <= lo)
        return FT_OK;
    uint32_t n = hi - lo;
    uint8_t *buf = malloc(n);
    if (!buf)
        return ft_err_set(r->err, FT_E_FAIL, "out of memory");
    uint8_t mask = ses_writable_mask(r->part, kind, fi);
    int rc = FT_OK;
    uint32_t bad = UINT32_MAX;
    for (int read = 0; read < 2 && (read == 0 || bad != UINT32_MAX); read++) {
        if (read == 1)
            ses_note(r, 1, "%s differs at 0x%04x; reading again", op->spec.memory, bad);
        rc = read_set_runs(r, kind, fi, want, lo, buf, n, NULL, NULL);
        bad = UINT32_MAX;
        for (uint32_t i = 0; rc == FT_OK && i < n; i++)
            if (ft_image_is_set(want, lo + i) && ((buf[i] ^ ft_image_get(want, lo + i)) & mask)) {
                bad = lo + i;
                break;
            }
        if (rc != FT_OK)
            break;
    }
    if (rc == FT_OK && bad == UINT32_MAX) {
        ses_res(r, op)->verified = 1;
    } else if (rc == FT_OK) {
        ses_res(r, op)->verified = 0;
        uint8_t file_has = ft_image_get(want, bad), chip_has = buf[bad - lo];
        /* -D is to blame only where it kept the erase away and the file
         * wants a 1 where the chip holds a 0 */
        bool d_hint = kind == FT_MEM_FLASH && op->spec.kind == FT_OP_WRITE && r->plan->opts.no_erase &&
                      !r->res->erased && (file_has & ~chip_has) != 0;
        rc = ft_err_set(r->err, FT_E_VERIFY,
                        "%s verify error at 0x%04x: %s has 0x%02x, the chip has 0x%02x%s",
                        op->spec.memory, bad, op->spec.file, file_has, chip_has,
                        d_hint ? " (flash was not erased: a bit that is 0 needs a chip erase to "
                                 "become 1; drop -D)"
                               : "");
    }
    free(buf);
    return rc;
}

void ses_image_sha(const ft_image *img, uint32_t lo, uint8_t out[32])
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

/* The whole flash as a page write leaves it: the file's bytes, 0xFF in holes. */
void ses_flash_bytes(const ft_image *img, uint8_t *buf, uint32_t size)
{
    for (uint32_t a = 0; a < size; a++)
        buf[a] = ft_image_get(img, a);
}
