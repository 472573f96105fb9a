/* The plan: everything ftisp will do to the chip, decided and checked before
 * the chip is touched (files parsed and range-checked against the part, fuse
 * values checked for safety, erase decided), then carried out over isp. */
#ifndef FTISP_PLAN_H
#define FTISP_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ftisp/err.h"
#include "ftisp/image.h"
#include "ftisp/partdb.h"

/* What -U asked for, as the command line said it. */
typedef enum ft_opkind { FT_OP_READ = 'r', FT_OP_WRITE = 'w', FT_OP_VERIFY = 'v' } ft_opkind;

typedef struct ft_opspec {
    char memory[64];          /* a name, alias, prefix or list (flash,eeprom) */
    ft_opkind kind;
    const char *file;         /* path, "-", or the data itself for format m */
    ft_format fmt;
    /* The terminal's operations: a read leaves the bytes in the op's image
     * and writes no file; a write takes its bytes from `data`, not a file
     * (`file` then only names it in messages). */
    bool in_memory;
    const ft_image *data;
} ft_opspec;

/* Fuse and lock values that can lock a user out; --allow lifts each. */
enum ft_allow {
    FT_ALLOW_CLOCK = 1,       /* CKSEL/SUT/CKDIV8/CKOPT... changes */
    FT_ALLOW_RSTDISBL = 2,
    FT_ALLOW_DWEN = 4,
    FT_ALLOW_LOCK = 8,        /* lock bits that stop reading or writing */
    FT_ALLOW_ALL = 15,
};

typedef struct ft_plan_opts {
    bool erase;               /* -e */
    bool no_erase;            /* -D */
    bool keep_ff;             /* -A */
    bool no_verify;           /* -V */
    bool force;               /* -F */
    bool dry_run;             /* -n */
    unsigned allow;           /* enum ft_allow bits */
    uint32_t sck_hz;          /* -B/-b; 0: choose from the fuses */
    uint32_t fck_hz;          /* --fck: crystal frequency; 0: unknown */
    bool avrdude_formats;     /* called as avrdude: a read of one memory with no format is
                                 raw binary whatever the file's name (avrdude 8) */
} ft_plan_opts;

/* One operation, as decided: what to do and with which data. */
typedef struct ft_op {
    ft_opspec spec;
    uint32_t mem_size;
    ft_image img;             /* write/verify: the file's bytes (read: empty) */
    char note[200];           /* from building: e.g. how an unnamed format was read */
    int multi;                /* 0; else 1 + index of the first op of the multi-memory -U it came from */
    uint32_t flat;            /* where its bytes sit in that -U's file */
} ft_op;

/* What a run did with one operation (ft_result.ops[i] is plan.ops[i]'s). */
typedef struct ft_op_result {
    ft_image img;             /* read: what was read */
    uint32_t bytes;           /* bytes written, read or verified */
    uint8_t sha256[32];
    bool have_sha;
    int verified;             /* -1 not verified, 0 mismatch, 1 ok */
    double seconds;
    int status;               /* FT_OK, an error, or -1: not run */
    bool skipped;             /* nothing to do (already on the chip, -n) */
    bool dry_run;             /* skipped because of -n (else: already on the chip) */
    bool started;             /* the run reached this operation */
    bool chip_changed;        /* a write instruction for it went to the chip */
    bool written;             /* all its writes went to the chip (verify may follow) */
} ft_op_result;

/* Events from the run for the CLI to show. level: 0 normal, 1 -v, 2 -vv. */
typedef struct ft_plan_events {
    void *ctx;
    void (*note)(void *ctx, int level, const char *msg);
    void (*phase)(void *ctx, const char *what, uint32_t total);   /* a progress bar starts */
    void (*progress)(void *ctx, uint32_t done, uint32_t total);
    void (*phase_end)(void *ctx, int status, double seconds);
} ft_plan_events;

typedef struct ft_plan {
    const ft_part *part;
    const ft_partdb *db;      /* to name the part a wrong signature belongs to */
    ft_plan_opts opts;
    int nops;
    ft_op *ops;
    int *order;               /* execution order: as given, but fuse writes first and
                                 lock writes last */
    bool writes_flash;
    bool auto_erase;          /* erase because flash is written (no -D, no -e) */
} ft_plan;

/* What a run of a plan did, filled by the session and read by the report,
 * the terminal and the station; the plan itself is not changed by a run. */
typedef struct ft_result {
    int nops;
    ft_op_result *ops;        /* one per plan operation, same index */
    uint8_t signature[3];
    bool have_signature;
    uint32_t target_hz;       /* inferred target clock, 0 unknown */
    uint32_t sck_hz;          /* SCK in use at the end */
    char clock_why[320];
    bool erased;
    bool erase_started;       /* a Chip Erase (-e or automatic) was sent */
    int erase_status;         /* -e: FT_OK, an error, or -1: not run */
    double erase_seconds;
    uint8_t fuses[FT_MAX_FUSES]; /* as last read or written */
    bool have_fuses;
    uint8_t lock;
    bool have_lock;
    /* The EEPROM through the automatic erase (session_eeprom.c): "eesave"
     * (kept by EESAVE), "rewritten" (written back from the copy),
     * "untouched" (EESAVE was programmed already), "" (no such erase).
     * eeprom_copy: where a copy waits on disk while the chip's is at risk
     * ("" none); chip_state: while that lasts, what the chip holds (EESAVE
     * programmed, flash erased...); the state description uses both. */
    char eeprom_kept[16];
    char eeprom_copy[512];
    char chip_state[640];
} ft_result;

/* A result for a run of plan: nothing done yet. ft_result_free releases it
 * (and the images of reads). */
int ft_result_init(ft_result *res, const ft_plan *plan, ft_err *err);
void ft_result_free(ft_result *res);

/* One or two sentences on what the chip holds after a run that stopped
 * early: what was done, what was cut short (flash partly written, the chip
 * erased), what was not done, where the EEPROM copy is. */
void ft_plan_state(const ft_plan *plan, const ft_result *res, char *buf, size_t len);

/* Parses and checks every file against the part, checks fuse values that
 * can be checked without the chip, and decides the order. No device needed. */
int ft_plan_build(ft_plan *plan, const ft_partdb *db, const ft_part *part, const ft_opspec *specs, int nspecs,
                  const ft_plan_opts *opts, ft_err *err);
void ft_plan_free(ft_plan *plan);

/* The memory a -U names: kind and, for fuses, which one. */
enum ft_memkind { FT_MEM_FLASH, FT_MEM_EEPROM, FT_MEM_FUSE, FT_MEM_LOCK, FT_MEM_SIGNATURE,
                  FT_MEM_CALIBRATION, FT_MEM_DATA };
/* FT_MEM_DATA (a TPI part's sram, io, prodsig, sernum): *fuse_index is its
 * ft_mem_data index. */
int ft_plan_memkind(const ft_part *p, const char *memory, int *fuse_index);
/* A fuse write: runs before every other operation (see ft_plan.order). */
bool ft_plan_fuse_write(const ft_part *p, const ft_op *op);

/* Memory names and lists (plan_memlist.c). A memory as -U selects it: its
 * canonical name, address in a multi-memory file, size. */
#define FT_MAX_MEMS 12
typedef struct ft_memsel {
    char name[16];
    uint32_t flat;
    uint32_t size;
} ft_memsel;
/* One name, alias or unique prefix ("ee", "sig", "fuse1", "lockbits"). */
int ft_mem_canonical(const ft_part *p, const char *name, ft_memsel *out, ft_err *err);
/* A -U memory: one name, or a list. *multi: 0 one memory, 1 several at their
 * flat addresses (0, 0x810000 EEPROM, 0x820000 fuses, 0x830000 lock,
 * 0x840000 signature, 0x840003 calibration), 2 "fuses" (byte i = fuse i). */
int ft_mem_select(const ft_part *p, const char *spec, ft_memsel *out, int *n, int *multi, ft_err *err);
void ft_mem_names(const ft_part *p, char *buf, size_t len);
/* A TPI part's data-space memory by canonical name (sram, io, prodsig,
 * sernum; sigrow is prodsig): its index (0..FT_DATA_MEMS-1), data-space
 * address and size; -1 when the part has no such memory. */
#define FT_DATA_MEMS 4
int ft_mem_data(const ft_part *p, const char *name, uint16_t *addr, uint32_t *size);
/* The same by index. */
int ft_mem_data_at(const ft_part *p, int index, uint16_t *addr, uint32_t *size);

/* What the fuse rules judge a write against. */
typedef struct ft_fuse_ctx {
    const uint8_t *now;       /* every fuse byte as read, by index; NULL: not read
                               * yet (the clock rule waits until it is) */
    const uint8_t *after;     /* the same with all of this run's fuse writes
                               * applied; NULL: `now` with this write only */
    uint32_t crystal_hz;      /* --fck, the user's word for the crystal; 0: none */
    unsigned allow;           /* FT_ALLOW_* */
} ft_fuse_ctx;

/* Checks a value a write would put in fuse or lock byte f against the rules
 * that keep ISP working (src/plan/plan_fuse_guard.c; the man page's FUSE SAFETY):
 * SPIEN, RSTDISBL, DWEN, lock bits, and a clock source the board may lack. */
int ft_fuse_check(const ft_part *p, const ft_fuse *f, uint8_t value, const ft_fuse_ctx *ctx,
                  ft_err *err);

#endif
