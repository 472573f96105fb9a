/* Memory names as avrdude 8 takes them in -U and the terminal: canonical
 * names, aliases (ee, sig, fuse0-fuse2, lockbits), unique prefixes, and the
 * lists that select several memories (flash,eeprom; all; ALL; etc; -mem to
 * leave one out; fuses for every fuse byte). A list's file holds each memory
 * at its address in avr-gcc's flat address space (REFERENCE.md section 4). */
#include "ftisp/plan.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define FLAT_EEPROM 0x810000u
#define FLAT_FUSES 0x820000u
#define FLAT_LOCK 0x830000u
#define FLAT_SIG 0x840000u

/* TPI parts' data-space memories, read with SLD like any other byte of data
 * space: named as avrdude names them, read-only here (sram and io of a chip
 * held in reset mean nothing to write; the signature row is the factory's),
 * not part of memory lists (they have no place in avr-gcc's flat address
 * space). "sigrow" is another name of "prodsig". */
int ft_mem_data(const ft_part *p, const char *name, uint16_t *addr, uint32_t *size)
{
    if (p->protocol != FT_PROTO_TPI)
        return -1;
    const struct { const char *name; uint16_t addr; uint32_t size; } m[FT_DATA_MEMS] = {
        {"sram", 0x0040, p->sram_size},
        {"io", 0x0000, 64},
        {"prodsig", 0x3fc0, p->prodsig_bytes},
        {"sernum", 0x3fc6, p->prodsig_bytes >= 16 ? 10 : 0},
    };
    for (int i = 0; i < FT_DATA_MEMS; i++)
        if (m[i].size && (strcmp(name, m[i].name) == 0 || (i == 2 && strcmp(name, "sigrow") == 0))) {
            if (addr)
                *addr = m[i].addr;
            if (size)
                *size = m[i].size;
            return i;
        }
    return -1;
}

static const char *const data_names[FT_DATA_MEMS] = {"sram", "io", "prodsig", "sernum"};

/* The part's data-space memories after its others (names only: flat 0). */
static int data_memories(const ft_part *p, ft_memsel *m, int n)
{
    for (int i = 0; i < FT_DATA_MEMS && n < FT_MAX_MEMS; i++) {
        uint32_t size;
        if (ft_mem_data(p, data_names[i], NULL, &size) < 0)
            continue;
        m[n] = (ft_memsel){"", 0, size};
        snprintf(m[n].name, sizeof m[n].name, "%s", data_names[i]);
        n++;
    }
    return n;
}

/* The part's memories in flat-address order. */
static int part_memories(const ft_part *p, ft_memsel *m)
{
    int n = 0;
    if (p->flash.size)
        m[n++] = (ft_memsel){"flash", 0, p->flash.size};
    if (p->eeprom.size)
        m[n++] = (ft_memsel){"eeprom", FLAT_EEPROM, p->eeprom.size};
    for (int i = 0; i < p->nfuses && n < FT_MAX_MEMS; i++) {
        m[n] = (ft_memsel){"", FLAT_FUSES + p->fuses[i].index, 1};
        snprintf(m[n].name, sizeof m[n].name, "%s", p->fuses[i].name);
        n++;
    }
    if (n < FT_MAX_MEMS && (p->lock.name[0] || p->lock.writable))
        m[n++] = (ft_memsel){"lock", FLAT_LOCK, 1};
    if (n < FT_MAX_MEMS)
        m[n++] = (ft_memsel){"signature", FLAT_SIG, 3};
    if (n < FT_MAX_MEMS && p->calibration_bytes)
        m[n++] = (ft_memsel){"calibration", FLAT_SIG + 3, p->calibration_bytes};
    return n;
}

void ft_mem_names(const ft_part *p, char *buf, size_t len)
{
    ft_memsel m[FT_MAX_MEMS];
    int n = data_memories(p, m, part_memories(p, m));
    size_t k = 0;
    buf[0] = '\0';
    for (int i = 0; i < n && k < len; i++)
        k += (size_t)snprintf(buf + k, len - k, "%s%s", i ? ", " : "", m[i].name);
}

static const char *fuse_by_index(const ft_part *p, int index)
{
    for (int i = 0; i < p->nfuses; i++)
        if (p->fuses[i].index == index)
            return p->fuses[i].name;
    return NULL;
}

int ft_mem_canonical(const ft_part *p, const char *name, ft_memsel *out, ft_err *err)
{
    ft_memsel m[FT_MAX_MEMS];
    int n = data_memories(p, m, part_memories(p, m));
    const char *want = name;
    if (strcasecmp(name, "lockbits") == 0 || strcasecmp(name, "lockbyte") == 0)
        want = "lock";
    else if (strcasecmp(name, "sigrow") == 0 && ft_mem_data(p, "prodsig", NULL, NULL) >= 0)
        want = "prodsig";
    else if (strncasecmp(name, "fuse", 4) == 0 && name[4] >= '0' && name[4] <= '2' && !name[5])
        want = fuse_by_index(p, name[4] - '0');
    else if (strcasecmp(name, "lfuse") == 0 && !fuse_by_index(p, 1))
        want = fuse_by_index(p, 0);   /* one-fuse parts call it "fuse" */
    for (int i = 0; want && i < n; i++)
        if (strcasecmp(m[i].name, want) == 0) {
            *out = m[i];
            return FT_OK;
        }
    int found = -1, hits = 0;
    size_t len = strlen(name);
    for (int i = 0; len && i < n; i++)
        if (strncasecmp(m[i].name, name, len) == 0) {
            found = i;
            hits++;
        }
    if (hits == 1) {
        *out = m[found];
        return FT_OK;
    }
    char have[200];
    ft_mem_names(p, have, sizeof have);
    return ft_err_set(err, FT_E_USAGE, "the %s has no memory \"%s\"%s; it has %s",
                      p->name[0] ? p->name : p->id, name, hits > 1 ? " (more than one starts so)" : "",
                      have);
}

static int add(ft_memsel *out, int n, const ft_memsel *m, bool not)
{
    for (int i = 0; i < n; i++)
        if (strcmp(out[i].name, m->name) == 0) {
            if (not)
                out[i].name[0] = '\0';
            return n;
        }
    if (!not && n < FT_MAX_MEMS)
        out[n++] = *m;
    return n;
}

int ft_mem_select(const ft_part *p, const char *spec, ft_memsel *out, int *nout, int *multi, ft_err *err)
{
    ft_memsel all[FT_MAX_MEMS];
    int nall = part_memories(p, all), n = 0;
    bool list = strpbrk(spec, ",-\\") != NULL;
    *multi = 0;
    if (!list && (strcmp(spec, "all") == 0 || strcmp(spec, "ALL") == 0 || strcmp(spec, "etc") == 0))
        list = true;
    if (!list && strcasecmp(spec, "fuses") == 0) {
        /* every fuse byte as one small memory: byte i is fuse i */
        for (int i = 0; i < p->nfuses; i++) {
            out[n] = (ft_memsel){"", (uint32_t)p->fuses[i].index, 1};
            snprintf(out[n].name, sizeof out[n].name, "%s", p->fuses[i].name);
            n++;
        }
        if (!n)
            return ft_err_set(err, FT_E_USAGE, "the %s has no fuses", p->name[0] ? p->name : p->id);
        *nout = n;
        *multi = 2;
        return FT_OK;
    }
    if (!list) {
        int rc = ft_mem_canonical(p, spec, &out[0], err);
        *nout = rc == FT_OK;
        return rc;
    }
    char buf[sizeof ((ft_opspec *)0)->memory];
    snprintf(buf, sizeof buf, "%s", spec);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        while (*t == ' ')
            t++;
        bool not = *t == '-' || *t == '\\';
        t += not;
        if (!*t)
            continue;
        if (strcmp(t, "all") == 0 || strcmp(t, "ALL") == 0 || strcmp(t, "etc") == 0) {
            for (int i = 0; i < nall; i++)
                n = add(out, n, &all[i], not);
        } else if (strcasecmp(t, "fuses") == 0) {
            for (int i = 0; i < nall; i++)
                if (all[i].flat >= FLAT_FUSES && all[i].flat < FLAT_LOCK)
                    n = add(out, n, &all[i], not);
        } else {
            ft_memsel m;
            int rc = ft_mem_canonical(p, t, &m, err);
            if (rc != FT_OK)
                return rc;
            if (ft_mem_data(p, m.name, NULL, NULL) >= 0)
                return ft_err_set(err, FT_E_USAGE,
                                  "%s cannot be part of a memory list (it has no place in a multi-memory "
                                  "file): give it its own -U", m.name);
            n = add(out, n, &m, not);
        }
    }
    int k = 0;
    for (int i = 0; i < n; i++)
        if (out[i].name[0])
            out[k++] = out[i];
    if (!k)
        return ft_err_set(err, FT_E_USAGE, "memory list \"%s\" selects no memory", spec);
    *nout = k;
    *multi = 1;
    return FT_OK;
}

int ft_mem_data_at(const ft_part *p, int index, uint16_t *addr, uint32_t *size)
{
    if (index < 0 || index >= FT_DATA_MEMS)
        return -1;
    return ft_mem_data(p, data_names[index], addr, size);
}
