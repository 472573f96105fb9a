/* Mistakes in -U operations that can be found without the chip. */
#include "ftisp/plan_check.h"

#include <stdio.h>
#include <string.h>

int ft_plan_check_stdin(const ft_opspec *specs, int nspecs, ft_err *err)
{
    const ft_opspec *first = NULL;
    for (int i = 0; i < nspecs; i++) {
        const ft_opspec *s = &specs[i];
        if (s->kind == FT_OP_READ || strcmp(s->file, "-") != 0)
            continue;
        if (!first) {
            first = s;
            continue;
        }
        return ft_err_set(err, FT_E_USAGE,
                          "-U %s:%c:- and -U %s:%c:- both read standard input, which can be read only "
                          "once: give one of them a file",
                          first->memory, first->kind, s->memory, s->kind);
    }
    return FT_OK;
}

uint32_t ft_plan_input_limit(uint32_t mem_size)
{
    return mem_size == 1 ? 256 : mem_size;
}

int ft_plan_check_input(const ft_op *op, int kind, ft_err *err)
{
    const ft_opspec *s = &op->spec;
    uint32_t end = ft_image_extent(&op->img);
    if ((kind == FT_MEM_FUSE || kind == FT_MEM_LOCK) && end > 1)
        return ft_err_set(err, FT_E_INPUT, "-U %s:%c:%s: %s is one byte; %s gives %u bytes", s->memory,
                          s->kind, s->file, s->memory,
                          ft_format_is(s->fmt, FT_FMTF_INLINE) ? "the value list" : "the file", end);
    return FT_OK;
}
