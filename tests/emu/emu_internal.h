/* Internals shared by the emulator's core files: the modeled clock, the
 * settings, the part facts, the AVR target, the MPSSE engine and the FTDI
 * device. Not seen by the front ends (they use emu.h only). */
#ifndef EMU_INTERNAL_H
#define EMU_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "emu.h"

/* ---- modeled time (emu_clock.c); nanoseconds ---- */
typedef int64_t emu_ns;
#define EMU_US 1000LL
#define EMU_MS 1000000LL
#define EMU_S 1000000000LL
#define EMU_UFRAME (125 * EMU_US)
#define EMU_PKT_NS (10 * EMU_US) /* one 512-byte high-speed bulk packet */

extern emu_ns emu_now;           /* the host's modeled clock */
void emu_enter(void);            /* on every API entry: adds real host time */
void emu_leave(void);            /* on every API exit */
bool emu_clock_started(void);    /* the first API call has been made */
bool emu_thread_sleep(emu_ns d); /* a modeled sleep on a program's own thread (emu_fsync.c) */
emu_ns emu_uframe_ceil(emu_ns t);
double emu_cpu_seconds(void);    /* CPU time spent inside the emulator */

/* ---- settings (emu_config.c) ---- */
#define EMU_MAX_ADAPTERS 8
enum emu_kind { EMU_FT232H, EMU_FT2232H, EMU_FT4232H, EMU_FT232R, EMU_FT231X, EMU_FT230X };
/* full-speed chips with only bit-bang (no MPSSE): emu_syncbb.c */
#define EMU_KIND_FS(k) ((k) >= EMU_FT232R)
enum emu_bb_line { BB_RESET, BB_SCK, BB_SDO, BB_SDI };
typedef struct emu_adapter_cfg {
    int kind;
    char serial[32];
    char part[32];               /* empty: FTEMU_PART */
} emu_adapter_cfg;

typedef struct emu_cfg {
    char part[32];
    uint32_t xtal_hz;
    int rc_pct;                  /* FTEMU_RC_PCT: internal RC (and PLL) off nominal, % */
    int osc128_pct;              /* FTEMU_OSC128_PCT: the 128 kHz oscillator off nominal, % */
    int fuses_given;             /* FTEMU_FUSES: how many given */
    uint8_t fuses[3];
    bool lock_set;
    uint8_t lock;
    const char *flash_file, *eeprom_file, *out_dir, *state_dir, *parts_file;
    int nadapters;
    emu_adapter_cfg adapters[EMU_MAX_ADAPTERS];
    bool fault_nodevice, fault_no_target;
    long fault_unplug_after;     /* -1: never */
    int nmiso_flips;             /* miso_flip=N[:BIT] faults, in any order */
    long miso_flip_at[8];        /* SPI byte number, from 1 */
    uint8_t miso_flip_mask[8];   /* bits of that byte to flip */
    int nsignals;                /* signal_after=N:SIG: raise SIG after N bulk transfers */
    long signal_after[4];
    int signal_num[4];
    bool fault_sig;
    uint8_t sig[3];
    bool host_time;
    long fsync_us;               /* FTEMU_FSYNC_MS in us, -1: fsyncs take their real time */
    double busy_scale;
    long twd_us[4];              /* overrides, -1: part value * busy_scale */
    int pin_sck, pin_mosi, pin_miso, pin_reset;
    int bb_pin[4];               /* FTEMU_SYNCBB_PINS: D0-D7 wired to reset, sck, sdo, sdi */
    bool bb_inv[4];              /* `~`: that line goes through an inverter */
    uint32_t bb_max_hz;          /* FTEMU_SYNCBB_MAX_HZ: cap on the bit-bang byte clock */
    int trace;
} emu_cfg;

extern emu_cfg emu_cfg_g;
void emu_config_load(void);
void emu_die_config(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void emu_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- part facts (emu_part.c) ---- */
enum emu_busy_kind { EMU_BUSY_FLASH, EMU_BUSY_EEPROM, EMU_BUSY_ERASE, EMU_BUSY_FUSE };
typedef struct emu_clock_src {
    uint8_t fuse, mask, value, kind; /* kind: 0 rc, 1 crystal, 2 external, 3 lowfreq, 4 pll */
    uint32_t min_hz, max_hz;
} emu_clock_src;

typedef struct emu_part {
    char id[24], name[32];
    uint8_t sig[3];
    uint32_t flash_size, flash_page, ee_size, ee_page;
    bool ee_paged, load_ext;
    uint32_t twd_us[4];          /* datasheet delays by enum emu_busy_kind */
    int nfuses;                  /* fuse bytes 0..nfuses-1 */
    uint8_t fuse_writable[3], fuse_factory[3];
    uint8_t lock_writable, lock_factory;
    uint8_t spien_fuse, spien_mask;
    uint8_t eesave_fuse, eesave_mask;
    uint8_t ckdiv8_fuse, ckdiv8_mask;
    int nclocks;
    emu_clock_src clocks[24];
    uint8_t ncalib;
    bool tpi;                    /* a `protocol tpi` part: a TPI target (emu_tpi.c) */
    uint8_t tpi_words;           /* flash words per TPI write operation (1, 2 or 4) */
} emu_part;

/* Fills *out for a part id/name; false (message on stderr) if unknown. */
bool emu_part_lookup(const char *name, emu_part *out);

/* ---- statistics (emu_stats.c) ---- */
enum emu_instr {
    I_PROG_ENABLE, I_CHIP_ERASE, I_POLL, I_LOAD_EXT, I_LOAD_PAGE, I_WRITE_PAGE, I_READ_FLASH,
    I_LOAD_EE_PAGE, I_WRITE_EE_PAGE, I_WRITE_EE_BYTE, I_READ_EE, I_READ_LOCK, I_READ_SIG,
    I_READ_CAL, I_READ_FUSE, I_WRITE_FUSE, I_WRITE_LOCK, I_UNKNOWN, I_COUNT
};
typedef struct emu_stats {
    long transfers_out, transfers_in, controls, round_trips;
    long bytes_out, bytes_in, payload_in;
    emu_ns usb_ns, spi_ns, host_ns, latency_ns, busy_ns;
    long latency_flushes, send_immediate;
    long instr[I_COUNT];
    long spi_bytes;
    long v_busy_lost, v_read_busy, v_garbled_bytes, v_enable_early, v_bad_opcode, v_unknown_instr;
    long v_garbled_before_sync, v_garbled_after_sync; /* garbled bytes by programming-mode state */
    long v_garbled_executed;     /* instructions with a garbled byte that the target carried out */
    long v_adaptive_stall, v_write_timeout, v_unsupported, v_no_device;
    bool out_since_in;
    long bb_bytes;               /* bytes the bit-bang engine applied to the pins */
    long bb_samples;             /* samples it queued back (synchronous mode) */
    long bb_stalls;              /* times it stopped on a full chip->host FIFO */
    long usb_packets_out, usb_packets_in, usb_out_naks; /* full-speed data packets (64-byte max) */
    unsigned gpio_high;          /* pins (AD0-7 bits 0-7, AC0-7 bits 8-15) ever driven high */
    long fsync_calls;            /* fsync/fdatasync calls modeled (FTEMU_FSYNC_MS), any thread */
    emu_ns fsync_driver_ns;      /* of their cost, what the thread driving the adapter spent in them */
    emu_ns fsync_join_ns;        /* its clock moved on by pthread_join, waiting for another thread */
} emu_stats;
extern emu_stats emu_st;
extern const char *const emu_instr_names[I_COUNT];
void emu_stats_dump(void);       /* writes FTEMU_OUT (idempotent; last call wins) */

/* ---- boards inserted and removed over modeled time (emu_boards.c) ---- */
typedef struct emu_board_life {
    int board;                   /* index of the interval now in the socket; -1 none */
    bool scheduled;              /* FTEMU_BOARDS names this target */
    emu_ns inserted, first_answer, first_write;
    long erases, page_writes, enables;
} emu_board_life;
struct emu_avr;
/* Called with every pin change: swaps boards at the schedule's times (the
 * removed one is dumped to FTEMU_OUT/TAG/board-N/). False: no board now. */
bool emu_boards_at(struct emu_avr *a, emu_ns t);
/* An instruction the target executed (for the per-board record). */
void emu_boards_note(struct emu_avr *a, emu_ns t, int kind);
/* At exit: the board still in the socket gets its record too. */
void emu_boards_dump(struct emu_avr *a, const char *dir);

/* ---- TPI target state (emu_tpi.c); lives in emu_avr ---- */
typedef struct emu_tpi {
    bool on;                     /* physical layer enabled (RESET low, or kept by NVMEN) */
    int ones;                    /* idle bits seen since enabling (16 needed) */
    bool error;                  /* parity/frame/collision: frames ignored until BREAK */
    bool wait_high;              /* after a BREAK: until the line is high again */
    int zeros;                   /* consecutive low samples (BREAK = 12) */
    int rx_pos;                  /* 0 idle, 1..12 bits of the frame being received */
    uint16_t rx;
    bool tx;                     /* transmitting: guard idle bits, then the frame */
    uint8_t txbits[160];
    int tx_len, tx_pos;
    int drv, drv_bit;            /* driving TPIDATA now, and with what */
    uint8_t op, need, nargs, args[9]; /* instruction being received: operands due, got */
    uint16_t pr;                 /* pointer register */
    uint8_t tpisr, tpipcr, nvmcmd, io[64], sram[512];
    uint8_t wbuf[8];             /* word write buffer (up to 4 words) */
    uint8_t wloaded;             /* bytes of wbuf loaded (bit mask) */
    uint16_t waddr;              /* group base address of wbuf */
    uint8_t eff_config;          /* configuration byte latched at power-up/reset release */
    emu_ns t_rise, t_fall;
    bool garble;                 /* this bit saw a TPICLK over the limit */
} emu_tpi;

/* ---- AVR target (emu_avr.c) ---- */
typedef struct emu_avr {
    emu_part part;
    bool absent;                 /* no_target fault */
    uint8_t *flash, *eeprom, *pagebuf, *eebuf, *eeloaded;
    uint8_t fuses[3], eff_fuses[3], lock, calib;
    uint8_t ext;
    /* pins as the target sees them */
    int reset, sck, mosi, miso;
    emu_ns t_edge;               /* last SCK edge */
    emu_ns t_sync;               /* RESET low and SCK low since (or -1) */
    bool enabled;
    uint8_t in, out, frame[4];
    int bits, pos;
    bool garble;                 /* this byte saw a too-short SCK phase */
    bool frame_garbled;          /* a byte of this 4-byte frame was garbled */
    bool frame_lost;
    /* a write in progress */
    emu_ns busy_until;
    int busy_kind;
    uint32_t busy_addr, busy_len;
    uint32_t prng;
    uint32_t fck_hz;
    char tag[48];                /* where its dumps go ("" = FTEMU_OUT itself) */
    emu_board_life life;         /* FTEMU_BOARDS: which board is in the socket */
    emu_tpi tpi;                 /* part.tpi: the TPI target's state */
} emu_avr;

void emu_avr_init(emu_avr *a, const emu_part *p, const char *tag);
/* Pins change at modeled time t (levels 0/1; reset is the pin level). */
void emu_avr_pins(emu_avr *a, emu_ns t, int reset, int sck, int mosi);
void emu_avr_dump(const emu_avr *a, const char *dir);

/* ---- TPI target (emu_tpi.c), for parts with part.tpi ---- */
void emu_tpi_init(emu_avr *a);
void emu_tpi_pins(emu_avr *a, emu_ns t, int reset, int sck, int mosi);
void emu_tpi_json(FILE *f);      /* the "tpi" object of stats.json, if a TPI target ran */
/* Extra TPI parts ($FTEMU_TPI_PARTS); false: not one of them. */
bool emu_tpi_part_lookup(const char *name, emu_part *out);

/* ---- MPSSE engine (emu_mpsse.c) and one FTDI channel ---- */
#define EMU_MAXFIFO 4096
typedef struct emu_chan {
    int index;                   /* 0 = A */
    int fifo;                    /* bytes, each way */
    int bitmode, latency_ms;
    /* host -> chip: pending bytes and their arrival times */
    uint8_t rx[EMU_MAXFIFO];
    emu_ns rx_t[EMU_MAXFIFO];
    int rx_head, rx_count;
    emu_ns consumed[EMU_MAXFIFO]; /* ring: when input byte #seq left the FIFO */
    uint64_t in_seq, out_seq;     /* bytes accepted / consumed */
    /* chip -> host */
    uint8_t *tx;
    emu_ns *tx_t;
    int tx_head, tx_count, tx_cap;
    long flush_pos;               /* tx bytes (absolute) covered by SEND_IMMEDIATE */
    emu_ns flush_t;
    long tx_abs;                  /* absolute index of tx_head */
    /* MPSSE */
    double mt;                    /* engine busy until (ns) */
    uint8_t cmd[3];
    int ncmd;
    long remaining;               /* data bytes/bits left in the current shift */
    bool stuck;
    uint8_t lo_val, lo_dir, hi_val, hi_dir;
    uint16_t divisor;
    bool div5, three_phase, adaptive, loopback;
    /* bit-bang engine of the full-speed chips (emu_syncbb.c) */
    int tx_fifo;                  /* chip->host FIFO size */
    uint8_t bb_mask, bb_latch, bb_exist; /* outputs, their levels, pins the package has */
    uint32_t bb_encoded;          /* SET_BAUDRATE divisor as sent (value | index << 16) */
    double bb_period;             /* ns per byte */
    double bb_t;                  /* when the last byte was applied (ns) */
    double bb_release;            /* a stalled engine goes on no earlier than this */
    bool bb_stalled;
    emu_avr avr;
    bool used;                    /* this process talked to it: its dumps are ours */
} emu_chan;

void emu_mpsse_reset(emu_chan *c);
/* Runs queued input as far as possible (stops when it needs more input or
 * the reply FIFO is full). */
void emu_mpsse_run(emu_chan *c);
uint8_t emu_mpsse_pins_low(emu_chan *c);

struct emu_dev {
    emu_adapter_cfg cfg;
    emu_devinfo info;
    char product[32];
    int nchan;
    emu_chan ch[2];
    bool unplugged;
    bool fs;                     /* full speed: 64-byte packets, 1 ms frames */
    emu_ns bus_free;             /* full speed: the bus is busy with our packets until */
    int fs_turn;                 /* full speed: 0 the OUT endpoint tries first, 1 the IN */
};

/* A full-speed bulk transfer in progress (emu_syncbb.c): the host controller
 * runs one OUT and one IN transfer of a device at once. */
typedef struct emu_fsx {
    bool in;
    uint8_t *buf;
    int len, done;
    unsigned timeout_ms;
    emu_ns start;                /* submitted (host time) */
    emu_ns timer;                /* IN: the latency timer runs from here */
    emu_ns end;                  /* its last packet ended */
    bool finished, payload;
    int rc;                      /* 0 or EMU_ERR_* */
} emu_fsx;

/* ---- full-speed chips: bit-bang engine and USB timing (emu_syncbb.c) ---- */
void emu_syncbb_init(emu_chan *c, int kind);
void emu_syncbb_run(emu_chan *c);
/* SET_BAUDRATE, SET_BITMODE and READ_PINS on a full-speed chip; other
 * requests answer as for the FT232H. Returns bytes, 0 or EMU_ERR_*. */
int emu_syncbb_baud(emu_chan *c, uint16_t value, uint16_t index);
int emu_syncbb_bitmode(emu_chan *c, uint16_t value);
uint8_t emu_syncbb_pins(const emu_chan *c);
int emu_syncbb_bulk_out(emu_dev *d, emu_chan *c, const uint8_t *data, int len, unsigned timeout_ms, int *got);
int emu_syncbb_bulk_in(emu_dev *d, emu_chan *c, uint8_t *data, int len, unsigned timeout_ms, int *got);
emu_ns emu_frame_ceil(emu_ns t);
/* Starts a transfer (start set); then emu_syncbb_pair runs o and i (either
 * may be NULL or finished) together until one of them finishes; emu_now
 * becomes the frame boundary after its end if that is later. */
void emu_syncbb_begin(emu_chan *c, emu_fsx *x);
void emu_syncbb_pair(emu_dev *d, emu_chan *c, emu_fsx *o, emu_fsx *i);
/* async front end: counts a bulk transfer as started (unplug_after) and
 * after it ends (signal_after); 0 or EMU_ERR_NO_DEVICE */
int emu_fs_count(emu_dev *d, bool in);
void emu_fs_after(void);

#endif
