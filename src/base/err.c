#include "ftisp/err.h"

#include <stdio.h>
#include <string.h>

int ft_err_vset(ft_err *err, int code, const char *fmt, va_list ap)
{
    if (err && err->code == FT_OK) {
        err->code = code;
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    }
    return code;
}

int ft_err_set(ft_err *err, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ft_err_vset(err, code, fmt, ap);
    va_end(ap);
    return code;
}

void ft_err_clear(ft_err *err)
{
    if (err) {
        err->code = FT_OK;
        err->msg[0] = '\0';
    }
}
