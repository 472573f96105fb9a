/* ELF files as avr-gcc writes them.
 *
 * A hand reader of the ELF32 header and program headers over a buffer, not
 * libelf: a programmer needs only the PT_LOAD segments, the reader is short
 * enough to check every bound by eye, it works on stdin and memory buffers
 * alike, and the fuzzer can drive it directly with nothing else linked in.
 *
 * Segments are placed by load address (p_paddr, the LMA): .data's initial
 * values live in flash after .text though they run at 0x800100. avr-gcc's
 * flat address space puts each memory at its own base; only the bytes of the
 * requested memory are taken, relative to that memory's base. */
#include "ftisp/image.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define EM_AVR 83
#define PT_LOAD 1

struct region {
    const char *memory;
    uint32_t base;
    uint32_t size;      /* span of the flat space that belongs to it */
};

static const struct region regions[] = {
    {"flash", 0x000000, 0x800000},
    {"eeprom", 0x810000, 0x10000},
    {"lfuse", 0x820000, 1},
    {"fuse", 0x820000, 1},
    {"hfuse", 0x820001, 1},
    {"efuse", 0x820002, 1},
    {"lock", 0x830000, 1},
    {"signature", 0x840000, 3},
};

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

int ft_elf_parse(ft_image *img, const char *name, const uint8_t *buf, size_t len, ft_format fmt,
                 const char *memory, ft_err *err)
{
    (void)fmt;
    if (!memory)
        memory = "flash";
    const struct region *r = NULL;
    for (size_t i = 0; i < sizeof regions / sizeof regions[0]; i++)
        if (strcmp(regions[i].memory, memory) == 0)
            r = &regions[i];
    if (!r)
        return ft_err_set(err, FT_E_INPUT,
                          "%s: expected a memory that ELF files carry (flash, eeprom, fuses, lock, signature), found %s",
                          name, memory);
    if (len < 52 || memcmp(buf, "\177ELF", 4) != 0)
        return ft_err_set(err, FT_E_INPUT, "%s: offset 0: expected an ELF header, found %s", name,
                          len < 52 ? "a file too short for one" : "no ELF magic");
    if (buf[4] != 1 || buf[5] != 1)
        return ft_err_set(err, FT_E_INPUT,
                          "%s: offset 4: expected a 32-bit little-endian ELF (class 1, data 1), found class %u, data %u",
                          name, buf[4], buf[5]);
    uint16_t machine = le16(buf + 18);
    if (machine != EM_AVR)
        return ft_err_set(err, FT_E_INPUT,
                          "%s: offset 18: expected an AVR ELF (machine %u), found machine %u",
                          name, EM_AVR, machine);
    uint32_t phoff = le32(buf + 28);
    uint16_t phentsize = le16(buf + 42), phnum = le16(buf + 44);
    if (phnum == 0)
        return ft_err_set(err, FT_E_INPUT,
                          "%s: offset 44: expected program headers, found none (an object file, not a linked program?)",
                          name);
    if (phentsize < 32)
        return ft_err_set(err, FT_E_INPUT,
                          "%s: offset 42: expected a program header size of at least 32, found %u",
                          name, phentsize);
    if ((uint64_t)phoff + (uint64_t)phnum * phentsize > len)
        return ft_err_set(err, FT_E_INPUT,
                          "%s: offset 28: expected %u program headers within the file's %zu bytes, found them at %" PRIu32,
                          name, phnum, len, phoff);
    for (unsigned i = 0; i < phnum; i++) {
        size_t at = phoff + (size_t)i * phentsize;
        const uint8_t *ph = buf + at;
        uint32_t type = le32(ph), off = le32(ph + 4), paddr = le32(ph + 12);
        uint32_t filesz = le32(ph + 16);
        if (type != PT_LOAD || filesz == 0)
            continue;
        if ((uint64_t)off + filesz > len)
            return ft_err_set(err, FT_E_INPUT,
                              "%s: offset %zu: expected segment %u's %" PRIu32 " bytes within the file, found them at %" PRIu32 " past its end %zu",
                              name, at + 4, i, filesz, off, len);
        for (uint32_t k = 0; k < filesz; k++) {
            uint64_t a = (uint64_t)paddr + k;
            if (a < r->base || a >= (uint64_t)r->base + r->size)
                continue;
            if (ft_image_put(img, (uint32_t)(a - r->base), buf[off + k]) == FT_PUT_OK)
                continue;
            /* Only a refused byte pays for formatting its position. */
            char where[512];
            snprintf(where, sizeof where, "%s: offset %" PRIu64, name, (uint64_t)off + k);
            return ft_image_put_at(img, a - r->base, buf[off + k], where, err);
        }
    }
    return FT_OK;
}
