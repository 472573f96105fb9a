/* Flash: page writes (each page's loads, write instruction and first polls
 * go out in one USB transfer) and streamed reads. Addresses in instructions
 * are word addresses; Load Extended Address supplies bits 16..23 on parts
 * with more than 128 KiB. */
#include <stdlib.h>
#include <string.h>

#include "isp_priv.h"

#define PROGRESS_STEP 1024u

int ft_isp_read_flash(ft_isp *isp, uint32_t addr, uint8_t *buf, uint32_t n, ft_err *err)
{
    if (isp_need_enabled(isp, err))
        return err->code;
    const ft_part *p = isp->p;
    if (addr > p->flash.size || n > p->flash.size - addr)
        return ft_err_set(err, FT_E_FAIL, "internal: flash read 0x%x+%u past the end (0x%x)", addr, n,
                          p->flash.size);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t a = addr + i, w = a >> 1;
        isp_ext_addr(isp, w);
        isp_cmd(isp, (a & 1) ? 0x28 : 0x20, (uint8_t)(w >> 8), (uint8_t)w, 0x00, buf + i);
        if (i % PROGRESS_STEP == PROGRESS_STEP - 1) {
            /* replies arrive a batch or two behind the queue */
            if (ft_wire_error(isp->w))
                break;
            isp_progress(isp, i + 1, n);
        }
    }
    ft_wire_flush(isp->w);
    int rc = isp_wire_status(isp, err);
    if (rc == FT_OK)
        isp_progress(isp, n, n);
    return rc;
}

static bool all_ff(const uint8_t *d, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (d[i] != 0xFF)
            return false;
    return true;
}

/* Parts without page mode take "Write Program Memory" (same opcodes as the
 * page loads) one byte at a time, each a write of its own. */
static int write_bytes(ft_isp *isp, const uint8_t *data, uint32_t a, uint32_t n, ft_err *err)
{
    for (uint32_t i = 0; i < n; i++, a++) {
        if (data[a] == 0xFF)
            continue;   /* erased flash already reads 0xFF */
        uint32_t w = a >> 1;
        isp_ext_addr(isp, w);
        isp_cmd(isp, (a & 1) ? 0x48 : 0x40, (uint8_t)(w >> 8), (uint8_t)w, data[a], NULL);
        int rc = isp_wait_ready(isp, ISP_BUSY_FLASH, isp->p->flash.write_delay_us, err);
        if (rc)
            return rc;
    }
    return FT_OK;
}

int ft_isp_write_flash_pages(ft_isp *isp, const uint8_t *data, const uint32_t *pages, uint32_t npages,
                             ft_err *err)
{
    if (isp_need_enabled(isp, err))
        return err->code;
    const ft_part *p = isp->p;
    bool paged = p->flash.page_size > 1;
    uint32_t psz = paged ? p->flash.page_size : 2;
    uint8_t *loads = malloc((size_t)psz * 4);
    if (!loads)
        return ft_err_set(err, FT_E_FAIL, "out of memory");
    int rc = FT_OK;
    for (uint32_t k = 0; k < npages && rc == FT_OK; k++) {
        uint32_t a = pages[k];
        if (a % psz || a > p->flash.size || psz > p->flash.size - a) {
            rc = ft_err_set(err, FT_E_FAIL, "internal: flash page 0x%x not a page of %s", a, p->name);
            break;
        }
        const uint8_t *d = data + a;
        /* flash bits only go from 1 to 0: an all-0xFF page changes nothing */
        if (all_ff(d, psz)) {
            isp_progress(isp, (k + 1) * psz, npages * psz);
            continue;
        }
        if (!paged) {
            rc = write_bytes(isp, data, a, psz, err);
        } else {
            uint32_t w0 = a >> 1;
            isp_ext_addr(isp, w0);
            /* byte 2 of a page load is "don't care" on parts whose pages
             * fit in 256 words */
            for (uint32_t j = 0; j < psz / 2; j++) {
                uint32_t w = w0 + j;
                uint8_t hi = psz / 2 > 256 ? (uint8_t)((w >> 8) & 0xff) : 0;
                uint8_t *l = loads + j * 8;
                l[0] = 0x40, l[1] = hi, l[2] = (uint8_t)w, l[3] = d[2 * j];
                l[4] = 0x48, l[5] = hi, l[6] = (uint8_t)w, l[7] = d[2 * j + 1];
            }
            ft_wire_shift(isp->w, loads, NULL, (size_t)psz * 4);
            isp_cmd(isp, 0x4C, (uint8_t)(w0 >> 8), (uint8_t)w0, 0x00, NULL);
            rc = isp_wait_ready(isp, ISP_BUSY_FLASH, p->flash.write_delay_us, err);
        }
        if (rc == FT_OK)
            isp_progress(isp, (k + 1) * psz, npages * psz);
    }
    free(loads);
    ft_wire_flush(isp->w);
    int rc2 = isp_wire_status(isp, err);
    return rc ? rc : rc2;
}
