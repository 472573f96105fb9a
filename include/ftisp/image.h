/* Sparse memory images and the firmware file formats that fill them.
 * No hardware knowledge here: an image is bytes plus which of them a file set. */
#ifndef FTISP_IMAGE_H
#define FTISP_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ftisp/err.h"

/* One memory's worth of bytes. `set[a]` is nonzero where a file gave a value;
 * elsewhere the byte is a hole and `data[a]` means nothing. Storage grows on
 * demand up to `limit` (the memory's size); a byte at or past `limit` is an
 * error that names the file and line that tried to put it there. */
typedef struct ft_image {
    uint8_t *data;
    uint8_t *set;
    uint32_t alloc;       /* bytes allocated in data and set */
    uint32_t limit;       /* size of the memory; addresses must be below it */
} ft_image;

void ft_image_init(ft_image *img, uint32_t limit);
void ft_image_free(ft_image *img);
void ft_image_clear(ft_image *img);          /* every byte back to a hole */

enum ft_put { FT_PUT_OK = 0, FT_PUT_CONFLICT, FT_PUT_RANGE, FT_PUT_NOMEM };
/* Sets one byte. Setting a byte again to the same value is fine; to another
 * value is a conflict (two records disagree). */
enum ft_put ft_image_put(ft_image *img, uint32_t addr, uint8_t v);
/* Same, but overwrites: for images built by the program, not read from files. */
enum ft_put ft_image_store(ft_image *img, uint32_t addr, uint8_t v);
bool ft_image_is_set(const ft_image *img, uint32_t addr);
uint8_t ft_image_get(const ft_image *img, uint32_t addr);   /* 0xFF for a hole */
uint32_t ft_image_extent(const ft_image *img);   /* highest set address + 1, 0 if empty */
uint32_t ft_image_count(const ft_image *img);    /* number of set bytes */
bool ft_image_empty(const ft_image *img);

/* Pages that hold at least one set byte, in address order. Finds the first
 * such page at or after *page (rounded down to a page boundary) and stores its
 * address in *page; false when there is none. Walk them all with
 *     for (uint32_t p = 0; ft_image_next_page(img, ps, &p); p += ps) ...  */
bool ft_image_next_page(const ft_image *img, uint32_t page_size, uint32_t *page);
bool ft_image_page_has_data(const ft_image *img, uint32_t page_addr, uint32_t page_size);

/* Drops trailing 0xFF bytes (avrdude's default for flash without -A): returns
 * the new extent. */
uint32_t ft_image_trim_ff(ft_image *img);

/* Compares `want` with `have` over the bytes set in `want`. Returns true if
 * they agree; else false and *first the first address that differs. A hole
 * in `have` where `want` is set counts as a difference (it was never read). */
bool ft_image_matches(const ft_image *want, const ft_image *have, uint32_t *first);

/* File formats: avrdude's letters. */
typedef enum ft_format {
    FT_FMT_AUTO = 'a',
    FT_FMT_IHEX = 'i',
    FT_FMT_IHEXC = 'I',       /* Intel HEX with a comment on each record (avrdude 8) */
    FT_FMT_SREC = 's',
    FT_FMT_RAW  = 'r',
    FT_FMT_ELF  = 'e',
    FT_FMT_IMM  = 'm',
    FT_FMT_DEC  = 'd',
    FT_FMT_HEX  = 'h',
    FT_FMT_OCT  = 'o',
    FT_FMT_BIN  = 'b',
} ft_format;

/* A format's reader: parses `len` bytes that came from `name` into `img`
 * (fmt: the letter the row was found by; memory: see ft_image_parse). */
typedef int ft_format_reader(ft_image *img, const char *name, const uint8_t *buf, size_t len,
                             ft_format fmt, const char *memory, ft_err *err);
/* A format's writer: the image's set bytes as a malloc'd buffer. */
typedef int ft_format_writer(const ft_image *img, ft_format fmt, char **out, size_t *outlen,
                             ft_err *err);

/* What a format is, beyond reading and writing it. */
enum {
    FT_FMTF_INLINE = 1,     /* the file field is the data itself (m): no file */
    FT_FMTF_LIST = 2,       /* a list of values (m, d, h, o, b) */
    FT_FMTF_RECORDS = 4,    /* text records that carry their addresses (i, I, s) */
    FT_FMTF_BY_MEMORY = 8,  /* one file holds each memory apart, taken by name (e) */
};

/* One row of the table of formats (src/image/image_format.c), the one place
 * that knows the formats: every letter -U, the terminal, --help and the
 * messages accept or list, every extension a name claims a format by, and
 * the reader and writer behind each. The shell completions, the manual and
 * the JSON schema are held to it by tests (test_formats). */
typedef struct ft_format_info {
    ft_format fmt;              /* the letter */
    const char *name;           /* "Intel HEX" */
    const char *exts;           /* extensions that claim it, space-separated, lower case; "" none */
    ft_format_reader *read;     /* NULL: not an input format (a: detect first) */
    ft_format_writer *write;    /* NULL: input only */
    /* whether content is this format, for `a`; NULL: never detected */
    bool (*sniff)(const uint8_t *buf, size_t len);
    unsigned flags;             /* FT_FMTF_* */
} ft_format_info;

/* The table, in avrdude's order of the letters (a i I s r e m d h o b). */
const ft_format_info *ft_format_table(size_t *n);
/* The row of a letter, NULL for a character that is no format letter. */
const ft_format_info *ft_format_info_of(int c);
bool ft_format_valid(int c);
const char *ft_format_name(ft_format f);       /* "unknown" for no format */
bool ft_format_is(ft_format f, unsigned flags);   /* f's row has one of the FT_FMTF_* flags */

/* A list from the table for --help and messages, in the table's order: of
 * the formats that have everything `need` asks (0: every format), each one's
 * `item`, joined by sep and the last two by last (NULL: sep). Returns out;
 * 160 bytes hold any list. For example
 *   (0, FT_ITEM_LETTER, " ", NULL)                 a i I s r e m d h o b
 *   (FT_HAS_WRITER, FT_ITEM_LETTER, ", ", " or ")  i, I, s, r, d, h, o or b
 *   (FT_HAS_WRITER | FT_HAS_EXTS, FT_ITEM_EXT, ", ", " or ")   .hex, .srec or .bin
 *   (FT_HAS_SNIFF, FT_ITEM_NAME, ", ", " or ")     Intel HEX, S-record or ELF */
enum { FT_HAS_READER = 1, FT_HAS_WRITER = 2, FT_HAS_EXTS = 4, FT_HAS_SNIFF = 8 };
enum ft_format_item {
    FT_ITEM_LETTER,     /* i */
    FT_ITEM_OPTION,     /* :i */
    FT_ITEM_EXT,        /* .hex, its first extension */
    FT_ITEM_NAME,       /* Intel HEX */
};
const char *ft_format_list(char *out, size_t n, unsigned need, enum ft_format_item item, const char *sep,
                           const char *last);

/* Guesses the format of a file's contents (for `a`): the first format of
 * the table whose sniff recognises it (ELF, Intel HEX, S-record), else raw. */
ft_format ft_format_detect(const uint8_t *buf, size_t len);
/* The format a file's name claims by its extension (the table's exts, case
 * aside: .hex .ihx .ihex .eep .h86: Intel HEX; .srec .s19 .s28 .s37 .mot
 * .mhx: S-record; .elf: ELF; .bin .raw: raw binary), FT_FMT_AUTO for a name
 * that claims none. Such a file must parse as that. Reads' output formats
 * use it too. */
ft_format ft_format_claimed(const char *path);
/* The format `a` stands for: the one the name claims (named: name is a
 * file's path, not "<stdin>"), else the content's (Intel HEX, S-record,
 * ELF). Content that is none of them is refused (FT_E_INPUT) with what it
 * looks like and what to do: raw binary is only ever chosen by the name. */
int ft_format_resolve(const char *name, bool named, const uint8_t *buf, size_t len, ft_format *fmt,
                      ft_err *err);
/* What content looks like, in words: "it looks like an HTML page, starting
 * \"<!DOCTYPE html>\"", "it looks like binary data", "it is empty". */
void ft_format_describe(const uint8_t *buf, size_t len, char *out, size_t n);

/* Parses `len` bytes of `fmt` (never FT_FMT_AUTO: detect first) that came
 * from `name` (used in messages: "name:line: expected ..., found ...") into
 * `img`, which the caller has initialised with the memory's size as limit.
 * `memory` is the avrdude memory name (flash, eeprom, lfuse, hfuse, efuse,
 * fuse, lock, signature, calibration): ELF files carry all memories in one
 * address space and only the named one is taken. For FT_FMT_IMM, buf is the
 * immediate text itself. On error the image is left empty. */
int ft_image_parse(ft_image *img, const char *name, const uint8_t *buf, size_t len,
                   ft_format fmt, const char *memory, ft_err *err);

/* Reads a whole file ("-" is standard input) and parses it as above.
 * FT_FMT_AUTO detects the format. */
int ft_image_read_file(ft_image *img, const char *path, ft_format fmt,
                       const char *memory, ft_err *err);

/* Writes the image's set bytes as `fmt` (a format with a writer: i, I, s,
 * r, d, h, o, b; not e, m, a).
 * Raw and byte lists fill holes below the extent with 0xFF. "-" is standard
 * output. `*out`/`*outlen` variant returns a malloc'd buffer. */
int ft_image_format(const ft_image *img, ft_format fmt, char **out, size_t *outlen, ft_err *err);
int ft_image_write_file(const ft_image *img, const char *path, ft_format fmt, ft_err *err);
/* Before anything is read: can a file be created at path ("-" always can)?
 * FT_E_USAGE naming the reason when its directory is missing or not
 * writable, or path is a directory. Writing is whole-or-nothing: a
 * temporary file in the same directory, flushed, renamed over path. */
int ft_image_check_output(const char *path, ft_err *err);


/* Inside the image layer only (src/image*.c): one reader and one writer per
 * format, of the table's types, reached through the table by ft_image_parse
 * and ft_image_format. */
int ft_image_put_at(ft_image *img, uint64_t addr, uint8_t v, const char *where, ft_err *err);
/* Shared by the hex-digit record formats (Intel HEX, S-record). */
int ft_hexval(int c);                                   /* -1 if not a hex digit */
const char *ft_show_char(int c, char *tmp, size_t n);   /* 'x' or byte 0xNN, for messages */
ft_format_reader ft_ihex_parse, ft_srec_parse, ft_elf_parse, ft_raw_parse, ft_bytes_parse;
ft_format_writer ft_ihex_format, ft_srec_format, ft_raw_format, ft_bytes_format;
/* One data item of a byte list, a terminal write or :m (a number, 'c' or
 * "string", see image_bytes.c): its bytes into out (at most cap), *outn how
 * many, *minimal how many the value needs. -1 and *why (what was expected)
 * if it is none of those. ft_bytes_token: length of the item starting at s
 * (up to a separator outside quotes). */
int ft_bytes_item(const char *s, size_t n, uint8_t *out, size_t cap, size_t *outn, size_t *minimal,
                  const char **why);
size_t ft_bytes_token(const char *s, size_t n);

#endif
