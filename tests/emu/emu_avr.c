/* An AVR in serial-programming mode, driven only by the pin levels the
 * MPSSE puts on SCK, MOSI and RESET at modeled times. It enforces what the
 * silicon enforces (see README.md "Target rules"). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "emu_internal.h"

static uint32_t prng(emu_avr *a)
{
    uint32_t x = a->prng;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return a->prng = x;
}

/* A nominal frequency off by pct percent. */
static uint32_t off_nominal(uint32_t hz, int pct)
{
    return (uint32_t)((int64_t)hz * (100 + pct) / 100);
}

static uint32_t fck_of(const emu_avr *a)
{
    const emu_part *p = &a->part;
    uint32_t hz = 0;
    for (int i = 0; i < p->nclocks && !hz; i++) {
        const emu_clock_src *c = &p->clocks[i];
        if (c->fuse > 2 || (a->eff_fuses[c->fuse] & c->mask) != c->value)
            continue;
        if (c->kind == 1 || c->kind == 2) /* crystal or external clock: the board's */
            hz = emu_cfg_g.xtal_hz;
        else
            hz = c->max_hz ? c->max_hz : c->min_hz;
        /* Internal oscillators run off nominal: the RC (and a PLL fed by it)
         * within its calibration, the 128 kHz one wherever it likes; a
         * 32.768 kHz low-frequency source is a watch crystal. */
        if (c->kind == 0 || c->kind == 4)
            hz = off_nominal(hz, emu_cfg_g.rc_pct);
        else if (c->kind == 3 && hz != 32768)
            hz = off_nominal(hz, emu_cfg_g.osc128_pct);
    }
    if (!hz)
        hz = p->nclocks ? 1 : emu_cfg_g.xtal_hz; /* a clock the part cannot run on: dead */
    if (p->ckdiv8_mask && !(a->eff_fuses[p->ckdiv8_fuse] & p->ckdiv8_mask))
        hz /= 8;
    return hz ? hz : 1;
}

static void path_of(char *out, size_t n, const char *dir, const char *tag, const char *file)
{
    snprintf(out, n, "%s/%s%s", dir, tag, file);
}

static bool load_file(const char *path, uint8_t *buf, size_t size, bool must)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (must)
            emu_die_config("%s: %s", path, strerror(errno));
        return false;
    }
    size_t n = fread(buf, 1, size, f);
    int extra = fgetc(f);
    fclose(f);
    if (extra != EOF)
        emu_warn("%s: longer than the memory (%zu bytes); rest ignored", path, size);
    (void)n;
    return true;
}

void emu_avr_init(emu_avr *a, const emu_part *p, const char *tag)
{
    const emu_cfg *c = &emu_cfg_g;
    memset(a, 0, sizeof *a);
    a->part = *p;
    snprintf(a->tag, sizeof a->tag, "%s", tag);
    a->flash = malloc(p->flash_size);
    a->eeprom = malloc(p->ee_size ? p->ee_size : 1);
    a->pagebuf = malloc(p->flash_page);
    a->eebuf = malloc(p->ee_page);
    a->eeloaded = calloc(p->ee_page, 1);
    if (!a->flash || !a->eeprom || !a->pagebuf || !a->eebuf || !a->eeloaded)
        emu_die_config("out of memory");
    memset(a->flash, 0xFF, p->flash_size);
    memset(a->eeprom, 0xFF, p->ee_size ? p->ee_size : 1);
    memset(a->pagebuf, 0xFF, p->flash_page);
    memcpy(a->fuses, p->fuse_factory, 3);
    a->lock = p->lock_factory;
    for (int i = 0; i < c->fuses_given; i++)
        a->fuses[i] = c->fuses[i] | (uint8_t)~p->fuse_writable[i];
    if (c->lock_set)
        a->lock = c->lock | (uint8_t)~p->lock_writable;
    char path[1200];
    if (c->state_dir) {
        path_of(path, sizeof path, c->state_dir, tag, "flash.bin");
        load_file(path, a->flash, p->flash_size, false);
        path_of(path, sizeof path, c->state_dir, tag, "eeprom.bin");
        load_file(path, a->eeprom, p->ee_size, false);
        path_of(path, sizeof path, c->state_dir, tag, "fuses.bin");
        load_file(path, a->fuses, 3, false);
        path_of(path, sizeof path, c->state_dir, tag, "lock.bin");
        load_file(path, &a->lock, 1, false);
    }
    if (c->flash_file)
        load_file(c->flash_file, a->flash, p->flash_size, true);
    if (c->eeprom_file)
        load_file(c->eeprom_file, a->eeprom, p->ee_size, true);
    if (c->fault_sig)
        memcpy(a->part.sig, c->sig, 3);
    a->calib = 0x9B;
    memcpy(a->eff_fuses, a->fuses, 3);
    a->fck_hz = fck_of(a);
    a->reset = a->sck = a->mosi = a->miso = 1;
    a->t_sync = -1;
    a->t_edge = -EMU_S;
    a->out = 0xFF;
    a->prng = 0x9E3779B9u;
    a->absent = c->fault_no_target;
    if (p->tpi)
        emu_tpi_init(a);
}

static emu_ns busy_time(const emu_avr *a, int kind)
{
    long o = emu_cfg_g.twd_us[kind];
    if (o >= 0)
        return (emu_ns)o * EMU_US;
    return (emu_ns)((double)a->part.twd_us[kind] * emu_cfg_g.busy_scale * EMU_US);
}

static void start_busy(emu_avr *a, emu_ns t, int kind, uint32_t addr, uint32_t len)
{
    emu_ns d = busy_time(a, kind);
    a->busy_until = t + d;
    a->busy_kind = kind;
    a->busy_addr = addr;
    a->busy_len = len;
    emu_st.busy_ns += d;
}

static bool busy(const emu_avr *a, emu_ns t)
{
    return t < a->busy_until;
}

static uint8_t keep_spien(const emu_avr *a, int idx, uint8_t v)
{
    uint8_t m = a->part.spien_mask;
    if (m && a->part.spien_fuse == idx)
        v = (uint8_t)((v & ~m) | (a->fuses[idx] & m));
    return v;
}

/* Rule: an instruction that arrives while a write is in progress ruins that
 * write. The bytes being written are ANDed with noise (flash, and chip erase
 * over all flash: cells partly programmed), replaced by noise (EEPROM), or a
 * fuse/lock byte gets noise (SPIEN kept). */
static void corrupt(emu_avr *a)
{
    const emu_part *p = &a->part;
    switch (a->busy_kind) {
    case EMU_BUSY_FLASH:
        for (uint32_t i = 0; i < a->busy_len; i++)
            a->flash[(a->busy_addr + i) % p->flash_size] &= (uint8_t)prng(a);
        break;
    case EMU_BUSY_ERASE:
        for (uint32_t i = 0; i < p->flash_size; i += 7)
            a->flash[i] &= (uint8_t)prng(a);
        break;
    case EMU_BUSY_EEPROM:
        for (uint32_t i = 0; i < a->busy_len && p->ee_size; i++)
            a->eeprom[(a->busy_addr + i) % p->ee_size] = (uint8_t)prng(a);
        break;
    case EMU_BUSY_FUSE:
        if (a->busy_addr < 3)
            a->fuses[a->busy_addr] = keep_spien(a, (int)a->busy_addr, (uint8_t)prng(a)) |
                                     (uint8_t)~p->fuse_writable[a->busy_addr];
        else
            a->lock &= (uint8_t)(prng(a) | ~p->lock_writable);
        break;
    }
}

static int classify(const uint8_t *f)
{
    switch (f[0]) {
    case 0xAC:
        switch (f[1]) {
        case 0x53: return I_PROG_ENABLE;
        case 0x80: return I_CHIP_ERASE;
        case 0xE0: return I_WRITE_LOCK;
        case 0xA0: case 0xA8: case 0xA4: return I_WRITE_FUSE;
        }
        return I_UNKNOWN;
    case 0xF0: return I_POLL;
    case 0x4D: return I_LOAD_EXT;
    case 0x40: case 0x48: return I_LOAD_PAGE;
    case 0x4C: return I_WRITE_PAGE;
    case 0x20: case 0x28: return I_READ_FLASH;
    case 0xC1: return I_LOAD_EE_PAGE;
    case 0xC2: return I_WRITE_EE_PAGE;
    case 0xC0: return I_WRITE_EE_BYTE;
    case 0xA0: return I_READ_EE;
    case 0x30: return I_READ_SIG;
    case 0x38: return I_READ_CAL;
    case 0x50: return f[1] == 0x00 || f[1] == 0x08 ? I_READ_FUSE : I_UNKNOWN;
    case 0x58: return f[1] == 0x08 ? I_READ_FUSE : f[1] == 0x00 ? I_READ_LOCK : I_UNKNOWN;
    }
    return I_UNKNOWN;
}

static uint32_t flash_word(const emu_avr *a, const uint8_t *f)
{
    return (uint32_t)a->ext << 16 | (uint32_t)f[1] << 8 | f[2];
}

static uint8_t read_data(emu_avr *a, emu_ns t)
{
    const uint8_t *f = a->frame;
    const emu_part *p = &a->part;
    switch (classify(f)) {
    case I_POLL: return (uint8_t)(0xFE | busy(a, t));
    case I_READ_FLASH: return a->flash[(flash_word(a, f) * 2 + (f[0] == 0x28)) % p->flash_size];
    case I_READ_EE: return p->ee_size ? a->eeprom[((uint32_t)f[1] << 8 | f[2]) % p->ee_size] : 0xFF;
    case I_READ_SIG: return (f[2] & 3) < 3 ? p->sig[f[2] & 3] : 0xFF;
    case I_READ_CAL: return a->calib;
    case I_READ_LOCK: return a->lock;
    case I_READ_FUSE:
        if (f[0] == 0x50 && f[1] == 0x00) return a->fuses[0];
        if (f[0] == 0x58) return p->nfuses > 1 ? a->fuses[1] : 0xFF;
        return p->nfuses > 2 ? a->fuses[2] : 0xFF;
    }
    return f[2];
}

static void write_fuse(emu_avr *a, emu_ns t, int idx, uint8_t v)
{
    const emu_part *p = &a->part;
    if (idx >= p->nfuses) {
        emu_st.v_unknown_instr++;
        return;
    }
    a->fuses[idx] = keep_spien(a, idx, v | (uint8_t)~p->fuse_writable[idx]);
    start_busy(a, t, EMU_BUSY_FUSE, (uint32_t)idx, 1);
}

static void execute(emu_avr *a, emu_ns t)
{
    const uint8_t *f = a->frame;
    const emu_part *p = &a->part;
    int kind = classify(f);
    if (emu_cfg_g.trace)
        fprintf(stderr, "ftemu: t=%.6f %s %02X %02X %02X %02X%s\n", (double)t / EMU_S,
                a->enabled ? "" : "(not enabled)", f[0], f[1], f[2], f[3], a->frame_lost ? " LOST" : "");
    bool garbled = a->frame_garbled;
    a->frame_garbled = false;
    if (a->frame_lost) {
        a->frame_lost = false;
        return;
    }
    if (!a->enabled) {
        if (kind == I_PROG_ENABLE) {
            if (a->t_sync >= 0 && t - a->t_sync >= 20 * EMU_MS) {
                if (garbled) /* noise that happens to read AC 53: in sync by chance */
                    emu_st.v_garbled_executed++;
                a->enabled = true;
                a->ext = 0;
                emu_st.instr[I_PROG_ENABLE]++;
                emu_boards_note(a, t, I_PROG_ENABLE);
            } else
                emu_st.v_enable_early++;
        }
        return;
    }
    emu_st.instr[kind]++;
    /* The target cannot tell: it carries out whatever it sampled (a chip
     * erase, a lock or fuse write...). */
    if (garbled)
        emu_st.v_garbled_executed++;
    emu_boards_note(a, t, kind);
    uint32_t addr;
    switch (kind) {
    case I_CHIP_ERASE:
        memset(a->flash, 0xFF, p->flash_size);
        if (!(p->eesave_mask && !(a->fuses[p->eesave_fuse] & p->eesave_mask)))
            memset(a->eeprom, 0xFF, p->ee_size);
        a->lock = p->lock_factory;
        start_busy(a, t, EMU_BUSY_ERASE, 0, p->flash_size);
        break;
    case I_WRITE_LOCK:
        a->lock &= (uint8_t)(f[3] | ~p->lock_writable);
        start_busy(a, t, EMU_BUSY_FUSE, 3, 1);
        break;
    case I_WRITE_FUSE:
        write_fuse(a, t, f[1] == 0xA0 ? 0 : f[1] == 0xA8 ? 1 : 2, f[3]);
        break;
    case I_LOAD_EXT:
        a->ext = f[2];
        break;
    case I_LOAD_PAGE:
        a->pagebuf[(f[2] * 2u + (f[0] == 0x48)) % p->flash_page] = f[3];
        break;
    case I_WRITE_PAGE:
        addr = (flash_word(a, f) * 2) % p->flash_size / p->flash_page * p->flash_page;
        for (uint32_t i = 0; i < p->flash_page; i++)
            a->flash[addr + i] &= a->pagebuf[i];
        memset(a->pagebuf, 0xFF, p->flash_page);
        start_busy(a, t, EMU_BUSY_FLASH, addr, p->flash_page);
        break;
    case I_WRITE_EE_BYTE:
        if (!p->ee_size)
            break;
        addr = ((uint32_t)f[1] << 8 | f[2]) % p->ee_size;
        a->eeprom[addr] = f[3];
        start_busy(a, t, EMU_BUSY_EEPROM, addr, 1);
        break;
    case I_LOAD_EE_PAGE:
        a->eebuf[f[2] % p->ee_page] = f[3];
        a->eeloaded[f[2] % p->ee_page] = 1;
        break;
    case I_WRITE_EE_PAGE:
        if (!p->ee_size)
            break;
        addr = ((uint32_t)f[1] << 8 | f[2]) % p->ee_size / p->ee_page * p->ee_page;
        for (uint32_t i = 0; i < p->ee_page; i++)
            if (a->eeloaded[i])
                a->eeprom[addr + i] = a->eebuf[i];
        memset(a->eeloaded, 0, p->ee_page);
        start_busy(a, t, EMU_BUSY_EEPROM, addr, p->ee_page);
        break;
    case I_UNKNOWN:
        emu_st.v_unknown_instr++;
        break;
    }
}

static bool is_read_opcode(uint8_t b)
{
    return b == 0x20 || b == 0x28 || b == 0xA0 || b == 0x30 || b == 0x38 || b == 0x50 || b == 0x58;
}

/* A whole byte was clocked in: decide the next byte to shift out. */
static void byte_done(emu_avr *a, emu_ns t)
{
    uint8_t b = a->in;
    a->bits = 0;
    if (a->garble) {
        b ^= (uint8_t)(prng(a) | 1);
        emu_st.v_garbled_bytes++;
        if (a->enabled)
            emu_st.v_garbled_after_sync++;
        else
            emu_st.v_garbled_before_sync++;
        a->garble = false;
        a->frame_garbled = true;
    }
    a->frame[a->pos] = b;
    bool ready = a->enabled || (a->t_sync >= 0 && t - a->t_sync >= 20 * EMU_MS);
    if (a->pos == 0 && a->enabled && busy(a, t) && b == 0x4D) {
        /* Load Extended Address only sets the address register that the
         * data-polling reads after it use (avrdude sends it before each). */
        emu_st.v_read_busy++;
    } else if (a->pos == 0 && a->enabled && busy(a, t) && b != 0xF0) {
        a->frame_lost = true;
        if (is_read_opcode(b)) {
            /* The datasheets' "data polling": a read during a write answers
             * 0xFF and harms nothing (avrdude relies on it). */
            emu_st.v_read_busy++;
        } else {
            emu_st.v_busy_lost++;
            corrupt(a);
        }
    }
    if (a->frame_lost || !ready)
        a->out = 0xFF;
    else if (a->pos == 2 && a->enabled)
        a->out = read_data(a, t);
    else
        a->out = b;
    /* miso_flip=N: the byte loaded as byte N ends, read during byte N + 1 */
    for (int i = 0; i < emu_cfg_g.nmiso_flips; i++)
        if (emu_st.spi_bytes + 1 == emu_cfg_g.miso_flip_at[i])
            a->out ^= emu_cfg_g.miso_flip_mask[i];
    emu_st.spi_bytes++;
    if (++a->pos == 4) {
        a->pos = 0;
        execute(a, t);
    }
}

void emu_avr_pins(emu_avr *a, emu_ns t, int reset, int sck, int mosi)
{
    if (!emu_boards_at(a, t) || a->absent) {
        if (a->part.tpi)
            a->miso = mosi; /* TPIDATA: only the programmer's SDO through its resistor */
        return;
    }
    if (a->part.tpi) {
        emu_tpi_pins(a, t, reset, sck, mosi);
        return;
    }
    if (reset != a->reset) {
        a->reset = reset;
        a->enabled = false;
        a->bits = a->pos = 0;
        a->out = 0xFF;
        a->frame_lost = a->garble = a->frame_garbled = false;
        if (!reset) {
            a->t_sync = sck ? -1 : t;
        } else {
            /* Leaving programming mode: the chip starts with the fuses now
             * in its cells, so a new clock source applies from here. */
            a->t_sync = -1;
            memcpy(a->eff_fuses, a->fuses, 3);
            a->fck_hz = fck_of(a);
        }
    }
    if (sck != a->sck) {
        emu_ns phase = t - a->t_edge;
        a->t_edge = t;
        a->sck = sck;
        if (!a->reset) {
            /* The datasheet: each phase MORE than 2 target clocks (3 from
             * 12 MHz); exactly 2 is a violation. Edges are stamped in whole
             * ns, so a phase within 1 ns of the limit counts as on it. */
            int64_t clocks = a->fck_hz >= 12000000 ? 3 : 2;
            int64_t ph = phase > EMU_S ? EMU_S : phase;
            if (ph * (int64_t)a->fck_hz <= clocks * EMU_S + (int64_t)a->fck_hz)
                a->garble = true;
            if (sck) {
                a->in = (uint8_t)(a->in << 1 | (mosi & 1));
                if (++a->bits == 8)
                    byte_done(a, t);
            } else {
                if (a->t_sync < 0)
                    a->t_sync = t;
                a->miso = a->garble ? (int)(prng(a) & 1) : (a->out >> (7 - a->bits)) & 1;
            }
        }
    }
    a->mosi = mosi;
    if (a->reset)
        a->miso = 1;
}

static void dump_one(const char *dir, const char *tag, const char *file, const void *buf, size_t n)
{
    char path[1200];
    path_of(path, sizeof path, dir, tag, file);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(buf, 1, n, f) != n)
        emu_warn("%s: cannot write: %s", path, strerror(errno));
    if (f)
        fclose(f);
}

void emu_avr_dump(const emu_avr *a, const char *dir)
{
    if (a->tag[0]) {
        char sub[1200];
        snprintf(sub, sizeof sub, "%s/%s", dir, a->tag);
        sub[strlen(sub) - 1] = '\0';
        mkdir(sub, 0777);
    }
    dump_one(dir, a->tag, "flash.bin", a->flash, a->part.flash_size);
    dump_one(dir, a->tag, "eeprom.bin", a->eeprom, a->part.ee_size);
    dump_one(dir, a->tag, "fuses.bin", a->fuses, a->part.tpi ? 1 : 3); /* TPI: the config byte */
    dump_one(dir, a->tag, "lock.bin", &a->lock, 1);
}
