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

static void cut_short(sbuf *b, const ft_plan *plan, const ft_op *op)
{
    const char *m = op->spec.memory;
    bool big = strcmp(m, "flash") == 0 || strcmp(m, "eeprom") == 0;
    if (op->spec.kind == FT_OP_READ)
        add(b, "%s read cut short (%s left as it was)", m, strcmp(op->spec.file, "-") ? op->spec.file
                                                                                    : "nothing written");
    else if (op->spec.kind == FT_OP_VERIFY)
        add(b, "%s verify cut short", m);
    else if (!op->chip_changed)
        add(b, "%s not written", m);
    else if (op->written)
        add(b, "%s written but not verified", m);
    else if (big)
        add(b, "%s partly written", m);
    else
        add(b, "%s write cut short", m);   /* not reached: a byte's write is waited out */
    (void)plan;
}

void ft_plan_state(const ft_plan *plan, char *buf, size_t len)
{
    sbuf b = {buf, len, 0};
    buf[0] = '\0';
    int ndone = 0, nnot = 0;
    const ft_op *cut = NULL;
    if (plan->erased)
        add(&b, "done: %s", plan->opts.erase ? "chip erase (-e)" : "chip erase (before the flash write)");
    ndone = plan->erased;
    for (int i = 0; i < plan->nops; i++) {
        const ft_op *op = &plan->ops[plan->order[i]];
        if (op->started && op->status == FT_OK)
            add(&b, "%s%s %s", ndone++ ? ", " : "done: ", op->spec.memory, verb(op));
        else if (op->started && !cut)
            cut = op;
    }
    if (cut) {
        add(&b, "%s", ndone ? "; " : "");
        cut_short(&b, plan, cut);
    }
    for (int i = 0; i < plan->nops; i++) {
        const ft_op *op = &plan->ops[plan->order[i]];
        if (!op->started)
            add(&b, "%s%s %s", nnot++ ? ", " : ndone || cut ? "; not done: " : "not done: ",
                op->spec.memory, verb(op));
    }
    if (!ndone && !cut && !nnot)
        add(&b, "nothing was done");
    if (plan->chip_state[0])
        add(&b, "; %s", plan->chip_state);
    else if (plan->eeprom_copy[0])
        add(&b, "; the EEPROM's copy is in %s", plan->eeprom_copy);
}
