/* -c, -C, ~/.avrduderc: finding the programmer and its wiring. */
#ifndef FTISP_CLI_PROGRAMMER_H
#define FTISP_CLI_PROGRAMMER_H

#include "ftisp/cli.h"
#include "ftisp/progdb.h"
#include "ftisp/report.h"

/* Parts and programmers: the built-in database, the user's avrdude rc file
 * (unless -N), then each -C file. */
int ft_cli_load_config(const ft_cli *cli, ft_partdb *db, ft_progdb *pdb, ft_err *err);
void ft_cli_list_programmers(const ft_progdb *pdb);
/* The programmer -c names (or default_programmer, or ft232h). */
int ft_cli_programmer(const ft_cli *cli, const ft_progdb *pdb, const ft_programmer **out, ft_err *err);
/* The adapter's options from the entry, -x and -P; default_bitclock into
 * plan->sck_hz when no -B was given. */
int ft_cli_adapter_opts(const ft_cli *cli, const ft_progdb *pdb, const ft_programmer *p, ft_wire_opts *mo,
                        ft_plan_opts *plan, ft_err *err);
/* Under the avrdude name at -v: avrdude 8.2's header (configuration files,
 * port, programmer, part, programmer type and pins). */
void ft_cli_avrdude_header(const ft_cli *cli, const ft_programmer *prog, const ft_part *part, ft_out *out);

#endif
