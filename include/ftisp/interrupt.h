/* SIGINT, SIGTERM and SIGHUP. The handler only records the first signal;
 * the MPSSE queue looks at the record before each USB batch and stops there
 * with FT_E_INTERRUPTED, so the run unwinds like any other error: RESET is
 * released, the chip's state is told, --json is written, and the CLI exits
 * 128 + the signal's number. A second signal ends the process at once. */
#ifndef FTISP_INTERRUPT_H
#define FTISP_INTERRUPT_H

/* Installs the handlers (without SA_RESTART: a sleep wakes up early). */
void ft_interrupt_install(void);
/* The first signal caught, 0 if none. */
int ft_interrupt_signal(void);
/* "SIGINT", "SIGTERM", "SIGHUP" or "signal N". */
const char *ft_interrupt_name(int sig);
/* A temporary file the second signal's immediate exit removes (NULL: none).
 * The path is copied. */
void ft_interrupt_tempfile(const char *path);

#endif
