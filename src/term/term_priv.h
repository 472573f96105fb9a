/* What the terminal files share: term.c (state, cache, plans, dispatch),
 * term_cmds.c (the commands), term_config.c (config), term_line.c (-t). */
#ifndef FTISP_TERM_PRIV_H
#define FTISP_TERM_PRIV_H

#include "ftisp/session.h"
#include "ftisp/term.h"

#define TERM_MAX_ARGS 256

/* One memory as the terminal sees it: the chip's bytes as last read and the
 * changes not written yet. */
typedef struct term_mem {
    ft_memsel sel;
    bool loaded;
    ft_image chip;
    ft_image pend;
    uint32_t dump_addr, dump_len;   /* where the next bare `dump MEM` goes on */
} term_mem;

struct ft_term {
    ft_term_target tg;
    FILE *out;
    term_mem mem[FT_MAX_MEMS];
    int nmem;
    int last_dump;                  /* memory `dump` alone continues, -1 none */
    bool quit;
};

/* term.c */
term_mem *term_mem_get(ft_term *t, const char *name, ft_err *err);
int term_load(ft_term *t, term_mem *tm, ft_err *err);
uint8_t term_byte(const term_mem *tm, uint32_t a);
/* What dump and save show: the cached writes as they will be, but under
 * -n (nothing will be written) the chip as it is. */
uint8_t term_shown(const ft_term *t, const term_mem *tm, uint32_t a);
/* Under -n: how many cached bytes in [addr, addr+n) differ from the chip. */
uint32_t term_unwritten(const ft_term *t, const term_mem *tm, uint32_t addr, uint32_t n);
bool term_pending(const ft_term *t);
void term_invalidate(ft_term *t);
/* Runs a plan of nspecs operations now; reads (in_memory) land in the
 * memories' caches. erase: a chip erase first. */
int term_run(ft_term *t, ft_opspec *specs, int nspecs, bool erase, ft_err *err);
/* A fuse or lock byte written at once, through the plan's fuse checks. */
int term_write_byte(ft_term *t, term_mem *tm, uint8_t v, ft_err *err);
bool term_parse_int(const char *s, long *v);

/* term_cmds.c */
typedef int (*term_fn)(ft_term *t, int argc, char **argv, ft_err *err);
typedef struct term_cmd {
    const char *name;
    term_fn fn;
    const char *help;
} term_cmd;
const term_cmd *term_commands(int *n);

/* term_config.c */
int term_cmd_config(ft_term *t, int argc, char **argv, ft_err *err);

#endif
