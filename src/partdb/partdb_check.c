/* A part definition checked against what serial programming can do, before
 * any adapter is opened: a -C file with an EEPROM page of 3 bytes or a flash
 * of 1000 bytes would otherwise be believed, and the chip erased or its
 * EEPROM overwritten before anything noticed. */
#include "ftisp/partdb.h"

#include <stdio.h>

/* Flash instructions carry a 16-bit word address, and Load Extended Address
 * 8 bits more; EEPROM instructions a 16-bit byte address; Load EEPROM Page
 * an 8-bit offset within the page. */
#define FLASH_MAX (2u << 24)
#define EEPROM_MAX 65536u
#define EEPROM_PAGE_MAX 256u
/* The slowest write or erase any AVR datasheet gives is tens of ms; a
 * figure above a second is a unit mistake (ms written as us, say). */
#define DELAY_MAX_US 1000000u

static bool pow2(uint32_t v)
{
    return v && (v & (v - 1)) == 0;
}

static const char *where(const ft_part *p, const ft_mem *m)
{
    return m && m->source[0] ? m->source : p->source[0] ? p->source : "(built in)";
}

static const char *pname(const ft_part *p)
{
    return p->id[0] ? p->id : p->name;
}

static int check_mem(const ft_part *p, const ft_mem *m, const char *name, uint32_t max_size,
                     uint32_t max_page, ft_err *err)
{
    const char *at = where(p, m);
    if (m->size > max_size)
        return ft_err_set(err, FT_E_INPUT,
                          "%s: part %s: %s size %u: expected at most %u bytes, what the ISP "
                          "instructions can address", at, pname(p), name, m->size, max_size);
    if (m->page_size > 1) {
        if (!pow2(m->page_size) || m->page_size > max_page)
            return ft_err_set(err, FT_E_INPUT,
                              "%s: part %s: %s page size %u: expected a power of two from 2 to %u",
                              at, pname(p), name, m->page_size, max_page);
        if (m->size % m->page_size)
            return ft_err_set(err, FT_E_INPUT,
                              "%s: part %s: %s page size %u does not divide the size %u: expected "
                              "whole pages", at, pname(p), name, m->page_size, m->size);
    }
    if (m->write_delay_us > DELAY_MAX_US)
        return ft_err_set(err, FT_E_INPUT,
                          "%s: part %s: %s write delay %u us: expected at most %u us (1 s)", at, pname(p),
                          name, m->write_delay_us, DELAY_MAX_US);
    return FT_OK;
}

int ft_part_check(const ft_part *p, ft_err *err)
{
    const uint8_t *s = p->signature;
    if ((s[0] == 0 && s[1] == 0 && s[2] == 0) || (s[0] == 0xff && s[1] == 0xff && s[2] == 0xff))
        return ft_err_set(err, FT_E_INPUT,
                          "%s: part %s: signature %02x %02x %02x: expected a chip's signature "
                          "(00 00 00 and ff ff ff are what a silent bus reads)",
                          where(p, NULL), pname(p), s[0], s[1], s[2]);
    if (p->flash.size == 0 || p->flash.size % 2)
        return ft_err_set(err, FT_E_INPUT,
                          "%s: part %s: flash size %u: expected a whole number of 16-bit words",
                          where(p, &p->flash), pname(p), p->flash.size);
    int rc = check_mem(p, &p->flash, "flash", FLASH_MAX, p->flash.size, err);
    if (rc == FT_OK)
        rc = check_mem(p, &p->eeprom, "eeprom", EEPROM_MAX, EEPROM_PAGE_MAX, err);
    if (rc != FT_OK)
        return rc;
    if (p->protocol == FT_PROTO_TPI && (p->eeprom.size || p->flash.size > 0x4000u))
        return ft_err_set(err, FT_E_INPUT,
                          "%s: part %s: a TPI part has no EEPROM and at most 16 KiB of flash "
                          "(data space 0x4000-0x7fff)", where(p, NULL), pname(p));
    if (p->protocol != FT_PROTO_TPI && p->flash.paged && p->flash.page_size < 2)
        return ft_err_set(err, FT_E_INPUT,
                          "%s: part %s: flash page size %u: expected a power of two from 2 to %u (a "
                          "flash written a byte at a time gives no page size at all)",
                          where(p, &p->flash), pname(p), p->flash.page_size, p->flash.size);
    if (p->protocol != FT_PROTO_TPI && p->flash.page_size < 2 && p->has_rdybsy)
        return ft_err_set(err, FT_E_INPUT,
                          "%s: part %s: flash without pages on a part that answers Poll RDY/BSY: "
                          "expected a page size (every such part writes its flash in pages)",
                          where(p, &p->flash), pname(p));
    if (p->eeprom.size && p->eeprom.paged && p->eeprom.page_size < 2)
        return ft_err_set(err, FT_E_INPUT,
                          "%s: part %s: eeprom is paged but its page size is %u: expected a power "
                          "of two from 2 to %u", where(p, &p->eeprom), pname(p), p->eeprom.page_size,
                          EEPROM_PAGE_MAX);
    if (p->chip_erase_delay_us > DELAY_MAX_US)
        return ft_err_set(err, FT_E_INPUT,
                          "%s: part %s: chip erase delay %u us: expected at most %u us (1 s)",
                          where(p, NULL), pname(p), p->chip_erase_delay_us, DELAY_MAX_US);
    if (p->fuse_write_delay_us > DELAY_MAX_US)
        return ft_err_set(err, FT_E_INPUT,
                          "%s: part %s: fuse write delay %u us: expected at most %u us (1 s)",
                          where(p, NULL), pname(p), p->fuse_write_delay_us, DELAY_MAX_US);
    return FT_OK;
}
