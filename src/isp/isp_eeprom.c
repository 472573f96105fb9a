/* EEPROM: streamed reads, and writes by page (Load/Write EEPROM Page) where
 * the part has them, else byte by byte. An EEPROM write erases what it
 * writes, so no chip erase is needed. */
#include <stdlib.h>
#include <string.h>

#include "isp_priv.h"

#define PROGRESS_STEP 256u

static int check_range(ft_isp *isp, uint32_t addr, uint32_t n, ft_err *err)
{
    uint32_t size = isp->p->eeprom.size;
    if (addr > size || n > size - addr)
        return ft_err_set(err, FT_E_FAIL, "internal: EEPROM 0x%x+%u past the end (0x%x)", addr, n, size);
    return FT_OK;
}

int ft_isp_read_eeprom(ft_isp *isp, uint32_t addr, uint8_t *buf, uint32_t n, ft_err *err)
{
    if (isp_need_enabled(isp, err) || check_range(isp, addr, n, err))
        return err->code;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t a = addr + i;
        isp_cmd(isp, 0xA0, (uint8_t)(a >> 8), (uint8_t)a, 0x00, buf + i);
        if (i % PROGRESS_STEP == PROGRESS_STEP - 1) {
            if (ft_wire_error(isp->w))
                break;
            if (!isp->batching)
                isp_progress(isp, i + 1, n);
        }
    }
    int rc = isp_read_done(isp, err);
    if (rc == FT_OK && !isp->batching)
        isp_progress(isp, n, n);
    return rc;
}

static bool wanted(const uint8_t *mask, uint32_t i)
{
    return !mask || mask[i];
}

static int write_bytes(ft_isp *isp, uint32_t addr, const uint8_t *data, const uint8_t *mask, uint32_t n,
                       ft_err *err)
{
    uint32_t delay = isp->p->eeprom.write_delay_us;
    for (uint32_t i = 0; i < n; i++) {
        if (!wanted(mask, i))
            continue;
        uint32_t a = addr + i;
        isp_cmd(isp, 0xC0, (uint8_t)(a >> 8), (uint8_t)a, data[i], NULL);
        int rc = isp_wait_ready(isp, ISP_BUSY_EEPROM, delay, err);
        if (rc)
            return rc;
        isp_progress(isp, i + 1, n);
    }
    return FT_OK;
}

/* Reads into img the bytes of partly written pages that are to stay. */
static int read_kept(ft_isp *isp, uint32_t first, uint32_t span, uint32_t ps, const uint8_t *have,
                     uint8_t *img)
{
    bool any = false;
    for (uint32_t pg = 0; pg < span; pg += ps) {
        uint32_t k = 0;
        for (uint32_t j = 0; j < ps && pg + j < span; j++)
            k += have[pg + j];
        if (k == 0 || k == ps)
            continue;
        for (uint32_t j = 0; j < ps && pg + j < span; j++)
            if (!have[pg + j]) {
                uint32_t a = first + pg + j;
                isp_cmd(isp, 0xA0, (uint8_t)(a >> 8), (uint8_t)a, 0x00, &img[pg + j]);
                any = true;
            }
    }
    return any ? ft_wire_flush(isp->w) : FT_OK;
}

/* Page mode. Whether a page write keeps the bytes that were not loaded is
 * not something every datasheet promises, so the bytes of a partly written
 * page that are to stay are read first (all in one stream) and loaded too. */
static int write_pages(ft_isp *isp, uint32_t addr, const uint8_t *data, const uint8_t *mask, uint32_t n,
                       ft_err *err)
{
    uint32_t ps = isp->p->eeprom.page_size, size = isp->p->eeprom.size;
    uint32_t first = addr / ps * ps, last = (addr + n + ps - 1) / ps * ps;
    if (last > size)
        last = size;
    uint32_t span = last - first;
    uint8_t *img = calloc(span, 1), *have = calloc(span, 1), *again = malloc(span);
    int rc = FT_OK;
    if (!img || !have || !again) {
        rc = ft_err_set(err, FT_E_FAIL, "out of memory");
        goto out;
    }
    for (uint32_t i = 0; i < n; i++)
        if (wanted(mask, i)) {
            img[addr + i - first] = data[i];
            have[addr + i - first] = 1;
        }
    /* pages with some bytes to write: the others need their current value,
     * which is written back, so it is read until two reads agree */
    bool same = false;
    for (int read = 0; read < 4 && !same && rc == FT_OK; read++) {
        if (read > 0)
            memcpy(again, img, span);
        if (read_kept(isp, first, span, ps, have, img))
            rc = isp_wire_status(isp, err);
        same = read > 0 && memcmp(again, img, span) == 0;
    }
    if (rc == FT_OK && !same)
        rc = ft_err_set(err, FT_E_TARGET, "EEPROM: reads of the bytes a page write keeps disagree: "
                        "noisy wiring or SCK too fast");
    if (rc != FT_OK)
        goto out;
    for (uint32_t pg = 0; pg < span && rc == FT_OK; pg += ps) {
        bool touched = false;
        for (uint32_t j = 0; j < ps && pg + j < span; j++)
            touched |= have[pg + j];
        if (!touched)
            continue;
        for (uint32_t j = 0; j < ps && pg + j < span; j++)
            isp_cmd(isp, 0xC1, 0x00, (uint8_t)j, img[pg + j], NULL);
        uint32_t a = first + pg;
        isp_cmd(isp, 0xC2, (uint8_t)(a >> 8), (uint8_t)a, 0x00, NULL);
        rc = isp_wait_ready(isp, ISP_BUSY_EEPROM, isp->p->eeprom.write_delay_us, err);
        uint32_t done = first + pg + ps > addr ? first + pg + ps - addr : 0;
        if (rc == FT_OK)
            isp_progress(isp, done < n ? done : n, n);
    }
out:
    free(img);
    free(have);
    free(again);
    return rc;
}

int ft_isp_write_eeprom(ft_isp *isp, uint32_t addr, const uint8_t *data, const uint8_t *mask, uint32_t n,
                        ft_err *err)
{
    if (isp_need_enabled(isp, err) || check_range(isp, addr, n, err))
        return err->code;
    const ft_mem *e = &isp->p->eeprom;
    int rc = e->paged && e->page_size > 1 ? write_pages(isp, addr, data, mask, n, err)
                                          : write_bytes(isp, addr, data, mask, n, err);
    ft_wire_flush(isp->w);
    int rc2 = isp_wire_status(isp, err);
    return rc ? rc : rc2;
}
