/* Boards that come and go: FTEMU_BOARDS=SERIAL[-B]:FROM-UNTIL[+FROM-UNTIL...],...
 * (modeled seconds) says when a board sits in an adapter's socket. Each
 * interval is a new, factory-fresh board; between intervals the socket is
 * empty (MISO pulled up, nothing answers). A target the setting does not
 * name is always present, as without it. When a board leaves (or at exit)
 * its memories and a board.json record go to FTEMU_OUT/TAG/board-N/, so a
 * test can check every board that passed through the socket. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "emu_internal.h"

#define MAX_SLOTS 64

typedef struct slot {
    char tag[48];                /* "SERIAL" or "SERIAL-B" */
    int n;
    emu_ns from[MAX_SLOTS], until[MAX_SLOTS];
} slot;

static slot slots[EMU_MAX_ADAPTERS * 2];
static int nslots;
static bool parsed;

static emu_ns seconds(const char *s, const char *whole)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno || v < 0 || v > 1e6)
        emu_die_config("FTEMU_BOARDS: expected seconds in \"%s\", found \"%s\"", whole, s);
    return (emu_ns)(v * EMU_S);
}

static void parse(void)
{
    parsed = true;
    const char *env = getenv("FTEMU_BOARDS");
    if (!env || !*env)
        return;
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", env);
    for (char *save = NULL, *item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        char *colon = strchr(item, ':');
        if (!colon || colon == item || nslots >= (int)(sizeof slots / sizeof slots[0]))
            emu_die_config("FTEMU_BOARDS: expected SERIAL:FROM-UNTIL[+FROM-UNTIL...], found \"%s\"", item);
        *colon = '\0';
        slot *s = &slots[nslots++];
        snprintf(s->tag, sizeof s->tag, "%s", item);
        for (char *save2 = NULL, *iv = strtok_r(colon + 1, "+", &save2); iv; iv = strtok_r(NULL, "+", &save2)) {
            char *dash = strchr(iv, '-');
            if (!dash || s->n >= MAX_SLOTS)
                emu_die_config("FTEMU_BOARDS: expected FROM-UNTIL (modeled seconds), found \"%s\"", iv);
            *dash = '\0';
            s->from[s->n] = seconds(iv, env);
            s->until[s->n] = seconds(dash + 1, env);
            if (s->until[s->n] <= s->from[s->n] || (s->n && s->from[s->n] < s->until[s->n - 1]))
                emu_die_config("FTEMU_BOARDS: intervals must be increasing and not overlap (%s)", env);
            s->n++;
        }
    }
}

/* The schedule of this target: the tag is "" for the first adapter's
 * channel A, else "SERIAL/" or "SERIAL-B/"; match on the adapter serial
 * the configuration gave. */
static const slot *slot_of(const emu_avr *a)
{
    for (int i = 0; i < nslots; i++) {
        const char *t = a->tag[0] ? a->tag : NULL;
        size_t n = strlen(slots[i].tag);
        if (t && strncmp(t, slots[i].tag, n) == 0 && t[n] == '/')
            return &slots[i];
        if (!t && emu_cfg_g.nadapters > 0 && strcmp(slots[i].tag, emu_cfg_g.adapters[0].serial) == 0)
            return &slots[i];
    }
    return NULL;
}

static void write_file(const char *dir, const char *name, const void *buf, size_t n)
{
    char path[1400];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(buf, 1, n, f) != n)
        emu_warn("%s: cannot write: %s", path, strerror(errno));
    if (f)
        fclose(f);
}

static double sec(emu_ns t)
{
    return t < 0 ? -1.0 : (double)t / EMU_S;
}

static void dump_board(const emu_avr *a, const char *out, emu_ns removed)
{
    const emu_board_life *l = &a->life;
    char dir[1300];
    snprintf(dir, sizeof dir, "%s/%s", out, a->tag);
    mkdir(dir, 0777);
    snprintf(dir, sizeof dir, "%s/%sboard-%d", out, a->tag, l->board + 1);
    mkdir(dir, 0777);
    write_file(dir, "flash.bin", a->flash, a->part.flash_size);
    write_file(dir, "eeprom.bin", a->eeprom, a->part.ee_size);
    write_file(dir, "fuses.bin", a->fuses, 3);
    char json[512];
    int n = snprintf(json, sizeof json,
                     "{\"board\": %d, \"inserted_s\": %.6f, \"removed_s\": %.6f, \"first_answer_s\": %.6f, "
                     "\"first_write_s\": %.6f, \"prog_enables\": %ld, \"chip_erases\": %ld, "
                     "\"page_writes\": %ld}\n",
                     l->board + 1, sec(l->inserted), sec(removed), sec(l->first_answer), sec(l->first_write),
                     l->enables, l->erases, l->page_writes);
    write_file(dir, "board.json", json, (size_t)n);
}

/* A new board: factory state (FTEMU_FUSES/FTEMU_LOCK apply; no state files). */
static void fresh(emu_avr *a, emu_ns t, int board)
{
    emu_board_life life = a->life;
    emu_part part = a->part;
    char tag[48];
    snprintf(tag, sizeof tag, "%s", a->tag);
    free(a->flash);
    free(a->eeprom);
    free(a->pagebuf);
    free(a->eebuf);
    free(a->eeloaded);
    emu_cfg *c = &emu_cfg_g;
    const char *st = c->state_dir, *ff = c->flash_file, *ef = c->eeprom_file;
    c->state_dir = c->flash_file = c->eeprom_file = NULL;
    emu_avr_init(a, &part, tag);
    c->state_dir = st;
    c->flash_file = ff;
    c->eeprom_file = ef;
    a->life = life;
    a->life.board = board;
    a->life.inserted = t;
    a->life.first_answer = a->life.first_write = -1;
    a->life.erases = a->life.page_writes = a->life.enables = 0;
}

bool emu_boards_at(emu_avr *a, emu_ns t)
{
    if (!parsed)
        parse();
    emu_board_life *l = &a->life;
    const slot *s = slot_of(a);
    if (!s)
        return true;
    if (!l->scheduled) {
        l->scheduled = true;
        l->board = -1;
    }
    int now = -1;
    for (int i = 0; i < s->n; i++)
        if (t >= s->from[i] && t < s->until[i])
            now = i;
    if (now == l->board)
        return now >= 0;
    if (l->board >= 0 && emu_cfg_g.out_dir)
        dump_board(a, emu_cfg_g.out_dir, s->until[l->board]);
    if (now >= 0) {
        fresh(a, s->from[now], now);
    } else {
        l->board = -1;
        a->enabled = false;
        a->miso = 1;
        a->reset = 1;
    }
    return now >= 0;
}

void emu_boards_note(emu_avr *a, emu_ns t, int kind)
{
    emu_board_life *l = &a->life;
    if (kind == I_PROG_ENABLE) {
        l->enables++;
        if (l->first_answer < 0)
            l->first_answer = t;
    }
    if (kind == I_CHIP_ERASE || kind == I_WRITE_PAGE) {
        l->erases += kind == I_CHIP_ERASE;
        l->page_writes += kind == I_WRITE_PAGE;
        if (l->first_write < 0)
            l->first_write = t;
    }
}

void emu_boards_dump(emu_avr *a, const char *dir)
{
    if (a->life.scheduled && a->life.board >= 0)
        dump_board(a, dir, -1);
}
