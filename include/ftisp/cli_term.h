/* Running -U operations and -T/-t terminal commands in command-line order. */
#ifndef FTISP_CLI_TERM_H
#define FTISP_CLI_TERM_H

#include "ftisp/cli.h"
#include "ftisp/report.h"

/* whole: the plan of all -U options, built beforehand to check them; res,
 * its result, receives the operations' results for --json. */
int ft_cli_run_terms(const ft_cli *cli, const ft_partdb *db, const ft_part *part, ft_wire *w, ft_out *out,
                     const ft_plan *whole, ft_result *res, ft_err *err);

#endif
