/* The chip database: every AVR that can be programmed over classic ISP.
 * Read at run time from parts.conf (ftisp's own format) and, through -C,
 * from avrdude.conf-style files. No hardware knowledge beyond the facts. */
#ifndef FTISP_PARTDB_H
#define FTISP_PARTDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ftisp/err.h"

#define FT_MAX_ALIASES 6
#define FT_MAX_FUSES 3
#define FT_MAX_FIELDS 16
#define FT_MAX_CLOCKS 24

/* A memory as the programmer sees it. Flash page and size in bytes. */
typedef struct ft_mem {
    uint32_t size;            /* 0: the part has no such memory */
    uint32_t page_size;       /* bytes; 0 or 1: written a byte at a time */
    bool paged;               /* EEPROM: has Load/Write EEPROM Page */
    uint32_t write_delay_us;  /* datasheet tWD: wait this long if not polling */
} ft_mem;

/* A named group of bits in a fuse or the lock byte, e.g. CKSEL = 0x0F. Values
 * are as read from the chip (a programmed bit reads 0). */
typedef struct ft_field {
    char name[16];
    uint8_t mask;
} ft_field;

/* One fuse byte (or the lock byte). */
typedef struct ft_fuse {
    char name[8];             /* lfuse, hfuse, efuse, fuse (one-fuse parts), lock */
    uint8_t index;            /* 0 low, 1 high, 2 extended (lock: 0) */
    uint8_t writable;         /* bits that exist; others read 1 and are written 1 */
    uint8_t factory;          /* value on a new chip */
    int nfields;
    ft_field fields[FT_MAX_FIELDS];
} ft_fuse;

/* What a value of the clock-select bits means. The CKSEL field (and for some
 * parts CKSEL plus SUT/CKOPT bits) selects a source; `mask`/`value` are over
 * the low fuse (fuse index `fuse`). min_hz is the slowest the source can run:
 * for an external crystal or clock only min_hz is certain. 0 means unknown
 * (external clock: any frequency). */
enum ft_clock_kind { FT_CLK_RC, FT_CLK_CRYSTAL, FT_CLK_EXTERNAL, FT_CLK_LOWFREQ, FT_CLK_PLL };
typedef struct ft_clock {
    uint8_t fuse;             /* fuse index holding the selecting bits */
    uint8_t mask;
    uint8_t value;
    uint8_t kind;             /* enum ft_clock_kind */
    uint32_t min_hz;
    uint32_t max_hz;
    /* Optional second condition, (fuse cond_fuse & cond_mask) == cond_value,
     * e.g. CKOPT in the high fuse of ATmega8-style parts; cond_mask 0: none. */
    uint8_t cond_fuse;
    uint8_t cond_mask;
    uint8_t cond_value;
} ft_clock;

typedef struct ft_part {
    char id[24];              /* avrdude's short id: m328p */
    char name[32];            /* full name: ATmega328P */
    int naliases;
    char aliases[FT_MAX_ALIASES][24];
    uint8_t signature[3];
    ft_mem flash;
    ft_mem eeprom;
    bool load_ext_addr;       /* flash > 128 KiB: Load Extended Address (4D) */
    bool has_rdybsy;          /* Poll RDY/BSY (F0) works; else wait the delays */
    uint32_t chip_erase_delay_us;
    uint32_t fuse_write_delay_us;
    uint8_t calibration_bytes;/* 0: none readable over ISP */
    int nfuses;
    ft_fuse fuses[FT_MAX_FUSES];
    ft_fuse lock;             /* name "lock"; writable = lock bits that exist */
    /* Clock: the field that divides by 8 (name CKDIV8, in fuse ckdiv8_fuse,
     * mask ckdiv8_mask; mask 0 when the part has none) and the sources. */
    uint8_t ckdiv8_fuse;
    uint8_t ckdiv8_mask;
    int nclocks;
    ft_clock clocks[FT_MAX_CLOCKS];
    char source[96];          /* "file:line" where the part was defined */
} ft_part;

typedef struct ft_partdb {
    int nparts;
    int cap;
    ft_part *parts;
} ft_partdb;

void ft_partdb_init(ft_partdb *db);
void ft_partdb_free(ft_partdb *db);

/* Loads ftisp's own format from a file. Parts that exist already (same id)
 * are replaced; new ones are added. Errors name file:line. */
int ft_partdb_load(ft_partdb *db, const char *path, ft_err *err);
int ft_partdb_parse(ft_partdb *db, const char *name, const char *text, size_t len, ft_err *err);

/* Loads an avrdude.conf-style file (part blocks with parent inheritance and
 * memory blocks; programmer blocks and other settings are skipped). Parts
 * it defines are added to or replace those in db. */
int ft_partdb_load_avrdude(ft_partdb *db, const char *path, ft_err *err);
int ft_partdb_parse_avrdude(ft_partdb *db, const char *name, const char *text, size_t len, ft_err *err);

/* -C FILE: looks at the contents and loads either format. */
int ft_partdb_load_any(ft_partdb *db, const char *path, ft_err *err);

/* Helpers the parsers share. ft_partdb_put adds a copy of p, replacing a
 * part with the same id (case-insensitive). ft_part_derive fills what follows
 * from the other fields (load_ext_addr from the flash size, the CKDIV8
 * position from the fields). ft_partdb_read_file reads a whole file into a
 * malloc'd NUL-terminated buffer. */
int ft_partdb_put(ft_partdb *db, const ft_part *p, ft_err *err);
void ft_part_derive(ft_part *p);
int ft_partdb_read_file(const char *path, char **text, size_t *len, ft_err *err);

/* The default database: $FTISP_PARTS if set, else the build tree's
 * data/parts.conf next to the running binary, else FTISP_DATADIR/parts.conf. */
const char *ft_partdb_default_path(void);

/* Finds a part by id, full name or alias, case-insensitively. NULL if none. */
const ft_part *ft_partdb_find(const ft_partdb *db, const char *name);
const ft_part *ft_partdb_find_signature(const ft_partdb *db, const uint8_t sig[3]);

/* A memory by avrdude name. For fuses and lock the result describes one
 * byte. Returns NULL if the part has no such memory. */
const ft_fuse *ft_part_fuse(const ft_part *p, const char *memory);
const ft_field *ft_fuse_field(const ft_fuse *f, const char *name);
/* Finds a field by name in any fuse; *fuse_index receives which fuse. */
const ft_field *ft_part_field(const ft_part *p, const char *name, const ft_fuse **fuse);

/* Size in bytes of a memory by avrdude name (flash, eeprom, lfuse, hfuse,
 * efuse, fuse, lock, signature, calibration), 0 if the part has none. */
uint32_t ft_part_mem_size(const ft_part *p, const char *memory);

/* The target clock the fuses prove: the slowest frequency the selected
 * source can run at, divided by 8 if CKDIV8 is programmed. fuses[i] is fuse
 * index i as read. `crystal_hz` (0: unknown) is what the user says an
 * external crystal or clock runs at. Returns 0 when nothing can be proven
 * (external clock of unknown frequency). *why gets a short explanation. */
uint32_t ft_part_clock_hz(const ft_part *p, const uint8_t fuses[FT_MAX_FUSES],
                          uint32_t crystal_hz, char *why, int whylen);

#endif
