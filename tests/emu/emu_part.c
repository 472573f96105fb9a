/* The one place the emulator learns a part's facts: geometry, delays, fuse
 * and clock facts come from the chip database (partdb). It finds the
 * database the way ftisp does, so that any program runs on it without
 * settings: $FTISP_PARTS, else next to the library itself
 * (<root>/build/emu/libftemu.so -> <root>/data/parts.conf), else the source
 * tree it was built from, else the installed one. Built with
 * -DEMU_NO_PARTDB (only while partdb cannot be linked) it falls back to a
 * few facts kept here. */
#define _GNU_SOURCE           /* dladdr */
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "emu_internal.h"

#ifndef EMU_NO_PARTDB
#include "ftisp/partdb.h"

static void from_partdb(const ft_part *p, emu_part *o)
{
    snprintf(o->id, sizeof o->id, "%s", p->id);
    snprintf(o->name, sizeof o->name, "%s", p->name);
    memcpy(o->sig, p->signature, 3);
    o->flash_size = p->flash.size;
    o->flash_page = p->flash.page_size > 1 ? p->flash.page_size : 2;
    o->ee_size = p->eeprom.size;
    o->ee_page = p->eeprom.page_size > 1 ? p->eeprom.page_size : 1;
    o->ee_paged = p->eeprom.paged;
    o->load_ext = p->load_ext_addr || p->flash.size > 131072;
    o->twd_us[EMU_BUSY_FLASH] = p->flash.write_delay_us;
    o->twd_us[EMU_BUSY_EEPROM] = p->eeprom.write_delay_us;
    o->twd_us[EMU_BUSY_ERASE] = p->chip_erase_delay_us;
    o->twd_us[EMU_BUSY_FUSE] = p->fuse_write_delay_us;
    o->nfuses = 0;
    for (int i = 0; i < 3; i++) {
        o->fuse_writable[i] = 0;
        o->fuse_factory[i] = 0xFF;
    }
    for (int i = 0; i < p->nfuses; i++) {
        const ft_fuse *f = &p->fuses[i];
        if (f->index > 2)
            continue;
        o->fuse_writable[f->index] = f->writable;
        o->fuse_factory[f->index] = f->factory | (uint8_t)~f->writable;
        if (f->index + 1 > o->nfuses)
            o->nfuses = f->index + 1;
        if (o->twd_us[EMU_BUSY_FUSE] == 0)
            o->twd_us[EMU_BUSY_FUSE] = 4500;
    }
    o->lock_writable = p->lock.writable;
    o->lock_factory = p->lock.factory | (uint8_t)~p->lock.writable;
    const ft_fuse *f;
    const ft_field *fl;
    if ((fl = ft_part_field(p, "SPIEN", &f))) {
        o->spien_fuse = f->index;
        o->spien_mask = fl->mask;
    }
    if ((fl = ft_part_field(p, "EESAVE", &f))) {
        o->eesave_fuse = f->index;
        o->eesave_mask = fl->mask;
    }
    o->ckdiv8_fuse = p->ckdiv8_fuse;
    o->ckdiv8_mask = p->ckdiv8_mask;
    o->nclocks = p->nclocks < 24 ? p->nclocks : 24;
    for (int i = 0; i < o->nclocks; i++) {
        const ft_clock *c = &p->clocks[i];
        o->clocks[i] = (emu_clock_src){c->fuse, c->mask, c->value, c->kind, c->min_hz, c->max_hz};
    }
    o->ncalib = p->calibration_bytes;
}

static bool try_load(ft_partdb *db, const char *path)
{
    if (!path)
        return false;
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    fclose(f);
    ft_err err = {0};
    if (ft_partdb_load_any(db, path, &err) != FT_OK) {
        emu_warn("part database %s: %s", path, err.msg);
        return false;
    }
    return true;
}

static bool beside_library_file(char *out, size_t outlen, const char *rel);

/* <dir of this library>/../../data/parts.conf: the checkout a build/emu/
 * library was built in, wherever the program it is preloaded into lives. */
static bool beside_library(char *out, size_t outlen)
{
    return beside_library_file(out, outlen, "data/parts.conf");
}

static bool beside_library_file(char *out, size_t outlen, const char *rel)
{
    Dl_info info;
    if (!dladdr((void *)beside_library, &info) || !info.dli_fname)
        return false;
    char dir[PATH_MAX];
    if (!realpath(info.dli_fname, dir))
        return false;
    char *slash = strrchr(dir, '/');
    if (!slash)
        return false;
    *slash = '\0';
    int w = snprintf(out, outlen, "%s/../../%s", dir, rel);
    return w > 0 && (size_t)w < outlen;
}

#ifndef EMU_SRCDIR
#define EMU_SRCDIR "."
#endif
#ifndef FTISP_DATADIR
#define FTISP_DATADIR "/usr/local/share/ftisp"
#endif

/* Words one TPI write operation programs: the ATtiny20 writes 2, the
 * ATtiny40 4 (their datasheets' NVM chapters); the others 1. */
static uint8_t tpi_words_of(const uint8_t *sig)
{
    if (sig[1] == 0x91 && sig[2] == 0x0f)
        return 2;
    if (sig[1] == 0x92 && sig[2] == 0x0e)
        return 4;
    return 1;
}

/* Extra TPI parts from $FTEMU_TPI_PARTS (partdb's format): every part there
 * is a TPI part. The usual TPI parts are in data/parts.conf (`protocol tpi`),
 * found by emu_part_lookup. */
bool emu_tpi_part_lookup(const char *name, emu_part *out)
{
    static ft_partdb db;
    static int loaded;
    if (!loaded) {
        ft_partdb_init(&db);
        loaded = try_load(&db, getenv("FTEMU_TPI_PARTS")) ? 1 : -1;
    }
    const ft_part *p = loaded > 0 ? ft_partdb_find(&db, name) : NULL;
    if (!p)
        return false;
    memset(out, 0, sizeof *out);
    from_partdb(p, out);
    out->tpi = true;
    out->tpi_words = tpi_words_of(out->sig);
    return true;
}

bool emu_part_lookup(const char *name, emu_part *out)
{
    if (emu_tpi_part_lookup(name, out))
        return true;
    static ft_partdb db;
    static int loaded;
    char beside[PATH_MAX + 32];
    if (!loaded) {
        ft_partdb_init(&db);
        loaded = try_load(&db, emu_cfg_g.parts_file) ||
                 (beside_library(beside, sizeof beside) && try_load(&db, beside)) ||
                 try_load(&db, EMU_SRCDIR "/data/parts.conf") ||
                 try_load(&db, FTISP_DATADIR "/parts.conf");
        loaded = loaded ? 1 : -1;
    }
    if (loaded < 0) {
        emu_warn("no part database: looked next to the library (../../data/parts.conf), in "
                 EMU_SRCDIR "/data and " FTISP_DATADIR "; set FTISP_PARTS to a parts.conf");
        return false;
    }
    const ft_part *p = ft_partdb_find(&db, name);
    if (!p) {
        emu_warn("unknown part \"%s\" (FTEMU_PART)", name);
        return false;
    }
    memset(out, 0, sizeof *out);
    from_partdb(p, out);
    if (p->protocol == FT_PROTO_TPI) {
        out->tpi = true;
        out->tpi_words = p->tpi_words ? p->tpi_words : tpi_words_of(out->sig);
    }
    return true;
}

#else

bool emu_tpi_part_lookup(const char *name, emu_part *out)
{
    (void)name;
    (void)out;
    return false;
}

/* Fallback facts (ATmega328P family clock table), from the datasheets. */
static void mega_clocks(emu_part *o)
{
    static const emu_clock_src c[] = {
        {0, 0x0f, 0x00, 2, 0, 20000000},     {0, 0x0f, 0x02, 0, 8000000, 8000000},
        {0, 0x0f, 0x03, 3, 128000, 128000},   {0, 0x0e, 0x04, 3, 32768, 32768},
        {0, 0x0e, 0x06, 1, 400000, 20000000}, {0, 0x0e, 0x08, 1, 400000, 900000},
        {0, 0x0e, 0x0a, 1, 900000, 3000000},  {0, 0x0e, 0x0c, 1, 3000000, 8000000},
        {0, 0x0e, 0x0e, 1, 8000000, 16000000},
    };
    memcpy(o->clocks, c, sizeof c);
    o->nclocks = (int)(sizeof c / sizeof c[0]);
    o->ckdiv8_fuse = 0;
    o->ckdiv8_mask = 0x80;
}

bool emu_part_lookup(const char *name, emu_part *o)
{
    memset(o, 0, sizeof *o);
    uint32_t d[4] = {4500, 3600, 9000, 4500};
    if (!strcasecmp(name, "m328p")) {
        *o = (emu_part){"m328p", "ATmega328P", {0x1e, 0x95, 0x0f}, 32768, 128, 1024, 4, true, false};
        uint8_t w[3] = {0xff, 0xff, 0x07}, f[3] = {0x62, 0xd9, 0xff};
        memcpy(o->fuse_writable, w, 3);
        memcpy(o->fuse_factory, f, 3);
        o->lock_writable = 0x3f;
    } else if (!strcasecmp(name, "m2560")) {
        *o = (emu_part){"m2560", "ATmega2560", {0x1e, 0x98, 0x01}, 262144, 256, 4096, 8, true, true};
        uint8_t w[3] = {0xff, 0xff, 0x07}, f[3] = {0x62, 0x99, 0xff};
        memcpy(o->fuse_writable, w, 3);
        memcpy(o->fuse_factory, f, 3);
        o->lock_writable = 0x3f;
        d[1] = 9000;
    } else if (!strcasecmp(name, "m1284p")) {
        *o = (emu_part){"m1284p", "ATmega1284P", {0x1e, 0x97, 0x05}, 131072, 256, 4096, 8, true, false};
        uint8_t w[3] = {0xff, 0xff, 0x07}, f[3] = {0x62, 0x99, 0xff};
        memcpy(o->fuse_writable, w, 3);
        memcpy(o->fuse_factory, f, 3);
        o->lock_writable = 0x3f;
    } else if (!strcasecmp(name, "t85")) {
        *o = (emu_part){"t85", "ATtiny85", {0x1e, 0x93, 0x0b}, 8192, 64, 512, 4, true, false};
        uint8_t w[3] = {0xff, 0xff, 0x01}, f[3] = {0x62, 0xdf, 0xff};
        memcpy(o->fuse_writable, w, 3);
        memcpy(o->fuse_factory, f, 3);
        o->lock_writable = 0x03;
        d[1] = 4000;
    } else if (!strcasecmp(name, "t13a")) {
        *o = (emu_part){"t13a", "ATtiny13A", {0x1e, 0x90, 0x07}, 1024, 32, 64, 4, true, false};
        uint8_t w[3] = {0xff, 0x1f, 0}, f[3] = {0x6a, 0xff, 0xff};
        memcpy(o->fuse_writable, w, 3);
        memcpy(o->fuse_factory, f, 3);
        o->lock_writable = 0x03;
        o->nfuses = 2;
        o->spien_fuse = 0;
        o->spien_mask = 0x80;
        static const emu_clock_src c[] = {{0, 0x03, 0x00, 2, 0, 20000000}, {0, 0x03, 0x01, 0, 4800000, 4800000},
                                          {0, 0x03, 0x02, 0, 9600000, 9600000}, {0, 0x03, 0x03, 3, 128000, 128000}};
        memcpy(o->clocks, c, sizeof c);
        o->nclocks = 4;
        o->ckdiv8_mask = 0x10;
        memcpy(o->twd_us, d, sizeof d);
        o->lock_factory = 0xff;
        o->ncalib = 1;
        return true;
    } else {
        emu_warn("unknown part \"%s\" (FTEMU_PART)", name);
        return false;
    }
    o->nfuses = 3;
    o->spien_fuse = 1;
    o->spien_mask = 0x20;
    o->eesave_fuse = 1;
    o->eesave_mask = 0x08;
    o->lock_factory = 0xff;
    o->ncalib = 1;
    memcpy(o->twd_us, d, sizeof d);
    mega_clocks(o);
    if (!strcasecmp(name, "t85")) {
        static const emu_clock_src c[] = {
            {0, 0x0f, 0x00, 2, 0, 20000000},      {0, 0x0f, 0x01, 4, 16000000, 16000000},
            {0, 0x0f, 0x02, 0, 8000000, 8000000}, {0, 0x0f, 0x03, 0, 6400000, 6400000},
            {0, 0x0f, 0x04, 3, 128000, 128000},   {0, 0x0f, 0x06, 3, 32768, 32768},
            {0, 0x0e, 0x08, 1, 400000, 900000},   {0, 0x0e, 0x0a, 1, 900000, 3000000},
            {0, 0x0e, 0x0c, 1, 3000000, 8000000}, {0, 0x0e, 0x0e, 1, 8000000, 20000000},
        };
        memcpy(o->clocks, c, sizeof c);
        o->nclocks = (int)(sizeof c / sizeof c[0]);
    }
    return true;
}

#endif
