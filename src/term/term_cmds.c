/* The terminal's commands, with avrdude's syntax and, where scripts read
 * it, its output: dump's lines ("0000  ff ff ...  |....|"), `sig`'s
 * "Device signature = 0x1e950f", `part -m`'s memory table. */
#include "term_priv.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DUMP_DEFAULT 256

static int usage(ft_err *err, const char *syntax)
{
    return ft_err_set(err, FT_E_USAGE, "syntax: %s", syntax);
}

static bool read_only(const ft_term *t, const term_mem *tm)
{
    return strcmp(tm->sel.name, "signature") == 0 || strcmp(tm->sel.name, "calibration") == 0 ||
           ft_mem_data(t->tg.part, tm->sel.name, NULL, NULL) >= 0;
}

static bool cached(const term_mem *tm)
{
    return strcmp(tm->sel.name, "flash") == 0 || strcmp(tm->sel.name, "eeprom") == 0;
}

/* An address: negative counts from the memory's end. */
static int address(const term_mem *tm, const char *s, uint32_t *a, ft_err *err)
{
    long v;
    if (!term_parse_int(s, &v))
        return ft_err_set(err, FT_E_USAGE, "%s: expected an address, found \"%s\"", tm->sel.name, s);
    if (v < 0)
        v += (long)tm->sel.size;
    if (v < 0 || v >= (long)tm->sel.size)
        return ft_err_set(err, FT_E_USAGE, "%s address %s is out of range [-0x%04x, 0x%04x]", tm->sel.name, s,
                          tm->sel.size, tm->sel.size - 1);
    *a = (uint32_t)v;
    return FT_OK;
}

/* A length from addr: negative ends that many bytes below the end. */
static int length(const term_mem *tm, uint32_t addr, const char *s, uint32_t *n, ft_err *err)
{
    long v;
    if (!term_parse_int(s, &v))
        return ft_err_set(err, FT_E_USAGE, "%s: expected a length, found \"%s\"", tm->sel.name, s);
    if (v < 0)
        v = (long)tm->sel.size + v - (long)addr + 1;
    if (v <= 0)
        return ft_err_set(err, FT_E_USAGE, "%s: length %s selects nothing from 0x%04x", tm->sel.name, s, addr);
    if ((uint32_t)v > tm->sel.size - addr)
        v = (long)(tm->sel.size - addr);
    *n = (uint32_t)v;
    return FT_OK;
}

static void hexline(FILE *f, uint32_t addr, uint32_t size, const uint8_t *p, uint32_t n)
{
    char line[69];
    memset(line, ' ', 67);
    line[50] = line[67] = '|';
    line[68] = '\0';
    static const char hex[] = "0123456789abcdef";
    for (uint32_t i = 0, j = 0; i < n && i < 16; i++, j += i == 8 ? 4 : 3) {
        line[j] = hex[p[i] >> 4];
        line[j + 1] = hex[p[i] & 15];
        line[51 + i] = isascii(p[i]) && isspace(p[i]) ? ' ' : isascii(p[i]) && isgraph(p[i]) ? (char)p[i] : '.';
    }
    fprintf(f, "%0*x  %s\n", size > 0x10000 ? 5 : 4, addr, line);
}

static int cmd_dump(ft_term *t, int argc, char **argv, ft_err *err)
{
    if (argc > 4 || (argc == 1 && t->last_dump < 0))
        return usage(err, "dump <memory> [<addr> [<len>]]; dump alone goes on where the last one ended");
    term_mem *tm = argc > 1 ? term_mem_get(t, argv[1], err) : &t->mem[t->last_dump];
    if (!tm)
        return err->code;
    uint32_t addr = tm->dump_addr, n = tm->dump_len ? tm->dump_len : DUMP_DEFAULT;
    int rc = argc > 2 ? address(tm, argv[2], &addr, err) : FT_OK;
    if (rc == FT_OK && argc > 3)
        rc = length(tm, addr, argv[3], &n, err);
    if (rc != FT_OK)
        return rc;
    if (n > tm->sel.size - addr)
        n = tm->sel.size - addr;
    rc = term_load(t, tm, err);
    if (rc != FT_OK)
        return rc;
    for (uint32_t off = 0; off < n; off += 16) {
        uint8_t b[16];
        uint32_t k = n - off < 16 ? n - off : 16;
        for (uint32_t i = 0; i < k; i++)
            b[i] = term_shown(t, tm, addr + off + i);
        hexline(t->out, addr + off, tm->sel.size, b, k);
    }
    fflush(t->out);
    uint32_t unwritten = term_unwritten(t, tm, addr, n);
    if (unwritten)
        ft_out_msg(t->tg.out, 0, "dump %s: the chip as it is; %u cached byte%s here will not be written (-n)",
                   tm->sel.name, unwritten, unwritten == 1 ? "" : "s");
    tm->dump_len = n;
    tm->dump_addr = addr + n >= tm->sel.size ? 0 : addr + n;
    t->last_dump = (int)(tm - t->mem);
    return FT_OK;
}

/* "file:f" -> file and format letter (FT_FMT_AUTO without one). The
 * returned name is a copy in buf. */
static const char *file_fmt(const char *arg, char *buf, size_t n, ft_format *fmt)
{
    snprintf(buf, n, "%s", arg);
    size_t len = strlen(buf);
    *fmt = FT_FMT_AUTO;
    if (len > 2 && buf[len - 2] == ':' && ft_format_valid(buf[len - 1])) {
        *fmt = (ft_format)buf[len - 1];
        buf[len - 2] = '\0';
    }
    return buf;
}

/* A file as a data item: its bytes from its address 0 on. */
static int file_item(ft_term *t, const term_mem *tm, const char *arg, ft_image *img, ft_err *err)
{
    (void)t;
    char name[1024];
    ft_format fmt;
    file_fmt(arg, name, sizeof name, &fmt);
    ft_image_init(img, tm->sel.size);
    int rc = ft_image_read_file(img, name, fmt, tm->sel.name, err);
    if (rc != FT_OK)
        ft_image_free(img);
    return rc;
}

/* Puts the data items argv[0..argc) at addr of `out` (a memory-sized
 * image); *end gets the address after the last byte. */
static int put_items(ft_term *t, const term_mem *tm, uint32_t addr, int argc, char **argv, ft_image *out,
                     uint32_t *end, ft_err *err)
{
    for (int i = 0; i < argc; i++) {
        const char *s = argv[i];
        size_t len = strlen(s);
        for (size_t pos = 0; pos < len;) {
            if (s[pos] == ',') {
                pos++;
                continue;
            }
            size_t n = ft_bytes_token(s + pos, len - pos);
            size_t got, minimal;
            uint8_t item[1024];
            const char *why;
            if (ft_bytes_item(s + pos, n, item, sizeof item, &got, &minimal, &why) != 0) {
                /* not data: a file to insert here */
                ft_image f;
                ft_err ferr = {0};
                if (file_item(t, tm, s, &f, &ferr) != FT_OK)
                    return ft_err_set(err, FT_E_USAGE, "write %s: \"%.*s\": expected %s or a file (%s)",
                                      tm->sel.name, (int)n, s + pos, why, ferr.msg);
                uint32_t ext = ft_image_extent(&f);
                for (uint32_t a = 0; a < ext; a++, addr++) {
                    if (addr >= tm->sel.size) {
                        ft_image_free(&f);
                        return ft_err_set(err, FT_E_USAGE, "write %s: %s runs past the end (0x%x bytes)",
                                          tm->sel.name, s, tm->sel.size);
                    }
                    ft_image_store(out, addr, ft_image_get(&f, a));
                }
                ft_image_free(&f);
                break;
            }
            /* zero padding of a sized number past the end is dropped */
            if (addr + got > tm->sel.size && addr + minimal <= tm->sel.size)
                got = tm->sel.size - addr;
            for (size_t k = 0; k < got; k++, addr++) {
                if (addr >= tm->sel.size)
                    return ft_err_set(err, FT_E_USAGE, "write %s: data runs past the end (0x%x bytes)",
                                      tm->sel.name, tm->sel.size);
                ft_image_store(out, addr, item[k]);
            }
            pos += n;
        }
    }
    *end = addr;
    return FT_OK;
}

/* The changes of `img` into the memory: cached for flash and EEPROM, at
 * once (through the fuse checks) for fuses and lock. */
static int apply(ft_term *t, term_mem *tm, const ft_image *img, ft_err *err)
{
    if (read_only(t, tm))
        return ft_err_set(err, FT_E_USAGE, "%s is read-only", tm->sel.name);
    if (ft_image_empty(img))
        return FT_OK;
    if (!cached(tm))
        return term_write_byte(t, tm, ft_image_get(img, 0), err);
    int rc = term_load(t, tm, err);
    if (rc != FT_OK)
        return rc;
    uint32_t ext = ft_image_extent(img);
    for (uint32_t a = 0; a < ext; a++)
        if (ft_image_is_set(img, a))
            ft_image_store(&tm->pend, a, ft_image_get(img, a));
    return FT_OK;
}

static int cmd_write(ft_term *t, int argc, char **argv, ft_err *err)
{
    static const char syntax[] = "write <memory> <addr> <data>..., write <memory> <addr> <len> <data> ..., "
                                 "write <memory> <file>[:<format>], write <1-byte memory> <data>";
    if (argc < 3)
        return usage(err, syntax);
    term_mem *tm = term_mem_get(t, argv[1], err);
    if (!tm)
        return err->code;
    ft_image img;
    ft_image_init(&img, tm->sel.size);
    uint32_t addr = 0, end;
    int rc = FT_OK;
    long dummy;
    if (argc == 3 && tm->sel.size > 1 && !term_parse_int(argv[2], &dummy)) {
        ft_image f;
        rc = file_item(t, tm, argv[2], &f, err);   /* write MEM FILE: the file's own addresses */
        if (rc == FT_OK) {
            ft_image_free(&img);
            img = f;
        }
    } else if (argc == 3 && tm->sel.size == 1) {
        rc = put_items(t, tm, 0, 1, argv + 2, &img, &end, err);
    } else if (argc == 3) {
        rc = usage(err, syntax);
    } else {
        rc = address(tm, argv[2], &addr, err);
        if (rc == FT_OK && strcmp(argv[argc - 1], "...") == 0) {
            /* fill: write MEM ADDR LEN DATA ... repeats the last item */
            uint32_t n = 0;
            if (argc < 6)
                rc = usage(err, syntax);
            if (rc == FT_OK)
                rc = length(tm, addr, argv[3], &n, err);
            ft_image one;
            ft_image_init(&one, tm->sel.size);
            if (rc == FT_OK)
                rc = put_items(t, tm, addr, argc - 5, argv + 4, &img, &end, err);
            if (rc == FT_OK)
                rc = put_items(t, tm, 0, 1, argv + argc - 2, &one, &end, err);
            uint32_t unit = rc == FT_OK ? ft_image_extent(&one) : 0, a = addr;
            while (a < addr + n && ft_image_is_set(&img, a))
                a++;
            for (uint32_t k = 0; rc == FT_OK && unit && a < addr + n; a++, k = (k + 1) % unit)
                ft_image_store(&img, a, ft_image_get(&one, k));
            ft_image_free(&one);
            /* never beyond the interval */
            for (uint32_t x = addr + n; rc == FT_OK && x < tm->sel.size; x++)
                if (ft_image_is_set(&img, x)) {
                    ft_image init;
                    ft_image_init(&init, tm->sel.size);
                    for (uint32_t y = addr; y < addr + n; y++)
                        if (ft_image_is_set(&img, y))
                            ft_image_store(&init, y, ft_image_get(&img, y));
                    ft_image_free(&img);
                    img = init;
                    break;
                }
        } else if (rc == FT_OK) {
            rc = put_items(t, tm, addr, argc - 3, argv + 3, &img, &end, err);
        }
    }
    if (rc == FT_OK)
        rc = apply(t, tm, &img, err);
    ft_image_free(&img);
    return rc;
}

static int cmd_erase(ft_term *t, int argc, char **argv, ft_err *err)
{
    if (argc == 1) {
        int rc = term_run(t, NULL, 0, true, err);
        term_invalidate(t);   /* pending writes go with the old contents */
        if (rc == FT_OK && !t->tg.opts.dry_run)   /* -n: the session said it would */
            fprintf(t->out, "chip erased\n");
        return rc;
    }
    if (argc != 2 && argc != 4)
        return usage(err, "erase, erase <memory>, erase <memory> <addr> <len>");
    term_mem *tm = term_mem_get(t, argv[1], err);
    if (!tm)
        return err->code;
    if (!cached(tm))
        return ft_err_set(err, FT_E_USAGE, "erase %s: only flash and EEPROM can be erased; write the value "
                          "instead", tm->sel.name);
    uint32_t addr = 0, n = tm->sel.size;
    int rc = argc == 4 ? address(tm, argv[2], &addr, err) : FT_OK;
    if (rc == FT_OK && argc == 4)
        rc = length(tm, addr, argv[3], &n, err);
    ft_image img;
    ft_image_init(&img, tm->sel.size);
    for (uint32_t a = addr; rc == FT_OK && a < addr + n; a++)
        ft_image_store(&img, a, 0xff);
    if (rc == FT_OK)
        rc = apply(t, tm, &img, err);
    ft_image_free(&img);
    return rc;
}

static int cmd_flush(ft_term *t, int argc, char **argv, ft_err *err)
{
    (void)argv;
    if (argc != 1)
        return usage(err, "flush");
    return ft_term_flush(t, err);
}

static int cmd_abort(ft_term *t, int argc, char **argv, ft_err *err)
{
    (void)argv;
    if (argc != 1)
        return usage(err, "abort");
    for (int i = 0; i < t->nmem; i++)
        ft_image_clear(&t->mem[i].pend);
    return FT_OK;
}

static int cmd_sig(ft_term *t, int argc, char **argv, ft_err *err)
{
    (void)argv;
    if (argc != 1)
        return usage(err, "sig");
    term_mem *tm = term_mem_get(t, "signature", err);
    if (!tm)
        return err->code;
    tm->loaded = false;
    int rc = term_load(t, tm, err);
    if (rc != FT_OK)
        return rc;
    fprintf(t->out, "Device signature = 0x");
    for (uint32_t i = 0; i < tm->sel.size; i++)
        fprintf(t->out, "%02x", term_byte(tm, i));
    fprintf(t->out, "\n");
    return FT_OK;
}

static int digits(unsigned v)
{
    int n = 1;
    while (v >= 10)
        v /= 10, n++;
    return n;
}

static void memory_table(ft_term *t)
{
    const ft_part *p = t->tg.part;
    struct row { const char *name; unsigned size, page; } m[FT_MAX_MEMS + 2];
    int n = 0;
    if (p->eeprom.size)
        m[n++] = (struct row){"eeprom", p->eeprom.size, p->eeprom.page_size ? p->eeprom.page_size : 1};
    if (p->flash.size)
        m[n++] = (struct row){"flash", p->flash.size, p->flash.page_size ? p->flash.page_size : 1};
    for (int i = 0; i < p->nfuses; i++)
        m[n++] = (struct row){p->fuses[i].name, 1, 1};
    if (p->lock.name[0] || p->lock.writable)
        m[n++] = (struct row){"lock", 1, 1};
    m[n++] = (struct row){"signature", 3, 1};
    if (p->calibration_bytes)
        m[n++] = (struct row){"calibration", p->calibration_bytes, 1};
    static const char *const data[FT_DATA_MEMS] = {"sram", "io", "prodsig", "sernum"};
    for (int i = 0; i < FT_DATA_MEMS; i++) {
        uint32_t size;
        if (ft_mem_data(p, data[i], NULL, &size) >= 0)
            m[n++] = (struct row){data[i], size, 1};
    }
    int w0 = 6, w1 = 4, w2 = 7;
    for (int i = 0; i < n; i++) {
        if ((int)strlen(m[i].name) > w0)
            w0 = (int)strlen(m[i].name);
        if (digits(m[i].size) > w1)
            w1 = digits(m[i].size);
        if (digits(m[i].page) > w2)
            w2 = digits(m[i].page);
    }
    static const char dash[] = "-------------------------------";
    fprintf(t->out, "\n%-*s  %*s  %-*s\n%.*s--%.*s--%.*s\n", w0, "Memory", w1, "Size", w2, "Pg size", w0, dash,
            w1, dash, w2, dash);
    for (int i = 0; i < n; i++)
        fprintf(t->out, "%-*s  %*u  %*u\n", w0, m[i].name, w1, m[i].size, w2, m[i].page);
}

static int cmd_part(ft_term *t, int argc, char **argv, ft_err *err)
{
    bool only_mem = argc == 2 && strcmp(argv[1], "-m") == 0;
    if (argc > 2 || (argc == 2 && !only_mem))
        return usage(err, "part [-m]: the part, or with -m only its memories");
    if (!only_mem)
        fprintf(t->out, "%s with programming mode %s\n", t->tg.part->name[0] ? t->tg.part->name : t->tg.part->id,
                t->tg.part->protocol == FT_PROTO_TPI ? "TPI" : "ISP");
    memory_table(t);
    fprintf(t->out, "\n");
    return FT_OK;
}

static int level(ft_term *t, int argc, char **argv, ft_err *err, bool quell)
{
    ft_out *o = t->tg.out;
    if (argc > 2)
        return usage(err, quell ? "quell [<level>]" : "verbose [<level>]");
    if (argc == 2) {
        long v;
        if (!term_parse_int(argv[1], &v) || v < 0 || v > 10)
            return ft_err_set(err, FT_E_USAGE, "%s: expected a level 0 to 10, found \"%s\"", argv[0], argv[1]);
        o->verbosity = quell ? -(int)v : (int)v;
    }
    if (quell)
        fprintf(t->out, "Quell level: %d\n", o->verbosity < 0 ? -o->verbosity : 0);
    else
        fprintf(t->out, "Verbosity level: %d\n", o->verbosity > 0 ? o->verbosity : 0);
    return FT_OK;
}

static int cmd_verbose(ft_term *t, int argc, char **argv, ft_err *err) { return level(t, argc, argv, err, false); }
static int cmd_quell(ft_term *t, int argc, char **argv, ft_err *err) { return level(t, argc, argv, err, true); }

static int cmd_quit(ft_term *t, int argc, char **argv, ft_err *err)
{
    (void)argv;
    if (argc != 1)
        return usage(err, "quit");
    t->quit = true;
    return ft_term_flush(t, err);
}

/* backup, restore and verify: one -U operation on a memory or a list, after
 * the cached writes are flushed. */
static int file_op(ft_term *t, int argc, char **argv, ft_opkind kind, ft_err *err)
{
    if (argc != 3)
        return ft_err_set(err, FT_E_USAGE, "syntax: %s <memory or list> <file>[:<format>]", argv[0]);
    int rc = ft_term_flush(t, err);
    if (rc != FT_OK)
        return rc;
    char name[1024];
    ft_opspec s = {.kind = kind};
    if (strlen(argv[1]) >= sizeof s.memory)
        return ft_err_set(err, FT_E_USAGE, "%s: memory list too long", argv[0]);
    snprintf(s.memory, sizeof s.memory, "%s", argv[1]);
    s.file = file_fmt(argv[2], name, sizeof name, &s.fmt);
    rc = term_run(t, &s, 1, false, err);
    if (kind == FT_OP_WRITE)
        term_invalidate(t);   /* read the chip again when asked */
    if (rc == FT_OK && kind == FT_OP_VERIFY)
        fprintf(t->out, "%s verified against %s\n", argv[1], name);
    return rc;
}

static int cmd_backup(ft_term *t, int argc, char **argv, ft_err *err)
{
    return file_op(t, argc, argv, FT_OP_READ, err);
}

static int cmd_restore(ft_term *t, int argc, char **argv, ft_err *err)
{
    return file_op(t, argc, argv, FT_OP_WRITE, err);
}

static int cmd_verify(ft_term *t, int argc, char **argv, ft_err *err)
{
    return file_op(t, argc, argv, FT_OP_VERIFY, err);
}

/* save MEM [ADDR LEN]... FILE[:fmt]: the memory (or the segments) as the
 * terminal sees it, cached writes included; raw binary by default. */
static int cmd_save(ft_term *t, int argc, char **argv, ft_err *err)
{
    if (argc < 3 || argc % 2 == 0)
        return ft_err_set(err, FT_E_USAGE, "syntax: save <memory> [<addr> <len>]... <file>[:<format>]");
    term_mem *tm = term_mem_get(t, argv[1], err);
    if (!tm)
        return err->code;
    int rc = term_load(t, tm, err);
    char name[1024];
    ft_format fmt;
    file_fmt(argv[argc - 1], name, sizeof name, &fmt);
    if (fmt == FT_FMT_AUTO)
        fmt = FT_FMT_RAW;
    /* only formats of records with addresses (Intel HEX, S-record) keep
     * them; other formats get the segments one after the other */
    bool keep = ft_format_is(fmt, FT_FMTF_RECORDS);
    ft_image img;
    ft_image_init(&img, keep ? tm->sel.size : tm->sel.size * (uint32_t)(argc / 2));
    uint32_t out = 0;
    for (int i = 2; rc == FT_OK && i + 1 < argc - 1; i += 2) {
        uint32_t addr, n;
        rc = address(tm, argv[i], &addr, err);
        if (rc == FT_OK)
            rc = length(tm, addr, argv[i + 1], &n, err);
        for (uint32_t a = addr; rc == FT_OK && a < addr + n; a++)
            ft_image_store(&img, keep ? a : out++, term_shown(t, tm, a));
    }
    if (rc == FT_OK && argc == 3)
        for (uint32_t a = 0; a < tm->sel.size; a++)
            ft_image_store(&img, a, term_shown(t, tm, a));
    if (rc == FT_OK)
        rc = ft_image_write_file(&img, name, fmt, err);
    ft_image_free(&img);
    return rc;
}

static int cmd_help(ft_term *t, int argc, char **argv, ft_err *err);

static const term_cmd CMDS[] = {
    {"dump", cmd_dump, "show a memory section as hex and text: dump <memory> [<addr> [<len>]]"},
    {"read", cmd_dump, "the same as dump"},
    {"d", cmd_dump, NULL},
    {"r", cmd_dump, NULL},
    {"w", cmd_write, NULL},
    {"write", cmd_write, "write data or a file to a memory; flash and EEPROM are cached until flush"},
    {"erase", cmd_erase, "chip erase, or fill a memory (or <addr> <len> of it) with 0xff"},
    {"save", cmd_save, "save a memory or segments of it to a file: save <memory> [<addr> <len>]... <file>[:<fmt>]"},
    {"backup", cmd_backup, "read memories into a file: backup <memory or list> <file>[:<fmt>]"},
    {"restore", cmd_restore, "write memories from a file: restore <memory or list> <file>[:<fmt>]"},
    {"verify", cmd_verify, "compare memories with a file: verify <memory or list> <file>[:<fmt>]"},
    {"flush", cmd_flush, "write the cached flash and EEPROM changes to the chip"},
    {"abort", cmd_abort, "drop the cached changes"},
    {"config", term_cmd_config, "show or change fuse and lock bit fields by name: config [-f|-a] [<field>[=<value>]]"},
    {"sig", cmd_sig, "show the signature"},
    {"part", cmd_part, "show the part and its memories (-m: only the memories)"},
    {"verbose", cmd_verbose, "show or set the verbosity"},
    {"quell", cmd_quell, "show or set the quell level (less output)"},
    {"help", cmd_help, "this list"},
    {"?", cmd_help, NULL},
    {"quit", cmd_quit, "write cached changes and leave"},
    {"q", cmd_quit, NULL},
};

const term_cmd *term_commands(int *n)
{
    *n = (int)(sizeof CMDS / sizeof CMDS[0]);
    return CMDS;
}

static int cmd_help(ft_term *t, int argc, char **argv, ft_err *err)
{
    (void)argc;
    (void)argv;
    (void)err;
    fprintf(t->out, "Valid commands:\n");
    for (size_t i = 0; i < sizeof CMDS / sizeof CMDS[0]; i++)
        if (CMDS[i].help)
            fprintf(t->out, "  %-8s: %s\n", CMDS[i].name, CMDS[i].help);
    fprintf(t->out, "Commands may be shortened to a unique prefix (d, w, e, ...). Addresses and lengths\n"
                    "may be negative (counted from the end); data items are numbers (0x2a, 42, 0x002a\n"
                    "is two bytes, 7L four), 'c' characters, \"strings\" and file names.\n");
    return FT_OK;
}
