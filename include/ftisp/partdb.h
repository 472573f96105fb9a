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
#define FT_MAX_SETTINGS 8     /* named settings in one fuse or lock byte */
#define FT_MAX_VALUES 256     /* named values of one setting */
#define FT_CONFIG_BYTES 4     /* bytes[] of the config functions: fuses 0-2, lock */
#define FT_LOCK_BYTE 3        /* the lock byte's index in bytes[] */

/* A memory as the programmer sees it. Flash page and size in bytes. */
typedef struct ft_mem {
    uint32_t size;            /* 0: the part has no such memory */
    uint32_t page_size;       /* bytes; 0 or 1: written a byte at a time */
    bool paged;               /* EEPROM: has Load/Write EEPROM Page; flash:
                               * written in pages (a page given, or
                               * avrdude.conf's loadpage_lo), so page_size
                               * must be one */
    uint32_t write_delay_us;  /* datasheet tWD: wait this long if not polling */
    char source[96];          /* "file:line" of its definition, "" if unknown */
} ft_mem;

/* A named group of bits in a fuse or the lock byte, e.g. CKSEL = 0x0F. Values
 * are as read from the chip (a programmed bit reads 0). */
typedef struct ft_field {
    char name[16];
    uint8_t mask;
} ft_field;

/* One named value of a setting, as it sits in the byte (already shifted into
 * the setting's mask), e.g. eesave 0x00 "ee_preserved". */
typedef struct ft_setting_value {
    uint8_t value;
    const char *name;
} ft_setting_value;

/* A setting: a field of a fuse or lock byte as Microchip names it, the names
 * avrdude's `config` takes (lower case: sut_cksel, ckdiv8, bodlevel, eesave,
 * bootsz, bootrst, lb, blb0, blb1...), with its named values. Unlike ft_field
 * (the datasheet's bit groups: CKSEL, SUT), a setting can span several bit
 * groups (sut_cksel = SUT and CKSEL).
 *
 * Copy semantics: `values` and its names belong to the ft_partdb that loaded
 * the part and stay valid until ft_partdb_free; copying an ft_part (or an
 * ft_setting) copies the pointer, not the values. */
typedef struct ft_setting {
    char name[16];
    uint8_t mask;
    uint8_t factory;          /* the value on a new chip, within mask */
    uint16_t nvalues;
    const ft_setting_value *values;
} ft_setting;

/* One fuse byte (or the lock byte). */
typedef struct ft_fuse {
    char name[8];             /* lfuse, hfuse, efuse, fuse (one-fuse parts), lock */
    uint8_t index;            /* 0 low, 1 high, 2 extended (lock: 0) */
    uint8_t writable;         /* bits that exist; others read 1 and are written 1 */
    uint8_t factory;          /* value on a new chip */
    int nfields;
    ft_field fields[FT_MAX_FIELDS];
    int nsettings;
    ft_setting settings[FT_MAX_SETTINGS];
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

/* How the part is programmed: classic ISP (SPI instructions) or TPI, the
 * Tiny Programming Interface of the ATtiny4/5/9/10/20/40/102/104. */
enum ft_protocol { FT_PROTO_ISP = 0, FT_PROTO_TPI = 1 };

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
    uint8_t protocol;         /* enum ft_protocol (parts.conf `protocol`) */
    uint8_t tpi_words;        /* TPI: words one NVM write programs (1, 2 or 4) */
    uint16_t sram_size;       /* TPI: SRAM bytes in data space from 0x40 (parts.conf `sram`) */
    uint8_t prodsig_bytes;    /* TPI: the signature row's bytes from 0x3fc0 (`prodsig`), 0 none */
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

typedef struct ft_partdb_pool ft_partdb_pool;
typedef struct ft_partdb {
    int nparts;
    int cap;
    ft_part *parts;
    ft_partdb_pool *pool;     /* the settings' values and names (see ft_setting) */
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

/* The same, also taking `programmer` entries and default_programmer /
 * default_bitclock into pdb (progdb.h). */
struct ft_progdb;
int ft_avrdude_parse(ft_partdb *db, struct ft_progdb *pdb, const char *name, const char *text, size_t len,
                     ft_err *err);

/* -C FILE: looks at the contents and loads either format; programmer
 * entries go to pdb when it is not NULL. */
int ft_partdb_load_any(ft_partdb *db, const char *path, ft_err *err);
int ft_partdb_load_conf(ft_partdb *db, struct ft_progdb *pdb, const char *path, ft_err *err);

/* Helpers the parsers share. ft_partdb_put adds a copy of p, replacing a
 * part with the same id (case-insensitive). ft_part_derive fills what follows
 * from the other fields (load_ext_addr from the flash size, the CKDIV8
 * position from the fields). ft_partdb_read_file reads a whole file into a
 * malloc'd NUL-terminated buffer. */
int ft_partdb_put(ft_partdb *db, const ft_part *p, ft_err *err);
/* Memory that lives as long as db (for settings' values and names); NULL
 * when out of memory. */
void *ft_partdb_alloc(ft_partdb *db, size_t size);
void ft_part_derive(ft_part *p);
int ft_partdb_read_file(const char *path, char **text, size_t *len, ft_err *err);

/* Checks a part definition against what ISP can do (src/partdb/partdb_check.c):
 * page sizes powers of two that divide their memory, sizes and delays the
 * instructions can address, a signature a chip can have. FT_E_INPUT naming
 * the definition's file:line. Run before any adapter is opened. */
int ft_part_check(const ft_part *p, ft_err *err);

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

/* Named settings (ft_setting). Names compare case-insensitively and exactly;
 * ft_config_* below also take initial strings and wildcards. */
const ft_setting *ft_fuse_setting(const ft_fuse *f, const char *name);
/* A setting in any fuse or the lock byte; *fuse (if given) receives its byte. */
const ft_setting *ft_part_setting(const ft_part *p, const char *name, const ft_fuse **fuse);
/* The named value `name` of s; NULL if s has none by that name. */
const ft_setting_value *ft_setting_value_named(const ft_setting *s, const char *name);
/* The name of the value a byte gives s (byte & mask); NULL when that value
 * has no name (reserved in the datasheet). */
const char *ft_setting_value_name(const ft_setting *s, uint8_t byte);
/* The value as a number counted from the setting's lowest bit, as avrdude's
 * `config` shows and takes it: (byte & mask) >> shift. And back. */
unsigned ft_setting_number(const ft_setting *s, uint8_t byte);
uint8_t ft_setting_from_number(const ft_setting *s, unsigned number);

/* The `config` interface (src/partdb/partdb_settings.c): settings with the value the
 * chip's bytes give them, found by name as avrdude's `config` finds them.
 * bytes[] holds fuse bytes by index (0 low or the only fuse, 1 high,
 * 2 extended) and the lock byte at FT_LOCK_BYTE. Nothing here prints,
 * reads or writes the chip, or judges safety: the caller writes a changed
 * byte through the same fuse-safety check as -U. */
typedef struct ft_config_item {
    const ft_fuse *fuse;      /* the byte the setting lives in (in the part) */
    const ft_setting *setting;
    int byte;                 /* index in bytes[]: fuse->index, or FT_LOCK_BYTE */
    uint8_t value;            /* bytes[byte] & setting->mask */
    unsigned number;          /* the value counted from the setting's lowest bit */
    const char *value_name;   /* NULL: the value has no name (reserved) */
} ft_config_item;

/* How many settings the part has (all bytes). */
int ft_config_count(const ft_part *p);
/* Every setting, low fuse first and the lock byte last, into out[max];
 * returns how many it stored. */
int ft_config_list(const ft_part *p, const uint8_t bytes[FT_CONFIG_BYTES],
                   ft_config_item *out, int max);
/* Whether `pattern` selects `name` as avrdude's config does: an initial
 * string of it, or a wildcard pattern (*, ?, [...]) matching all of it;
 * case-insensitive. */
bool ft_config_name_matches(const char *pattern, const char *name);
/* The settings `pattern` selects, into out[max]; an exact name selects that
 * setting alone. Returns how many matched (which may exceed max). */
int ft_config_match(const ft_part *p, const uint8_t bytes[FT_CONFIG_BYTES], const char *pattern,
                    ft_config_item *out, int max);
/* The one setting `pattern` selects. No match or several: FT_E_USAGE with a
 * message that lists the candidates (or all settings). */
int ft_config_get(const ft_part *p, const uint8_t bytes[FT_CONFIG_BYTES], const char *pattern,
                  ft_config_item *item, ft_err *err);
/* Sets the one setting `pattern` selects to `value`: a value name (exact,
 * or an initial string or wildcard pattern selecting exactly one name) or a
 * number counted from the setting's lowest bit (decimal, 0x hex, 0b binary),
 * as avrdude's `config name=value`. Updates bytes[item->byte] only; *item
 * describes the new value (value_name NULL: a number without a name, which
 * the datasheet reserves: the caller should warn). Errors (FT_E_USAGE) list
 * the valid names, or say the number does not fit the setting. */
int ft_config_set(const ft_part *p, uint8_t bytes[FT_CONFIG_BYTES], const char *pattern,
                  const char *value, ft_config_item *item, ft_err *err);
/* The same with one "name=value" argument. */
int ft_config_assign(const ft_part *p, uint8_t bytes[FT_CONFIG_BYTES], const char *assignment,
                     ft_config_item *item, ft_err *err);

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
/* The slowest the target may really run at with these fuses: as
 * ft_part_clock_hz, less the tolerance of an internal oscillator (RC and PLL
 * -10 %, the uncalibrated 128 kHz oscillator half nominal). A crystal runs
 * where it says; 0 when nothing is proven. The SCK is chosen from this. */
uint32_t ft_part_clock_min_hz(const ft_part *p, const uint8_t fuses[FT_MAX_FUSES],
                              uint32_t crystal_hz, char *why, int whylen);

#endif
