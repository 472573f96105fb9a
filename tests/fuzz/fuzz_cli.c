/* Fuzzes the command-line parser: the input is argv, one argument a line. */
#include "ftisp/cli.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    char *argv[64];
    int argc = 0;
    argv[argc++] = "ftisp";
    for (char *save = NULL, *t = strtok_r(buf, "\n", &save); t && argc < 63; t = strtok_r(NULL, "\n", &save))
        argv[argc++] = t;
    argv[argc] = NULL;
    ft_cli cli;
    ft_err err = {0};
    ft_cli_parse(&cli, argc, argv, &err);
    ft_wire_opts o;
    memset(&o, 0, sizeof o);
    if (cli.port)
        ft_parse_port(cli.port, &o, &err);
    ft_cli_free(&cli);
    free(buf);
    return 0;
}
