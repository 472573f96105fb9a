/* A TPI target (ATtiny4/5/9/10, 20/40, 102/104), driven only by pin levels
 * at modeled times, as the datasheets' "Programming interface" (TPI) and
 * "Memory programming" chapters describe it. Wiring (the one avrdude's
 * ft232h entry uses for TPI): TPICLK = SCK (AD0); TPIDATA is the target's
 * pin, fed from SDO (AD1) through a series resistor of about 1 kOhm and read
 * on SDI (AD2) directly. So when the target drives TPIDATA it wins, and SDI
 * reads the wire; when it does not, the wire follows SDO. RESET as for ISP.
 * See README.md "TPI target" for the rules and the statistics. */
#include <stdio.h>
#include <string.h>

#include "emu_internal.h"

enum { T_SLD, T_SST, T_SSTPR, T_SIN, T_SOUT, T_SLDCS, T_SSTCS, T_SKEY, T_UNKNOWN, T_N };
static const char *const tnames[T_N] = {"sld", "sst", "sstpr", "sin", "sout", "sldcs", "sstcs", "skey", "unknown"};

static struct {
    bool used;
    long frames_in, frames_out, instr[T_N];
    long parity_errors, frame_errors, collisions, frames_ignored, breaks, enable_early;
    long garbled_bits, nvm_without_key, nvm_while_busy, nvm_locked_writes, bad_keys;
    long word_writes, chip_erases, section_erases, nvmen_at_release, rstdisbl_blocked;
    long contention_bits;
} ts;

#define NVMEN 0x02
#define IO_NVMCSR 0x32
#define IO_NVMCMD 0x33
#define NVM_NOP 0x00
#define NVM_CHIP_ERASE 0x10
#define NVM_SECTION_ERASE 0x14
#define NVM_WORD_WRITE 0x1D
#define A_LOCK 0x3F00
#define A_CONFIG 0x3F40
#define A_CALIB 0x3F80
#define A_SIG 0x3FC0
#define A_FLASH 0x4000u
/* TPICLK: at most 2 MHz and each phase at least 200 ns (5 V). Edges are
 * stamped in whole ns: 1 ns of slack so that exactly 2 MHz passes. */
#define TPI_MIN_PERIOD_NS 499
#define TPI_MIN_PHASE_NS 199

/* The NVM key, as sent: least significant byte first. */
static const uint8_t nvm_key[8] = {0xFF, 0x88, 0xD8, 0xCD, 0x45, 0xAB, 0x89, 0x12};

static uint32_t noise(emu_avr *a)
{
    uint32_t x = a->prng;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return a->prng = x;
}

static bool busy(const emu_avr *a, emu_ns t)
{
    return t < a->busy_until;
}

static void start_busy(emu_avr *a, emu_ns t, int kind)
{
    long o = emu_cfg_g.twd_us[kind];
    emu_ns d = o >= 0 ? (emu_ns)o * EMU_US
                      : (emu_ns)((double)a->part.twd_us[kind] * emu_cfg_g.busy_scale * EMU_US);
    a->busy_until = t + d;
    a->busy_kind = kind;
    emu_st.busy_ns += d;
}

void emu_tpi_init(emu_avr *a)
{
    emu_tpi *T = &a->tpi;
    memset(T, 0, sizeof *T);
    T->eff_config = a->fuses[0]; /* power-up: the configuration byte applies */
    T->t_rise = T->t_fall = -EMU_S;
    a->fuses[1] = a->fuses[2] = 0xFF;
    ts.used = true;
}

/* ---- the data space ---- */

static uint8_t io_read(emu_avr *a, emu_ns t, unsigned r)
{
    emu_tpi *T = &a->tpi;
    if (r == IO_NVMCSR)
        return busy(a, t) ? 0x80 : 0x00;
    if (r == IO_NVMCMD)
        return T->nvmcmd;
    return T->io[r & 63];
}

static void io_write(emu_avr *a, unsigned r, uint8_t v)
{
    emu_tpi *T = &a->tpi;
    if (r == IO_NVMCMD)
        T->nvmcmd = v & 0x3F;
    else if (r != IO_NVMCSR) /* NVMBSY is read-only */
        T->io[r & 63] = v;
}

static bool nvm_ok(emu_avr *a, emu_ns t, bool write)
{
    if (!(a->tpi.tpisr & NVMEN)) {
        ts.nvm_without_key++;
        return false;
    }
    if (busy(a, t)) {
        /* "While the Flash is being erased [or written] neither Flash buffer
         * loading nor Flash reading can be performed": a write is lost, a
         * read returns noise. */
        ts.nvm_while_busy++;
        (void)write;
        return false;
    }
    return true;
}

static uint8_t ds_read(emu_avr *a, emu_ns t, uint16_t addr)
{
    emu_tpi *T = &a->tpi;
    const emu_part *p = &a->part;
    if (addr < 0x40)
        return io_read(a, t, addr);
    if (addr < 0x40u + sizeof T->sram)
        return T->sram[addr - 0x40];
    if (addr < A_LOCK)
        return 0x00;
    if (!nvm_ok(a, t, false))
        return (T->tpisr & NVMEN) ? (uint8_t)noise(a) : 0x00; /* no key: NVM not mapped */
    if (addr >= A_FLASH)
        return addr - A_FLASH < p->flash_size ? a->flash[addr - A_FLASH] : 0xFF;
    unsigned off = addr & 0x3F;
    switch (addr & 0xFFC0) {
    case A_LOCK: return off == 0 ? a->lock : 0xFF;
    case A_CONFIG: return off == 0 ? a->fuses[0] : 0xFF;
    case A_CALIB: return off == 0 ? a->calib : 0xFF;
    case A_SIG: return off < 3 ? p->sig[off] : 0xFF;
    }
    return 0xFF;
}

static bool flash_locked(const emu_avr *a)
{
    return (a->lock & 3) != 3; /* NVLB programmed: further programming disabled */
}

static void commit_words(emu_avr *a, emu_ns t)
{
    emu_tpi *T = &a->tpi;
    const emu_part *p = &a->part;
    unsigned n = 2u * (p->tpi_words ? p->tpi_words : 1);
    uint16_t base = T->waddr;
    if (base >= A_FLASH && base - A_FLASH < p->flash_size) {
        if (flash_locked(a)) {
            ts.nvm_locked_writes++;
        } else {
            /* Writing a word that is not erased: the datasheet says its
             * content is corrupted; here its bits only go 1 -> 0. */
            for (unsigned i = 0; i < n && base - A_FLASH + i < p->flash_size; i++)
                if (T->wloaded >> i & 1)
                    a->flash[base - A_FLASH + i] &= T->wbuf[i];
            start_busy(a, t, EMU_BUSY_FLASH);
            ts.word_writes++;
            emu_boards_note(a, t, I_WRITE_PAGE);
        }
    } else if (base == A_CONFIG) {
        if (T->wloaded & 1)
            a->fuses[0] &= (uint8_t)(T->wbuf[0] | ~p->fuse_writable[0]);
        start_busy(a, t, EMU_BUSY_FUSE);
    } else if (base == A_LOCK) {
        if (T->wloaded & 1)
            a->lock &= (uint8_t)(T->wbuf[0] | ~p->lock_writable);
        start_busy(a, t, EMU_BUSY_FUSE);
    }
    T->wloaded = 0;
}

static void ds_write(emu_avr *a, emu_ns t, uint16_t addr, uint8_t v)
{
    emu_tpi *T = &a->tpi;
    const emu_part *p = &a->part;
    if (addr < 0x40) {
        io_write(a, addr, v);
        return;
    }
    if (addr < 0x40u + sizeof T->sram) {
        T->sram[addr - 0x40] = v;
        return;
    }
    if (addr < A_LOCK || !nvm_ok(a, t, true))
        return;
    bool code = addr >= A_FLASH && addr - A_FLASH < p->flash_size;
    switch (T->nvmcmd) {
    case NVM_CHIP_ERASE:
        /* started by a dummy write to the high byte of a code word */
        if (code && (addr & 1)) {
            memset(a->flash, 0xFF, p->flash_size);
            a->lock = p->lock_factory;
            start_busy(a, t, EMU_BUSY_ERASE);
            ts.chip_erases++;
            emu_boards_note(a, t, I_CHIP_ERASE);
        }
        break;
    case NVM_SECTION_ERASE:
        if (!(addr & 1))
            break;
        if (code) {
            if (flash_locked(a)) {
                ts.nvm_locked_writes++;
                break;
            }
            memset(a->flash, 0xFF, p->flash_size);
        } else if ((addr & 0xFFC0) == A_CONFIG) {
            a->fuses[0] = 0xFF;
        } else {
            break;
        }
        start_busy(a, t, EMU_BUSY_ERASE);
        ts.section_erases++;
        break;
    case NVM_WORD_WRITE: {
        /* low byte, then the high byte starts the write; the ATtiny20/40
         * write 2/4 words at once: the high byte of the group's last word
         * starts it */
        unsigned n = 2u * (p->tpi_words ? p->tpi_words : 1);
        uint16_t base = (uint16_t)(addr & ~(n - 1));
        if (!T->wloaded || base != T->waddr) {
            memset(T->wbuf, 0xFF, sizeof T->wbuf);
            T->wloaded = 0;
            T->waddr = base;
        }
        T->wbuf[addr - base] = v;
        T->wloaded |= (uint8_t)(1u << (addr - base));
        if ((unsigned)(addr - base) == n - 1)
            commit_words(a, t);
        break;
    }
    default: /* NO_OPERATION or a code the NVM controller does not know */
        break;
    }
}

/* ---- the access layer ---- */

static int kind_of(uint8_t op)
{
    if (op == 0x20 || op == 0x24)
        return T_SLD;
    if (op == 0x60 || op == 0x64)
        return T_SST;
    if (op == 0x68 || op == 0x69)
        return T_SSTPR;
    if (op == 0xE0)
        return T_SKEY;
    if ((op & 0x90) == 0x10)
        return T_SIN;
    if ((op & 0x90) == 0x90)
        return T_SOUT;
    if ((op & 0xF0) == 0x80)
        return T_SLDCS;
    if ((op & 0xF0) == 0xC0)
        return T_SSTCS;
    return T_UNKNOWN;
}

static int operands(int kind)
{
    switch (kind) {
    case T_SST: case T_SSTPR: case T_SOUT: case T_SSTCS: return 1;
    case T_SKEY: return 8;
    }
    return 0;
}

static unsigned sio_addr(uint8_t op)
{
    return (unsigned)((op >> 1 & 0x30) | (op & 0x0F));
}

static int parity8(uint8_t v)
{
    v ^= v >> 4;
    v ^= v >> 2;
    v ^= v >> 1;
    return v & 1;
}

/* The answer frame: guard time + 2 idle bits, start, 8 data bits LSB first,
 * even parity, 2 stop bits. miso_flip=N[:BIT] flips data bits of the Nth
 * frame the targets send (counted from 1 over all TPI targets) after the
 * parity was computed: the programmer sees a parity error. */
static void reply(emu_avr *a, uint8_t v)
{
    emu_tpi *T = &a->tpi;
    static const int guard[8] = {128, 64, 32, 16, 8, 4, 2, 0};
    int n = 0, par = parity8(v);
    ts.frames_out++;
    for (int i = 0; i < emu_cfg_g.nmiso_flips; i++)
        if (ts.frames_out == emu_cfg_g.miso_flip_at[i])
            v ^= emu_cfg_g.miso_flip_mask[i];
    for (int i = 0; i < guard[T->tpipcr & 7] + 2; i++)
        T->txbits[n++] = 1;
    T->txbits[n++] = 0;
    for (int i = 0; i < 8; i++)
        T->txbits[n++] = v >> i & 1;
    T->txbits[n++] = (uint8_t)par;
    T->txbits[n++] = 1;
    T->txbits[n++] = 1;
    T->tx_len = n;
    T->tx_pos = 0;
    T->tx = true;
}

static uint8_t cs_read(const emu_tpi *T, unsigned r)
{
    switch (r) {
    case 0x00: return T->tpisr;
    case 0x02: return T->tpipcr & 7;
    case 0x0F: return 0x80; /* TPIIR: the TPI identification code */
    }
    return 0x00;
}

static void execute(emu_avr *a, emu_ns t)
{
    emu_tpi *T = &a->tpi;
    uint8_t op = T->op;
    int k = kind_of(op);
    ts.instr[k]++;
    if (emu_cfg_g.trace)
        fprintf(stderr, "ftemu: t=%.6f TPI %s %02X%s%02X pr=%04X\n", (double)t / EMU_S, tnames[k], op,
                T->nargs ? " " : "", T->nargs ? T->args[0] : 0, T->pr);
    switch (k) {
    case T_SLD:
        reply(a, ds_read(a, t, T->pr));
        if (op & 4)
            T->pr++;
        break;
    case T_SST:
        ds_write(a, t, T->pr, T->args[0]);
        if (op & 4)
            T->pr++;
        break;
    case T_SSTPR:
        T->pr = op & 1 ? (uint16_t)((T->pr & 0x00FF) | T->args[0] << 8)
                       : (uint16_t)((T->pr & 0xFF00) | T->args[0]);
        break;
    case T_SIN:
        reply(a, io_read(a, t, sio_addr(op)));
        break;
    case T_SOUT:
        io_write(a, sio_addr(op), T->args[0]);
        break;
    case T_SLDCS:
        reply(a, cs_read(T, op & 0x0F));
        break;
    case T_SSTCS:
        if ((op & 0x0F) == 0x00)
            T->tpisr &= (uint8_t)(T->args[0] | ~NVMEN); /* NVMEN can only be cleared */
        else if ((op & 0x0F) == 0x02)
            T->tpipcr = T->args[0] & 7;
        break;
    case T_SKEY:
        if (memcmp(T->args, nvm_key, 8) == 0) {
            T->tpisr |= NVMEN;
            emu_boards_note(a, t, I_PROG_ENABLE);
        } else {
            ts.bad_keys++;
        }
        break;
    }
}

static void got_byte(emu_avr *a, emu_ns t, uint8_t b)
{
    emu_tpi *T = &a->tpi;
    ts.frames_in++;
    if (T->need == 0) {
        T->op = b;
        T->nargs = 0;
        T->need = (uint8_t)operands(kind_of(b));
        if (T->need == 0)
            execute(a, t);
        return;
    }
    T->args[T->nargs++] = b;
    if (T->nargs == T->need) {
        T->need = 0;
        execute(a, t);
    }
}

/* ---- the physical layer ---- */

static void to_error(emu_tpi *T)
{
    T->error = true;
    T->need = 0;
    T->rx_pos = 0;
    T->tx = false;
    T->drv = 0;
}

static void rx_bit(emu_avr *a, emu_ns t, int b)
{
    emu_tpi *T = &a->tpi;
    if (b) {
        T->zeros = 0;
    } else if (++T->zeros == 12) {
        /* BREAK: the access layer leaves the error state and drops what it
         * was receiving */
        ts.breaks++;
        T->error = false;
        T->need = 0;
        T->rx_pos = 0;
        T->wait_high = true;
        return;
    }
    if (T->wait_high) {
        T->wait_high = !b;
        return;
    }
    if (T->ones < 16) { /* enabling: TPIDATA high for 16 TPICLK cycles first */
        if (b) {
            T->ones++;
        } else {
            ts.enable_early += T->zeros == 1; /* once per low run */
            T->ones = 0;
        }
        return;
    }
    if (T->rx_pos == 0) {
        if (!b) {
            T->rx_pos = 1;
            T->rx = 0;
        }
        return;
    }
    T->rx |= (uint16_t)(b << (T->rx_pos - 1));
    if (++T->rx_pos < 12)
        return;
    T->rx_pos = 0;
    uint8_t data = (uint8_t)T->rx;
    int par = T->rx >> 8 & 1, s1 = T->rx >> 9 & 1, s2 = T->rx >> 10 & 1;
    if (T->error) {
        ts.frames_ignored++;
        return;
    }
    if (par != parity8(data)) {
        ts.parity_errors++;
        to_error(T);
        return;
    }
    if (!s1 || !s2) {
        ts.frame_errors++;
        to_error(T);
        return;
    }
    got_byte(a, t, data);
}

/* A rising edge while transmitting: the bit of this slot is on the wire.
 * The driver is on for a 0 and for the first 1 after a 0; otherwise the
 * pin is tri-stated with its pull-up and the target watches for a low:
 * that is a collision. */
static void tx_slot(emu_avr *a, int wire, int mosi)
{
    emu_tpi *T = &a->tpi;
    if (!T->drv && !wire) {
        ts.collisions++;
        to_error(T);
        T->zeros = 1;
        return;
    }
    if (T->drv && mosi != T->drv_bit)
        ts.contention_bits++; /* SDO fights through its resistor; the target wins */
    if (++T->tx_pos == T->tx_len) {
        T->tx = false;
        T->zeros = 0;
        T->rx_pos = 0;
    }
}

void emu_tpi_pins(emu_avr *a, emu_ns t, int reset, int sck, int mosi)
{
    emu_tpi *T = &a->tpi;
    if (reset != a->reset) {
        a->reset = reset;
        if (!reset) {
            if (T->on) {
                /* still enabled: NVMEN was set when RESET was released */
            } else if (!(T->eff_config & 0x01)) {
                ts.rstdisbl_blocked++; /* RSTDISBL: the pin is an I/O; 12 V would be needed */
            } else {
                emu_ns tr = T->t_rise, tf = T->t_fall;
                uint8_t eff = T->eff_config;
                memset(T, 0, sizeof *T);
                T->on = true;
                T->eff_config = eff;
                T->t_rise = tr;
                T->t_fall = tf;
            }
        } else if (T->on) {
            if (T->tpisr & NVMEN) {
                /* "a power down is required to exit the NVM programming
                 * mode": the part stays in it */
                ts.nvmen_at_release++;
            } else {
                T->on = false;
                T->tx = false;
                T->drv = 0;
                T->eff_config = a->fuses[0]; /* the chip starts with its new configuration */
            }
        }
    }
    if (sck != a->sck) {
        a->sck = sck;
        if (sck) {
            emu_ns low = t - T->t_fall, period = t - T->t_rise;
            T->t_rise = t;
            bool fast = T->garble || low < TPI_MIN_PHASE_NS || period < TPI_MIN_PERIOD_NS;
            T->garble = false;
            if (T->on) {
                int wire = T->drv ? T->drv_bit : mosi;
                int b = wire;
                if (fast) {
                    b = (int)(noise(a) & 1);
                    ts.garbled_bits++;
                }
                if (T->tx)
                    tx_slot(a, b, mosi);
                else
                    rx_bit(a, t, b);
            }
        } else {
            emu_ns high = t - T->t_rise;
            T->t_fall = t;
            if (high < TPI_MIN_PHASE_NS)
                T->garble = true;
            if (T->on && T->tx) {
                int bit = T->txbits[T->tx_pos];
                int prev = T->tx_pos ? T->txbits[T->tx_pos - 1] : 1;
                T->drv = !bit || !prev;
                T->drv_bit = T->garble ? (int)(noise(a) & 1) : bit;
            } else {
                T->drv = 0;
            }
        }
    }
    a->mosi = mosi;
    a->miso = T->drv ? T->drv_bit : mosi;
}

void emu_tpi_json(FILE *f)
{
    if (!ts.used)
        return;
    fprintf(f, ",\n  \"tpi\": {\"frames_in\": %ld, \"frames_out\": %ld, \"instructions\": {", ts.frames_in,
            ts.frames_out);
    for (int i = 0; i < T_N; i++)
        fprintf(f, "%s\"%s\": %ld", i ? ", " : "", tnames[i], ts.instr[i]);
    fprintf(f,
            "},\n    \"errors\": {\"parity\": %ld, \"frame\": %ld, \"collision\": %ld}, "
            "\"frames_ignored\": %ld, \"breaks\": %ld, \"enable_early\": %ld, \"garbled_bits\": %ld,\n"
            "    \"nvm_without_key\": %ld, \"nvm_while_busy\": %ld, \"nvm_locked_writes\": %ld, "
            "\"bad_keys\": %ld, \"word_writes\": %ld, \"chip_erases\": %ld, \"section_erases\": %ld,\n"
            "    \"nvmen_at_release\": %ld, \"rstdisbl_blocked\": %ld, \"contention_bits\": %ld}",
            ts.parity_errors, ts.frame_errors, ts.collisions, ts.frames_ignored, ts.breaks, ts.enable_early,
            ts.garbled_bits, ts.nvm_without_key, ts.nvm_while_busy, ts.nvm_locked_writes, ts.bad_keys,
            ts.word_writes, ts.chip_erases, ts.section_erases, ts.nvmen_at_release, ts.rstdisbl_blocked,
            ts.contention_bits);
}
