/* Growing arrays: the queues of the bridges keep their commands, replies and
 * samples in arrays that double as they fill. */
#ifndef FTISP_GROW_H
#define FTISP_GROW_H

#include <stdbool.h>
#include <stddef.h>

/* Makes *p hold at least need elements of elem bytes (*cap counts them),
 * doubling from first (or from *cap); false out of memory, *p untouched. */
bool ft_grow(void **p, size_t *cap, size_t need, size_t elem, size_t first);

#endif
