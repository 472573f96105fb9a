/* -c dryrun: a bridge with no adapter whose target is an AVR kept in this
 * process's memory. It answers the serial-programming instructions the
 * protocol clocks out, byte by byte, so every command runs the same protocol
 * code as on an adapter, and it keeps a real chip's rules, so a dry run
 * shows what a real run would do:
 * - programming mode only with RESET held and after Programming Enable;
 *   releasing RESET leaves it;
 * - a flash page write only clears bits (1 -> 0); only a chip erase sets
 *   them again; the page buffer is blank again after each page write;
 * - chip erase clears flash, lock bits, and EEPROM unless EESAVE is
 *   programmed; lock bits are only ever programmed; SPIEN cannot be changed
 *   over ISP;
 * - with lock mode 2 or 3 flash, EEPROM and fuse writes are ignored, and in
 *   mode 3 memories read 0xFF (the datasheets' "Lock Bit Protection Modes").
 * A TPI part (the ATtiny4/5/9/10/20/40/102/104) is answered bit by bit, as
 * the bits the FT232H would clock out reach TPIDATA: frames are decoded
 * from the stream (parity and stop bits checked: an error state until a
 * BREAK), an answer goes back as a frame after the guard time TPIPCR sets
 * and 2 idle bits, in the slots where TPIDATA carries it (elsewhere SDI
 * reads the host's own SDO through the resistor); the NVM is mapped only
 * after the key (SKEY), a word write only clears bits, chip and section
 * erase set them again, the configuration and lock bytes only go 1 -> 0
 * without an erase, NVLB programmed stops flash writes.
 * Its bit clock takes the FT232H's steps (60 MHz / (2 (1 + d))), so the
 * clock a dry run reports is the one an FT232H would use. A new dry chip
 * holds erased memories and the factory fuses. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ftisp/interrupt.h"
#include "ftisp/partdb.h"
#include "ftisp/wire.h"

#define DRY_CALIBRATION 0x80
#define DRY_BASE_HZ 30000000u   /* the FT232H's SCK at divisor 0 */
#define DRY_BATCH 4096u

/* The TPI target's state. */
typedef struct dry_tpi {
    bool error;               /* parity or frame error seen: deaf until a BREAK */
    bool wait_high;           /* after a BREAK: until TPIDATA is high again */
    int ones;                 /* idle bits seen since RESET (16 enable TPI) */
    int zeros;                /* low bits in a row (12: BREAK) */
    int rx_pos;               /* 0: waiting for a start bit; else bits of the frame */
    uint16_t rx;
    uint8_t op, args[8];
    int nargs, need;
    uint16_t pr;              /* pointer register */
    uint8_t tpisr, tpipcr, nvmcmd;
    uint8_t io[64];
    uint8_t sram[256];
    uint8_t tx[160];          /* the answer's bits, idle and guard first */
    int tx_len, tx_pos;
    uint8_t wbuf[8];          /* a word write's bytes (up to 4 words) */
    uint8_t wloaded;
    uint16_t waddr;
} dry_tpi;

typedef struct dry {
    const ft_part *p;
    dry_tpi tpi;
    uint8_t *flash, *eeprom, *page, *eepage, *eeloaded;
    uint8_t fuses[FT_MAX_FUSES];
    uint8_t lock;
    bool reset;               /* RESET asserted */
    bool enabled;             /* in programming mode */
    int pos;                  /* byte of the 4-byte instruction */
    uint8_t frame[4];
    uint8_t ext;              /* Load Extended Address byte */
    uint32_t sck;
    int hold;
    uint64_t tickets;
    ft_err err;
    ft_wire_stats st;
} dry;

static const ft_fuse *fuse_at(const ft_part *p, int index)
{
    for (int i = 0; i < p->nfuses; i++)
        if (p->fuses[i].index == index)
            return &p->fuses[i];
    return NULL;
}

/* LB1/LB2 (the part's LB field, the two low bits on most parts): 11 mode 1,
 * 10 mode 2 (no more programming), 00 mode 3 (no programming, no
 * verification). */
static uint8_t lb_mask(const dry *d)
{
    const ft_fuse *f;
    const ft_field *lb = ft_part_field(d->p, "LB", &f);
    return lb && lb->mask && f == &d->p->lock ? lb->mask : 0x03;
}
static bool write_locked(const dry *d) { return (d->lock & lb_mask(d)) != lb_mask(d); }
static bool read_locked(const dry *d) { return (d->lock & lb_mask(d)) == 0; }

static uint32_t flash_page(const dry *d) { return d->p->flash.page_size > 1 ? d->p->flash.page_size : 0; }
static uint32_t ee_page(const dry *d)
{
    return d->p->eeprom.paged && d->p->eeprom.page_size > 1 ? d->p->eeprom.page_size : 0;
}

static void chip_erase(dry *d)
{
    const ft_fuse *f;
    const ft_field *ees = ft_part_field(d->p, "EESAVE", &f);
    bool eesave = ees && ees->mask && (d->fuses[f->index] & ees->mask) != ees->mask;
    memset(d->flash, 0xff, d->p->flash.size);
    if (!eesave)
        memset(d->eeprom, 0xff, d->p->eeprom.size);
    d->lock = 0xff;
}

static void write_fuse(dry *d, int index, uint8_t v)
{
    const ft_fuse *f = fuse_at(d->p, index);
    if (!f || write_locked(d))
        return;
    uint8_t w = f->writable ? f->writable : 0xff;
    uint8_t nv = (uint8_t)(v | ~w);
    const ft_field *spien = ft_fuse_field(f, "SPIEN");
    if (spien)   /* not changeable in serial programming mode */
        nv = (uint8_t)((nv & ~spien->mask) | (d->fuses[index] & spien->mask));
    d->fuses[index] = nv;
}

static uint8_t read_fuse(const dry *d, int index)
{
    return fuse_at(d->p, index) ? d->fuses[index] : 0xff;
}

static uint8_t read_mem(const dry *d, const uint8_t *mem, uint32_t size, uint32_t a)
{
    return a < size && !read_locked(d) ? mem[a] : 0xff;
}

/* Flash byte address of word w's low (hi false) or high byte. */
static uint32_t flash_addr(const dry *d, uint32_t w, bool hi)
{
    return (((uint32_t)d->ext << 16 | w) << 1) | (hi ? 1u : 0u);
}

static void load_flash(dry *d, bool hi, uint32_t w, uint8_t v)
{
    uint32_t ps = flash_page(d);
    uint32_t a = flash_addr(d, w, hi);
    if (!ps) {   /* no page mode: the load is the write */
        if (a < d->p->flash.size && !write_locked(d))
            d->flash[a] &= v;
        return;
    }
    d->page[a % ps] = v;
}

static void write_flash_page(dry *d, uint32_t w)
{
    uint32_t ps = flash_page(d);
    if (!ps)
        return;
    uint32_t a = flash_addr(d, w, false) / ps * ps;
    if (a < d->p->flash.size && !write_locked(d))
        for (uint32_t k = 0; k < ps && a + k < d->p->flash.size; k++)
            d->flash[a + k] &= d->page[k];
    memset(d->page, 0xff, ps);
}

static void write_ee_page(dry *d, uint32_t a)
{
    uint32_t ps = ee_page(d);
    if (!ps)
        return;
    a = a / ps * ps;
    for (uint32_t k = 0; k < ps && a + k < d->p->eeprom.size; k++)
        if (d->eeloaded[k] && !write_locked(d))
            d->eeprom[a + k] = d->eepage[k];   /* an EEPROM write erases the byte first */
    memset(d->eeloaded, 0, ps);
}

/* The fourth byte's answer to instruction f[0..2] (and f[3] for writes,
 * which are carried out when the instruction is complete). */
static uint8_t execute(dry *d, const uint8_t *f)
{
    uint32_t ab = (uint32_t)f[1] << 8 | f[2];
    uint32_t ees = d->p->eeprom.size;
    switch (f[0]) {
    case 0xAC:
        switch (f[1]) {
        case 0x53: return f[2];
        case 0x80: chip_erase(d); return f[2];
        case 0xE0: {
            uint8_t w = d->p->lock.writable ? d->p->lock.writable : 0xff;
            d->lock &= (uint8_t)(f[3] | ~w);   /* only an erase unprograms lock bits */
            return f[2];
        }
        case 0xA0: write_fuse(d, 0, f[3]); return f[2];
        case 0xA8: write_fuse(d, 1, f[3]); return f[2];
        case 0xA4: write_fuse(d, 2, f[3]); return f[2];
        }
        return f[2];
    case 0xF0: return 0x00;   /* never busy */
    case 0x4D: d->ext = f[2]; return 0;
    case 0x40: load_flash(d, false, ab, f[3]); return 0;
    case 0x48: load_flash(d, true, ab, f[3]); return 0;
    case 0x4C: write_flash_page(d, ab); return 0;
    case 0x20: return read_mem(d, d->flash, d->p->flash.size, flash_addr(d, ab, false));
    case 0x28: return read_mem(d, d->flash, d->p->flash.size, flash_addr(d, ab, true));
    case 0xC1:
        if (ee_page(d)) {
            d->eepage[f[2] % ee_page(d)] = f[3];
            d->eeloaded[f[2] % ee_page(d)] = 1;
        }
        return 0;
    case 0xC2: write_ee_page(d, ab); return 0;
    case 0xC0:
        if (ab < ees && !write_locked(d))
            d->eeprom[ab] = f[3];
        return 0;
    case 0xA0: return read_mem(d, d->eeprom, ees, ab);
    case 0x58: return f[1] == 0x08 ? read_fuse(d, 1) : d->lock;
    case 0x50: return read_fuse(d, f[1] == 0x08 ? 2 : 0);
    case 0x30: return f[2] < 3 ? d->p->signature[f[2]] : 0xff;
    case 0x38: return f[2] < d->p->calibration_bytes ? DRY_CALIBRATION : 0xff;
    }
    return 0xff;
}

/* ---- TPI ---- */

#define TPI_NVMEN 0x02
#define TPI_NVMCSR 0x32
#define TPI_NVMCMD 0x33
#define TPI_LOCK 0x3F00u
#define TPI_CONFIG 0x3F40u
#define TPI_CALIB 0x3F80u
#define TPI_SIG 0x3FC0u
#define TPI_FLASH 0x4000u

static const uint8_t tpi_key[8] = {0xFF, 0x88, 0xD8, 0xCD, 0x45, 0xAB, 0x89, 0x12};

static int parity8(uint8_t v)
{
    v ^= v >> 4;
    v ^= v >> 2;
    v ^= v >> 1;
    return v & 1;
}

static bool tpi_nvm(const dry *d) { return d->tpi.tpisr & TPI_NVMEN; }

static uint8_t tpi_read(dry *d, uint16_t a)
{
    dry_tpi *T = &d->tpi;
    if (a < 0x40)
        return a == TPI_NVMCSR ? 0x00 /* never busy */ : a == TPI_NVMCMD ? T->nvmcmd : T->io[a];
    if (a < 0x40u + d->p->sram_size && a - 0x40u < sizeof T->sram)
        return T->sram[a - 0x40];
    if (a < TPI_LOCK || !tpi_nvm(d))
        return 0x00;   /* nothing there, or the NVM not mapped without the key */
    if (a >= TPI_FLASH)
        return read_mem(d, d->flash, d->p->flash.size, a - TPI_FLASH);
    unsigned off = a & 0x3F;
    switch (a & 0xFFC0) {
    case TPI_LOCK: return off == 0 ? d->lock : 0xff;
    case TPI_CONFIG: return off == 0 ? d->fuses[0] : 0xff;
    case TPI_CALIB: return off < d->p->calibration_bytes ? DRY_CALIBRATION : 0xff;
    case TPI_SIG: return off < 3 ? d->p->signature[off] : 0xff;
    }
    return 0xff;
}

static void tpi_commit(dry *d)
{
    dry_tpi *T = &d->tpi;
    const ft_part *p = d->p;
    unsigned n = 2u * (p->tpi_words ? p->tpi_words : 1);
    uint16_t a = T->waddr;
    if (a >= TPI_FLASH && a - TPI_FLASH < p->flash.size) {
        if (!write_locked(d))
            for (unsigned i = 0; i < n && a - TPI_FLASH + i < p->flash.size; i++)
                if (T->wloaded >> i & 1)
                    d->flash[a - TPI_FLASH + i] &= T->wbuf[i];   /* bits only go 1 -> 0 */
    } else if (a == TPI_CONFIG && (T->wloaded & 1)) {
        const ft_fuse *f = fuse_at(p, 0);
        uint8_t w = f && f->writable ? f->writable : 0xff;
        d->fuses[0] &= (uint8_t)(T->wbuf[0] | ~w);
    } else if (a == TPI_LOCK && (T->wloaded & 1)) {
        uint8_t w = p->lock.writable ? p->lock.writable : 0xff;
        d->lock &= (uint8_t)(T->wbuf[0] | ~w);
    }
    T->wloaded = 0;
}

static void tpi_write(dry *d, uint16_t a, uint8_t v)
{
    dry_tpi *T = &d->tpi;
    const ft_part *p = d->p;
    if (a < 0x40) {
        if (a == TPI_NVMCMD)
            T->nvmcmd = v & 0x3F;
        else if (a != TPI_NVMCSR)
            T->io[a] = v;
        return;
    }
    if (a < 0x40u + p->sram_size && a - 0x40u < sizeof T->sram) {
        T->sram[a - 0x40] = v;
        return;
    }
    if (a < TPI_LOCK || !tpi_nvm(d))
        return;
    bool code = a >= TPI_FLASH && a - TPI_FLASH < p->flash.size;
    switch (T->nvmcmd) {
    case 0x10:   /* chip erase: a dummy write to a high byte of flash */
        if (code && (a & 1)) {
            memset(d->flash, 0xff, p->flash.size);
            d->lock = 0xff;
        }
        break;
    case 0x14:   /* section erase: the section of the high byte written */
        if (!(a & 1))
            break;
        if (code && !write_locked(d))
            memset(d->flash, 0xff, p->flash.size);
        else if ((a & 0xFFC0) == TPI_CONFIG)
            d->fuses[0] = 0xff;
        break;
    case 0x1D: {   /* word write: the high byte of the group's last word starts it */
        unsigned n = 2u * (p->tpi_words ? p->tpi_words : 1);
        uint16_t base = (uint16_t)(a & ~(n - 1));
        if (!T->wloaded || base != T->waddr) {
            memset(T->wbuf, 0xff, sizeof T->wbuf);
            T->wloaded = 0;
            T->waddr = base;
        }
        T->wbuf[a - base] = v;
        T->wloaded |= (uint8_t)(1u << (a - base));
        if ((unsigned)(a - base) == n - 1)
            tpi_commit(d);
        break;
    }
    }
}

/* An answer: guard time, 2 idle bits, then the frame. */
static void tpi_reply(dry *d, uint8_t v)
{
    dry_tpi *T = &d->tpi;
    static const int guard[8] = {128, 64, 32, 16, 8, 4, 2, 0};
    int n = 0;
    for (int i = 0; i < guard[T->tpipcr & 7] + 2; i++)
        T->tx[n++] = 1;
    T->tx[n++] = 0;
    for (int i = 0; i < 8; i++)
        T->tx[n++] = v >> i & 1;
    T->tx[n++] = (uint8_t)parity8(v);
    T->tx[n++] = 1;
    T->tx[n++] = 1;
    T->tx_len = n;
    T->tx_pos = 0;
}

static uint8_t tpi_cs(const dry_tpi *T, unsigned r)
{
    return r == 0x00 ? T->tpisr : r == 0x02 ? T->tpipcr : r == 0x0F ? 0x80 : 0x00;
}

static int tpi_operands(uint8_t op)
{
    if (op == 0xE0)
        return 8;   /* SKEY */
    if (op == 0x60 || op == 0x64 || op == 0x68 || op == 0x69 || (op & 0x90) == 0x90 || (op & 0xF0) == 0xC0)
        return 1;   /* SST, SST+, SSTPR, SOUT, SSTCS */
    return 0;
}

static void tpi_execute(dry *d)
{
    dry_tpi *T = &d->tpi;
    uint8_t op = T->op;
    unsigned io = (unsigned)((op >> 1 & 0x30) | (op & 0x0F));
    if (op == 0x20 || op == 0x24) {            /* SLD, SLD+ */
        tpi_reply(d, tpi_read(d, T->pr));
        if (op & 4)
            T->pr++;
    } else if (op == 0x60 || op == 0x64) {     /* SST, SST+ */
        tpi_write(d, T->pr, T->args[0]);
        if (op & 4)
            T->pr++;
    } else if (op == 0x68 || op == 0x69) {     /* SSTPR */
        T->pr = op & 1 ? (uint16_t)((T->pr & 0x00FF) | T->args[0] << 8)
                       : (uint16_t)((T->pr & 0xFF00) | T->args[0]);
    } else if (op == 0xE0) {                   /* SKEY */
        if (memcmp(T->args, tpi_key, 8) == 0)
            T->tpisr |= TPI_NVMEN;
    } else if ((op & 0x90) == 0x10) {          /* SIN */
        tpi_reply(d, tpi_read(d, (uint16_t)io));
    } else if ((op & 0x90) == 0x90) {          /* SOUT */
        tpi_write(d, (uint16_t)io, T->args[0]);
    } else if ((op & 0xF0) == 0x80) {          /* SLDCS */
        tpi_reply(d, tpi_cs(T, op & 0x0F));
    } else if ((op & 0xF0) == 0xC0) {          /* SSTCS */
        if ((op & 0x0F) == 0x00)
            T->tpisr &= (uint8_t)(T->args[0] | ~TPI_NVMEN);   /* NVMEN can only be cleared */
        else if ((op & 0x0F) == 0x02)
            T->tpipcr = T->args[0] & 7;
    }
}

static void tpi_got(dry *d, uint8_t b)
{
    dry_tpi *T = &d->tpi;
    if (T->need == 0) {
        T->op = b;
        T->nargs = 0;
        T->need = tpi_operands(b);
        if (T->need == 0)
            tpi_execute(d);
        return;
    }
    T->args[T->nargs++] = b;
    if (T->nargs == T->need) {
        T->need = 0;
        tpi_execute(d);
    }
}

/* One TPICLK cycle: the host's bit in, what SDI reads out. */
static int tpi_bit(dry *d, int b)
{
    dry_tpi *T = &d->tpi;
    if (T->tx_pos < T->tx_len) {
        /* the target drives TPIDATA and wins over SDO's resistor */
        int v = T->tx[T->tx_pos++];
        if (T->tx_pos == T->tx_len)
            T->tx_len = T->tx_pos = T->zeros = T->rx_pos = 0;
        return v;
    }
    if (b) {
        T->zeros = 0;
    } else if (++T->zeros == 12) {   /* BREAK: out of the error state, the frame dropped */
        T->error = false;
        T->need = 0;
        T->rx_pos = 0;
        T->wait_high = true;
        return b;
    }
    if (T->wait_high) {
        T->wait_high = !b;
        return b;
    }
    if (T->ones < 16) {   /* enabling: 16 idle bits first */
        T->ones = b ? T->ones + 1 : 0;
        return b;
    }
    if (T->rx_pos == 0) {
        if (!b) {
            T->rx_pos = 1;
            T->rx = 0;
        }
        return b;
    }
    T->rx |= (uint16_t)(b << (T->rx_pos - 1));
    if (++T->rx_pos < 12)
        return b;
    T->rx_pos = 0;
    uint8_t v = (uint8_t)T->rx;
    if (T->error)
        return b;
    if ((T->rx >> 8 & 1) != parity8(v) || !(T->rx >> 9 & 1) || !(T->rx >> 10 & 1)) {
        T->error = true;   /* parity or stop bits wrong: deaf until a BREAK */
        T->need = 0;
        return b;
    }
    tpi_got(d, v);
    return b;
}

static uint8_t tpi_byte(dry *d, uint8_t b)
{
    d->st.spi_bytes++;
    if (!d->reset)
        return b;   /* TPI off: SDI reads SDO through the resistor */
    uint8_t r = 0;
    for (int i = 7; i >= 0; i--)
        r |= (uint8_t)(tpi_bit(d, b >> i & 1) << i);
    return r;
}

/* One byte clocked: what the target shifts back while it goes in. */
static uint8_t clock_byte(dry *d, uint8_t b)
{
    if (d->p->protocol == FT_PROTO_TPI)
        return tpi_byte(d, b);
    d->st.spi_bytes++;
    if (!d->reset)
        return 0xff;   /* running: MISO is not driven, the pull-up reads */
    d->frame[d->pos] = b;
    uint8_t r = d->pos > 0 ? d->frame[d->pos - 1] : 0xff;
    if (d->pos == 2 && !d->enabled && !(d->frame[0] == 0xAC && d->frame[1] == 0x53))
        r = 0xff;
    if (d->pos == 3) {
        if (d->frame[0] == 0xAC && d->frame[1] == 0x53)
            d->enabled = true;
        r = d->enabled ? execute(d, d->frame) : 0xff;
    }
    d->pos = (d->pos + 1) % 4;
    return r;
}

static int d_check_interrupt(void *b)
{
    dry *d = b;
    int sig = ft_interrupt_signal();
    if (sig && d->hold == 0 && !d->err.code)
        ft_err_set(&d->err, FT_E_INTERRUPTED, "interrupted (%s)", ft_interrupt_name(sig));
    return d->err.code;
}

static void d_shift(void *b, const uint8_t *out, uint8_t *in, size_t n)
{
    dry *d = b;
    if (d_check_interrupt(d))
        return;
    d->st.bytes_out += n;
    for (size_t i = 0; i < n; i++) {
        uint8_t r = clock_byte(d, out[i]);
        if (in)
            in[i] = r;
    }
}

static void d_reset(void *b, bool asserted)
{
    dry *d = b;
    if (d_check_interrupt(d) && asserted)
        return;   /* releasing RESET always goes through */
    if (asserted != d->reset) {
        d->pos = 0;
        if (asserted || !(d->tpi.tpisr & TPI_NVMEN))   /* NVMEN set: stays enabled till power-down */
            memset(&d->tpi, 0, sizeof d->tpi);
    }
    d->reset = asserted;
    if (!asserted)
        d->enabled = false;
}

static void d_close(void *b)
{
    dry *d = b;
    if (!d)
        return;
    free(d->flash);
    free(d->eeprom);
    free(d->page);
    free(d->eepage);
    free(d->eeloaded);
    free(d);
}

static const char *d_describe(const void *b) { (void)b; return "dryrun (host memory, no USB)"; }
static const char *d_serial(const void *b) { (void)b; return ""; }

static uint32_t d_set_clock(void *b, uint32_t hz)
{
    dry *d = b;
    uint32_t div = hz ? (DRY_BASE_HZ + hz - 1) / hz : 65536;
    div = div < 1 ? 1 : div > 65536 ? 65536 : div;
    d->sck = DRY_BASE_HZ / div;
    return d->sck;
}

static uint32_t d_clock(const void *b) { return ((const dry *)b)->sck; }
static void d_led(void *b, int led, bool on) { (void)b, (void)led, (void)on; }
static void d_pin(void *b, int pin, bool high) { (void)b, (void)pin, (void)high; }

static int d_flush(void *b)
{
    dry *d = b;
    d->st.flushes++;
    return d->err.code;
}

static uint64_t d_send(void *b)
{
    dry *d = b;
    if (d->err.code)
        return 0;
    d->st.batches++;
    return ++d->tickets;
}

static int d_wait(void *b, uint64_t ticket) { (void)ticket; return ((dry *)b)->err.code; }
/* Nothing to wait for: the host-memory chip is never busy. */
static int d_sleep_us(void *b, uint32_t us) { (void)us; return d_check_interrupt(b); }
static void d_hold(void *b, bool hold) { ((dry *)b)->hold += hold ? 1 : -1; }
static int d_error(const void *b) { return ((const dry *)b)->err.code; }

static int d_take_error(void *b, ft_err *err)
{
    dry *d = b;
    int code = d->err.code;
    if (code)
        ft_err_set(err, code, "%s", d->err.msg);
    memset(&d->err, 0, sizeof d->err);
    return code;
}

static void d_stats(const void *b, ft_wire_stats *s) { *s = ((const dry *)b)->st; }
static void d_trace(void *b, ft_wire_trace_fn fn, void *ctx) { (void)b, (void)fn, (void)ctx; }

static const ft_wire_ops dry_ops = {
    .close = d_close, .describe = d_describe, .serial = d_serial,
    .set_clock = d_set_clock, .clock = d_clock,
    .reset = d_reset, .led = d_led, .pin = d_pin,
    .shift = d_shift, .flush = d_flush, .send = d_send, .wait = d_wait, .sleep_us = d_sleep_us,
    .hold_interrupts = d_hold, .check_interrupt = d_check_interrupt,
    .error = d_error, .take_error = d_take_error,
    .get_stats = d_stats, .set_trace = d_trace,
};

static int ft_dry_wire_open(const ft_wire_opts *o, const ft_wire_ops **ops, void **b, ft_wire_caps *caps,
                            ft_err *err)
{
    const ft_part *p = o ? o->part : NULL;
    if (!p)
        return ft_err_set(err, FT_E_USAGE, "-c dryrun needs a part (-p)");
    dry *d = calloc(1, sizeof *d);
    uint32_t ps = p->flash.page_size > 1 ? p->flash.page_size : 1;
    uint32_t es = p->eeprom.page_size > 1 ? p->eeprom.page_size : 1;
    if (d) {
        d->flash = malloc(p->flash.size ? p->flash.size : 1);
        d->eeprom = malloc(p->eeprom.size ? p->eeprom.size : 1);
        d->page = malloc(ps);
        d->eepage = malloc(es);
        d->eeloaded = calloc(es, 1);
    }
    if (!d || !d->flash || !d->eeprom || !d->page || !d->eepage || !d->eeloaded) {
        d_close(d);
        return ft_err_set(err, FT_E_FAIL, "out of memory");
    }
    d->p = p;
    memset(d->flash, 0xff, p->flash.size);
    memset(d->eeprom, 0xff, p->eeprom.size);
    memset(d->page, 0xff, ps);
    memset(d->fuses, 0xff, sizeof d->fuses);
    for (int i = 0; i < p->nfuses; i++) {
        const ft_fuse *f = &p->fuses[i];
        uint8_t w = f->writable ? f->writable : 0xff;
        d->fuses[f->index] = (uint8_t)(f->factory | ~w);
    }
    uint8_t lw = p->lock.writable ? p->lock.writable : 0xff;
    d->lock = (uint8_t)((p->lock.factory ? p->lock.factory : 0xff) | ~lw);
    d->sck = DRY_BASE_HZ / 256;
    *ops = &dry_ops;
    *b = d;
    *caps = (ft_wire_caps){.max_batch = DRY_BATCH, .clock_min_hz = DRY_BASE_HZ / 65536,
                           .clock_max_hz = DRY_BASE_HZ, .host_memory = true};
    return FT_OK;
}

const ft_bridge ft_bridge_dry = {
    .type = "dryrun",
    .desc = "no adapter: a chip in host memory",
    .how = NULL,
    .default_programmer = NULL,
    .chips = NULL,
    .open = ft_dry_wire_open,
};
