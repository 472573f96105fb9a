/* Checks on the -U operations that need no chip: made while the plan is
 * built, so that a mistake costs nothing but a message. */
#ifndef FTISP_PLAN_CHECK_H
#define FTISP_PLAN_CHECK_H

#include "ftisp/plan.h"

/* Standard input can be read by one -U operation only. */
int ft_plan_check_stdin(const ft_opspec *specs, int nspecs, ft_err *err);
/* The size an input image is read with: larger than a one-byte memory, so
 * that a second value is reported as such by ft_plan_check_input. */
uint32_t ft_plan_input_limit(uint32_t mem_size);
/* What a file gave fits the memory: one byte for a fuse or the lock. (An
 * output path and an empty input are checked by image_file and plan.c.) */
int ft_plan_check_input(const ft_op *op, int kind, ft_err *err);

#endif
