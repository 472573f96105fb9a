/* Spare adapter pins as plain outputs (a station's PASS/FAIL/BUSY LEDs). */
#include "mpsse_priv.h"

#include <stdlib.h>

void ft_mpsse_pin(ft_mpsse *m, int pin, bool high)
{
    if (pin < 0 || pin > 15)
        return;
    uint8_t bit = (uint8_t)(1u << (pin & 7));
    uint8_t *v = pin < 8 ? &m->lo_val : &m->hi_val;
    uint8_t *d = pin < 8 ? &m->lo_dir : &m->hi_dir;
    *d |= bit;
    *v = high ? (uint8_t)(*v | bit) : (uint8_t)(*v & ~bit);
    mp_set_pins(m);
}
