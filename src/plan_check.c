/* Mistakes in -U operations that can be found without the chip. */
#include "ftisp/plan_check.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

int ft_plan_check_output(const ft_opspec *spec, ft_err *err)
{
    if (strcmp(spec->file, "-") == 0)
        return FT_OK;
    struct stat st;
    if (stat(spec->file, &st) == 0 && S_ISDIR(st.st_mode))
        return ft_err_set(err, FT_E_USAGE, "-U %s:r:%s: that is a directory; name a file to read into",
                          spec->memory, spec->file);
    char dir[PATH_MAX];
    const char *slash = strrchr(spec->file, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == spec->file)
        snprintf(dir, sizeof dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - spec->file), spec->file);
    const char *why = NULL;
    if (stat(dir, &st) != 0)
        why = strerror(errno);
    else if (!S_ISDIR(st.st_mode))
        why = "not a directory";
    else if (access(dir, W_OK | X_OK) != 0)
        why = strerror(errno);
    if (why)
        return ft_err_set(err, FT_E_USAGE,
                          "-U %s:r:%s: cannot write there (%s: %s); nothing was read from the chip",
                          spec->memory, spec->file, dir, why);
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
                          s->kind, s->file, s->memory, s->fmt == FT_FMT_IMM ? "the value list" : "the file",
                          end);
    if (kind == FT_MEM_EEPROM && s->kind == FT_OP_WRITE && s->fmt == FT_FMT_ELF && end == 0)
        return ft_err_set(err, FT_E_INPUT,
                          "-U eeprom:w:%s: the ELF file has no EEPROM data (no .eeprom section); "
                          "nothing to write. Leave out this -U, or give a file with EEPROM data",
                          s->file);
    return FT_OK;
}
