/* Feedback an operator sees without reading a screen: LEDs on spare adapter
 * pins (-x led_pass=N,led_fail=N,led_busy=N; lit = pin driven high), and on
 * a terminal a bell and a large PASS/FAIL line. */
#include "station_priv.h"

#include <stdio.h>
#include <unistd.h>

void st_feedback(st_child *c, int state)
{
    const ft_station_opts *o = c->run->opts;
    if (!c->w || (o->led_pass < 0 && o->led_fail < 0 && o->led_busy < 0))
        return;
    if (o->led_busy >= 0)
        ft_wire_pin(c->w, o->led_busy, state == ST_BUSY);
    if (o->led_pass >= 0)
        ft_wire_pin(c->w, o->led_pass, state == ST_PASS);
    if (o->led_fail >= 0)
        ft_wire_pin(c->w, o->led_fail, state == ST_FAIL);
    ft_wire_flush(c->w);
}

void st_banner(st_child *c, bool pass, const char *what)
{
    FILE *f = c->run->msgs;
    if (c->run->verbosity < 0 || !isatty(fileno(f)))
        return;
    /* a full-width reverse-video line in green or red, and the bell (twice
     * for a failure, so the two can be told apart by ear) */
    fprintf(f, "%s\033[1;7;%dm%-20s%-14s%-30s\033[0m\n", pass ? "\a" : "\a\a", pass ? 32 : 31,
            pass ? "   P  A  S  S" : "   F  A  I  L", "", what);
    fflush(f);
}
