/* What the chip holds after a run that stopped early, in a sentence: the
 * operations done, the one cut short and how far it got, those not begun. */
#include "ftisp/plan.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef struct sbuf {
    char *p;
    size_t len, n;
} sbuf;

static void add(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(sbuf *b, const char *fmt, ...)
{
    if (b->n >= b->len)
        return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(b->p + b->n, b->len - b->n, fmt, ap);
    va_end(ap);
    if (k > 0)
        b->n += (size_t)k < b->len - b->n ? (size_t)k : b->len - b->n - 1;
}

static const char *verb(const ft_op *op)
{
    return op->spec.kind == FT_OP_READ ? "read" : op->spec.kind == FT_OP_WRITE ? "write" : "verify";
}

static void cut_short(sbuf *b, const ft_op *op, const ft_op_result *or)
{
    const char *m = op->spec.memory;
    bool big = strcmp(m, "flash") == 0 || strcmp(m, "eeprom") == 0;
    if (op->spec.kind == FT_OP_READ)
        add(b, "%s read cut short (%s left as it was)", m, strcmp(op->spec.file, "-") ? op->spec.file
                                                                                    : "nothing written");
    else if (op->spec.kind == FT_OP_VERIFY)
        add(b, "%s verify cut short", m);
    else if (!or->chip_changed)
        add(b, "%s not written", m);
    else if (or->written)
        add(b, "%s written but not verified", m);
    else if (big)
        add(b, "%s partly written", m);
    else
        add(b, "%s write cut short", m);   /* not reached: a byte's write is waited out */
}

void ft_plan_state(const ft_plan *plan, const ft_result *res, char *buf, size_t len)
{
    sbuf b = {buf, len, 0};
    buf[0] = '\0';
    int ndone = 0, nnot = 0, cut = -1;
    if (res->erased)
        add(&b, "done: %s", plan->opts.erase ? "chip erase (-e)" : "chip erase (before the flash write)");
    ndone = res->erased;
    for (int i = 0; i < plan->nops && i < res->nops; i++) {
        int k = plan->order[i];
        const ft_op *op = &plan->ops[k];
        if (res->ops[k].started && res->ops[k].status == FT_OK)
            add(&b, "%s%s %s", ndone++ ? ", " : "done: ", op->spec.memory, verb(op));
        else if (res->ops[k].started && cut < 0)
            cut = k;
    }
    if (cut >= 0) {
        add(&b, "%s", ndone ? "; " : "");
        cut_short(&b, &plan->ops[cut], &res->ops[cut]);
    }
    for (int i = 0; i < plan->nops && i < res->nops; i++) {
        int k = plan->order[i];
        const ft_op *op = &plan->ops[k];
        if (!res->ops[k].started)
            add(&b, "%s%s %s", nnot++ ? ", " : ndone || cut >= 0 ? "; not done: " : "not done: ",
                op->spec.memory, verb(op));
    }
    if (!ndone && cut < 0 && !nnot)
        add(&b, "nothing was done");
    if (res->chip_state[0])
        add(&b, "; %s", res->chip_state);
    else if (res->eeprom_copy[0])
        add(&b, "; the EEPROM's copy is in %s", res->eeprom_copy);
}
