/* Errors that lower layers hand up to the CLI: a category that becomes the
 * exit status, and a message that already names file:line or the device. */
#ifndef FTISP_ERR_H
#define FTISP_ERR_H

#include <stdarg.h>

/* The categories are the documented exit statuses of ftisp(1). */
enum ft_status {
    FT_OK = 0,
    FT_E_FAIL = 1,        /* anything not listed below */
    FT_E_USAGE = 2,       /* bad command line */
    FT_E_INPUT = 3,       /* bad or unsuitable input file, unknown part, bad -C */
    FT_E_NODEV = 4,       /* no adapter found, or it could not be opened */
    FT_E_LOST = 5,        /* adapter lost mid-run (cable pulled, USB error) */
    FT_E_TARGET = 6,      /* target not answering (no sync, RDY/BSY timeout) */
    FT_E_SIGNATURE = 7,   /* signature does not match the part */
    FT_E_VERIFY = 8,      /* read-back differs from what was written */
    FT_E_UNSAFE = 9,      /* refused: could lock the user out or lose data */
    FT_E_INTERRUPTED = 128, /* SIGINT/SIGTERM/SIGHUP: the CLI exits 128 + the signal */
};

typedef struct ft_err {
    int code;             /* enum ft_status; FT_OK while no error */
    char msg[1024];
} ft_err;

/* Sets err (if it holds no error yet) and returns code, so callers can write
 * `return ft_err_set(err, FT_E_INPUT, "...")`. The first error wins: it is
 * the cause, later ones are consequences. */
int ft_err_set(ft_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int ft_err_vset(ft_err *err, int code, const char *fmt, va_list ap);
void ft_err_clear(ft_err *err);

#endif
