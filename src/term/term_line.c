/* -t: the interactive terminal, with line editing and history from libedit
 * (its readline interface). Not a terminal on stdin: lines are read plainly,
 * so scripts can pipe commands in. */
#include "term_priv.h"

#include "ftisp/interrupt.h"

#include <editline/readline.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *next_line(bool tty)
{
    if (tty)
        return readline("ftisp> ");
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
    while (!ft_term_quit_asked(t) && !ft_interrupt_signal() && (line = next_line(tty)) != NULL) {
        if (tty && *line)
            add_history(line);
        ft_err e = {0};
        if (ft_term_exec(t, line, &e) != FT_OK)
            ft_out_error(t->tg.out, e.msg[0] ? e.msg : "failed");
        free(line);
    }
    if (ft_term_quit_asked(t))
        return FT_OK;   /* quit flushed, and said so if that failed */
    if (ft_interrupt_signal())
        return ft_err_set(err, FT_E_INTERRUPTED, "interrupted (%s)%s", ft_interrupt_name(ft_interrupt_signal()),
                          term_pending(t) ? "; the cached writes were not written" : "");
    return ft_term_flush(t, err);
}
