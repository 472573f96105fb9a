/* -t: the interactive terminal, with line editing, history and Tab
 * completion of commands and memory names from libedit (its readline
 * interface). Not a terminal on stdin: lines are read plainly, so scripts
 * can pipe commands in. */
#include "term_priv.h"

#include "ftisp/interrupt.h"

#include <editline/readline.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* The terminal whose commands and memories Tab completes (readline's
 * callbacks take no context). */
static ft_term *completing;

/* Commands that take a memory (or, for backup, restore and verify, a list)
 * as their first argument. */
static bool takes_memory(const char *cmd)
{
    static const char *const with[] = {"dump", "read", "d", "r", "write", "w", "erase", "save", "backup",
                                       "restore", "verify"};
    for (size_t i = 0; i < sizeof with / sizeof with[0]; i++)
        if (strcasecmp(cmd, with[i]) == 0)
            return true;
    return false;
}

/* The i-th candidate for the word being completed, NULL after the last:
 * command names for the first word, the part's memories for the second. */
static const char *candidate(int word, int i)
{
    if (word == 0) {
        int n;
        const term_cmd *cmds = term_commands(&n);
        for (int k = 0; k < n; k++)   /* the named commands, not their one-letter forms */
            if (cmds[k].help && i-- == 0)
                return cmds[k].name;
        return NULL;
    }
    const ft_part *p = completing->tg.part;
    if (p->flash.size && i-- == 0)
        return "flash";
    if (p->eeprom.size && i-- == 0)
        return "eeprom";
    if (i < p->nfuses)
        return p->fuses[i].name;
    i -= p->nfuses;
    if ((p->lock.name[0] || p->lock.writable) && i-- == 0)
        return "lock";
    if (i-- == 0)
        return "signature";
    if (p->calibration_bytes && i-- == 0)
        return "calibration";
    return NULL;
}

static int completing_word;

static char *generate(const char *text, int state)
{
    static int next;
    if (!state)
        next = 0;
    size_t len = strlen(text);
    for (const char *c; (c = candidate(completing_word, next)) != NULL;) {
        next++;
        if (strncasecmp(c, text, len) == 0)
            return strdup(c);
    }
    return NULL;
}

static char **complete(const char *text, int start, int end)
{
    (void)end;
    /* which word the cursor is in, and the command (the first word) */
    char cmd[32] = "";
    int word = 0;
    const char *s = rl_line_buffer;
    for (int k = 0; k < start;) {
        while (k < start && (s[k] == ' ' || s[k] == '\t'))
            k++;
        if (k >= start)
            break;
        int b = k;
        while (k < start && s[k] != ' ' && s[k] != '\t')
            k++;
        if (k >= start)
            break;   /* the word being completed */
        if (word == 0)
            snprintf(cmd, sizeof cmd, "%.*s", k - b, s + b);
        word++;
    }
    if (word == 0 || (word == 1 && takes_memory(cmd))) {
        rl_attempted_completion_over = 1;   /* no file names here */
        completing_word = word;
        return rl_completion_matches(text, generate);
    }
    return NULL;   /* file names, readline's default */
}

static char *next_line(bool tty)
{
    if (tty) {
        char *line = readline("ftisp> ");
        if (!line) {
            /* Ctrl-D: end the prompt's line, so the shell's starts on its own */
            fputc('\n', stdout);
            fflush(stdout);
        }
        return line;
    }
    size_t cap = 0;
    char *line = NULL;
    ssize_t n = getline(&line, &cap, stdin);
    if (n < 0) {
        free(line);
        return NULL;
    }
    if (n && line[n - 1] == '\n')
        line[n - 1] = '\0';
    return line;
}

int ft_term_interactive(ft_term *t, ft_err *err)
{
    bool tty = isatty(0) && isatty(1);
    char *line;
    if (tty) {
        completing = t;
        rl_readline_name = "ftisp";
        rl_attempted_completion_function = complete;
    }
    while (!ft_term_quit_asked(t) && !ft_interrupt_signal() && (line = next_line(tty)) != NULL) {
        if (tty && *line)
            add_history(line);
        ft_err e = {0};
        if (ft_term_exec(t, line, &e) != FT_OK)
            ft_out_error(t->tg.out, e.msg[0] ? e.msg : "failed");
        free(line);
    }
    if (tty) {
        rl_attempted_completion_function = NULL;
        completing = NULL;
    }
    if (ft_term_quit_asked(t))
        return FT_OK;   /* quit flushed, and said so if that failed */
    if (ft_interrupt_signal())
        return ft_err_set(err, FT_E_INTERRUPTED, "interrupted (%s)%s", ft_interrupt_name(ft_interrupt_signal()),
                          term_pending(t) ? "; the cached writes were not written" : "");
    return ft_term_flush(t, err);
}
