/* The chip database in memory: adding and replacing parts, finding them by
 * name or signature, and where the default database file lives. */
#include "ftisp/partdb.h"

#include <errno.h>
#include <stddef.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#ifndef FTISP_DATADIR
#define FTISP_DATADIR "/usr/local/share/ftisp"
#endif

/* Largest database file accepted: the whole of avrdude.conf is ~0.5 MiB. */
#define FT_PARTDB_MAX_FILE (64u << 20)

/* The settings' values and names live in blocks that never move, so parts
 * can point at them and be copied freely; all go with the database. */
#define POOL_BLOCK (64u * 1024u)
struct ft_partdb_pool {
    ft_partdb_pool *next;
    size_t used, cap;
    max_align_t data[];
};

void ft_partdb_init(ft_partdb *db)
{
    db->nparts = 0;
    db->cap = 0;
    db->parts = NULL;
    db->pool = NULL;
}

void ft_partdb_free(ft_partdb *db)
{
    free(db->parts);
    while (db->pool) {
        ft_partdb_pool *next = db->pool->next;
        free(db->pool);
        db->pool = next;
    }
    ft_partdb_init(db);
}

void *ft_partdb_alloc(ft_partdb *db, size_t size)
{
    size_t align = sizeof(max_align_t);
    size = (size + align - 1) / align * align;
    ft_partdb_pool *b = db->pool;
    if (!b || b->cap - b->used < size) {
        size_t cap = size > POOL_BLOCK ? size : POOL_BLOCK;
        b = malloc(sizeof *b + cap);
        if (!b)
            return NULL;
        b->next = db->pool;
        b->used = 0;
        b->cap = cap;
        db->pool = b;
    }
    void *out = (char *)b->data + b->used;
    b->used += size;
    return out;
}

int ft_partdb_put(ft_partdb *db, const ft_part *p, ft_err *err)
{
    for (int i = 0; i < db->nparts; i++) {
        if (strcasecmp(db->parts[i].id, p->id) == 0) {
            db->parts[i] = *p;
            return FT_OK;
        }
    }
    if (db->nparts == db->cap) {
        int cap = db->cap ? db->cap * 2 : 64;
        ft_part *n = realloc(db->parts, (size_t)cap * sizeof *n);
        if (!n)
            return ft_err_set(err, FT_E_FAIL, "out of memory loading parts");
        db->parts = n;
        db->cap = cap;
    }
    db->parts[db->nparts++] = *p;
    return FT_OK;
}

void ft_part_derive(ft_part *p)
{
    p->load_ext_addr = p->flash.size > 128u * 1024u;
    if (p->protocol == FT_PROTO_TPI && p->tpi_words == 0)
        p->tpi_words = 1;
    p->ckdiv8_fuse = 0;
    p->ckdiv8_mask = 0;
    for (int i = 0; i < p->nfuses; i++) {
        const ft_field *f = ft_fuse_field(&p->fuses[i], "CKDIV8");
        if (f) {
            p->ckdiv8_fuse = p->fuses[i].index;
            p->ckdiv8_mask = f->mask;
            break;
        }
    }
}

int ft_partdb_read_file(const char *path, char **text, size_t *len, ft_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return ft_err_set(err, FT_E_INPUT, "%s: cannot open: %s", path, strerror(errno));
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap + 1);
    if (!buf) {
        fclose(f);
        return ft_err_set(err, FT_E_FAIL, "out of memory reading %s", path);
    }
    for (;;) {
        if (n == cap) {
            if (cap >= FT_PARTDB_MAX_FILE) {
                free(buf);
                fclose(f);
                return ft_err_set(err, FT_E_INPUT, "%s: too large for a parts file", path);
            }
            char *nb = realloc(buf, cap * 2 + 1);
            if (!nb) {
                free(buf);
                fclose(f);
                return ft_err_set(err, FT_E_FAIL, "out of memory reading %s", path);
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return ft_err_set(err, FT_E_INPUT, "%s: read error", path);
    }
    buf[n] = '\0';
    *text = buf;
    *len = n;
    return FT_OK;
}

static int load_with(ft_partdb *db, const char *path, ft_err *err,
                     int (*parse)(ft_partdb *, const char *, const char *, size_t, ft_err *))
{
    char *text;
    size_t len;
    int rc = ft_partdb_read_file(path, &text, &len, err);
    if (rc != FT_OK)
        return rc;
    rc = parse(db, path, text, len, err);
    free(text);
    return rc;
}

int ft_partdb_load(ft_partdb *db, const char *path, ft_err *err)
{
    return load_with(db, path, err, ft_partdb_parse);
}

int ft_partdb_load_avrdude(ft_partdb *db, const char *path, ft_err *err)
{
    return load_with(db, path, err, ft_partdb_parse_avrdude);
}

/* avrdude.conf always uses `=` on its statements (`id = "m328p";`) and ours
 * never does, so the first statement that is not a comment tells them apart. */
static bool looks_like_avrdude(const char *text, size_t len)
{
    size_t i = 0;
    while (i < len) {
        size_t e = i;
        while (e < len && text[e] != '\n')
            e++;
        size_t s = i;
        while (s < e && (text[s] == ' ' || text[s] == '\t' || text[s] == '\r'))
            s++;
        if (s < e && text[s] != '#') {
            for (size_t k = s; k < e && text[k] != '#'; k++)
                if (text[k] == '=' || text[k] == ';' || text[k] == '"')
                    return true;
            /* `part` or `programmer` alone on a line, then `id = ...` next:
             * keep looking at the following lines. */
            if (!(e - s >= 4 && strncmp(text + s, "part", 4) == 0 && e - s <= 5) &&
                !(e - s >= 10 && strncmp(text + s, "programmer", 10) == 0))
                return false;
        }
        i = e + 1;
    }
    return false;
}

int ft_partdb_load_any(ft_partdb *db, const char *path, ft_err *err)
{
    return ft_partdb_load_conf(db, NULL, path, err);
}

int ft_partdb_load_conf(ft_partdb *db, struct ft_progdb *pdb, const char *path, ft_err *err)
{
    char *text;
    size_t len;
    int rc = ft_partdb_read_file(path, &text, &len, err);
    if (rc != FT_OK)
        return rc;
    if (looks_like_avrdude(text, len))
        rc = ft_avrdude_parse(db, pdb, path, text, len, err);
    else
        rc = ft_partdb_parse(db, path, text, len, err);
    free(text);
    return rc;
}

/* A binary built in a build directory <root>/build... (or a test binary
 * below one) finds the checkout's data/parts.conf, so a build runs without
 * being installed. */
static bool beside_build_tree(char *out, size_t outlen)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return false;
    exe[n] = '\0';
    for (int up = 0; up < 4; up++) {
        char *slash = strrchr(exe, '/');
        if (!slash || slash == exe)
            return false;
        *slash = '\0';                   /* exe is now the directory */
        char *dir = strrchr(exe, '/');
        if (!dir)
            return false;
        if (strncmp(dir + 1, "build", 5) == 0) {
            *dir = '\0';                 /* the root */
            int w = snprintf(out, outlen, "%s/data/parts.conf", exe[0] ? exe : "");
            return w > 0 && (size_t)w < outlen && access(out, R_OK) == 0;
        }
    }
    return false;
}

/* An installed binary in <prefix>/bin finds <prefix>/share/ftisp/parts.conf,
 * so the installation can be moved (or staged under DESTDIR) and still work
 * without depending on the prefix it was compiled for. */
static bool beside_installed_bin(char *out, size_t outlen)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return false;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return false;
    *slash = '\0';                      /* <prefix>/bin */
    int w = snprintf(out, outlen, "%s/../share/ftisp/parts.conf", exe);
    return w > 0 && (size_t)w < outlen && access(out, R_OK) == 0;
}

const char *ft_partdb_default_path(void)
{
    static char path[PATH_MAX + 32];
    const char *env = getenv("FTISP_PARTS");
    if (env && *env)
        return env;
    if (beside_build_tree(path, sizeof path))
        return path;
    if (beside_installed_bin(path, sizeof path))
        return path;
    return FTISP_DATADIR "/parts.conf";
}

const ft_part *ft_partdb_find(const ft_partdb *db, const char *name)
{
    if (!name)
        return NULL;
    for (int i = 0; i < db->nparts; i++)
        if (strcasecmp(db->parts[i].id, name) == 0)
            return &db->parts[i];
    for (int i = 0; i < db->nparts; i++) {
        const ft_part *p = &db->parts[i];
        if (strcasecmp(p->name, name) == 0)
            return p;
        for (int a = 0; a < p->naliases; a++)
            if (strcasecmp(p->aliases[a], name) == 0)
                return p;
    }
    return NULL;
}

const ft_part *ft_partdb_find_signature(const ft_partdb *db, const uint8_t sig[3])
{
    for (int i = 0; i < db->nparts; i++)
        if (memcmp(db->parts[i].signature, sig, 3) == 0)
            return &db->parts[i];
    return NULL;
}

const ft_fuse *ft_part_fuse(const ft_part *p, const char *memory)
{
    if (strcmp(memory, "lock") == 0)
        return p->lock.name[0] ? &p->lock : NULL;
    for (int i = 0; i < p->nfuses; i++)
        if (strcmp(p->fuses[i].name, memory) == 0)
            return &p->fuses[i];
    return NULL;
}

const ft_field *ft_fuse_field(const ft_fuse *f, const char *name)
{
    for (int i = 0; i < f->nfields; i++)
        if (strcasecmp(f->fields[i].name, name) == 0)
            return &f->fields[i];
    return NULL;
}

const ft_field *ft_part_field(const ft_part *p, const char *name, const ft_fuse **fuse)
{
    for (int i = 0; i <= p->nfuses; i++) {
        const ft_fuse *f = i < p->nfuses ? &p->fuses[i] : &p->lock;
        const ft_field *fl = ft_fuse_field(f, name);
        if (fl) {
            if (fuse)
                *fuse = f;
            return fl;
        }
    }
    return NULL;
}

const ft_setting *ft_fuse_setting(const ft_fuse *f, const char *name)
{
    for (int i = 0; i < f->nsettings; i++)
        if (strcasecmp(f->settings[i].name, name) == 0)
            return &f->settings[i];
    return NULL;
}

const ft_setting *ft_part_setting(const ft_part *p, const char *name, const ft_fuse **fuse)
{
    for (int i = 0; i <= p->nfuses; i++) {
        const ft_fuse *f = i < p->nfuses ? &p->fuses[i] : &p->lock;
        const ft_setting *s = ft_fuse_setting(f, name);
        if (s) {
            if (fuse)
                *fuse = f;
            return s;
        }
    }
    return NULL;
}

const ft_setting_value *ft_setting_value_named(const ft_setting *s, const char *name)
{
    for (int i = 0; i < s->nvalues; i++)
        if (strcasecmp(s->values[i].name, name) == 0)
            return &s->values[i];
    return NULL;
}

const char *ft_setting_value_name(const ft_setting *s, uint8_t byte)
{
    for (int i = 0; i < s->nvalues; i++)
        if (s->values[i].value == (byte & s->mask))
            return s->values[i].name;
    return NULL;
}

static int lowest_bit(uint8_t mask)
{
    int b = 0;
    while (b < 7 && !(mask & (1u << b)))
        b++;
    return b;
}

unsigned ft_setting_number(const ft_setting *s, uint8_t byte)
{
    return (unsigned)(byte & s->mask) >> lowest_bit(s->mask);
}

uint8_t ft_setting_from_number(const ft_setting *s, unsigned number)
{
    return (uint8_t)((number << lowest_bit(s->mask)) & s->mask);
}

uint32_t ft_part_mem_size(const ft_part *p, const char *memory)
{
    if (strcmp(memory, "flash") == 0)
        return p->flash.size;
    if (strcmp(memory, "eeprom") == 0)
        return p->eeprom.size;
    if (strcmp(memory, "signature") == 0)
        return 3;
    if (strcmp(memory, "calibration") == 0)
        return p->calibration_bytes;
    return ft_part_fuse(p, memory) ? 1 : 0;
}
