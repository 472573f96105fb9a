/* Spare adapter pins as plain outputs (a station's PASS/FAIL/BUSY LEDs). */
#include "mpsse_priv.h"

#include <stdlib.h>

int ft_mpsse_parse_pin(const char *key, const char *v, int lowest, int *pin, ft_err *err)
{
    char *end;
    long n = strtol(v, &end, 0);
    if (end == v || *end || n < lowest || n > 15)
        return ft_err_set(err, FT_E_USAGE, "-x %s=%s: expected a pin number %d to 15 (ADBUS%d-7, ACBUS0-7)",
                          key, v, lowest, lowest);
    *pin = (int)n;
    return FT_OK;
}

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
