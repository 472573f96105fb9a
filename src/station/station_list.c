/* Finding the adapters for -P usb:all and -P ?, through the wire (which
 * knows each bridge's chips). usb:all takes those of the programmer's
 * bridge, or, with mixed wiring (ft_station_run.bridge_wire), those of every
 * bridge that has one, each with its bridge's type and wiring. */
#include "station_priv.h"

#include <stdio.h>
#include <string.h>

static void as_adapter(const ft_wire_found *f, const ft_wire_opts *tmpl, const char *type, st_adapter *a, int index)
{
    memset(a, 0, sizeof *a);
    a->mo = *tmpl;
    a->type = type;
    a->mo.serial = NULL;
    a->mo.bus = a->mo.address = -1;
    a->mo.vid = f->vid;
    a->mo.pid = f->pid;
    if (f->serial[0]) {
        snprintf(a->label, sizeof a->label, "%s", f->serial);
        a->mo.serial = a->label;
    } else {
        a->mo.bus = f->bus;
        a->mo.address = f->address;
        snprintf(a->label, sizeof a->label, "usb:%d/%d", f->bus, f->address);
    }
    a->index = index;
}

bool st_mixed(const ft_station_run *run)
{
    for (int i = 0; i < FT_STATION_BRIDGES; i++)
        if (run->bridge_wire[i])
            return true;
    return false;
}

int st_find_all(const ft_station_run *run, st_adapter *out, int max, int *n, ft_err *err)
{
    ft_wire_found f[FT_STATION_MAX_PORTS];
    int nf = 0, rc = FT_OK, room = max - *n < FT_STATION_MAX_PORTS ? max - *n : FT_STATION_MAX_PORTS;
    bool mixed = st_mixed(run);
    for (int i = 0; rc == FT_OK && i < FT_STATION_BRIDGES && ft_wire_bridge(i); i++) {
        const ft_bridge *br = ft_wire_bridge(i);
        if (mixed ? run->bridge_wire[i] == NULL : strcmp(br->type, run->type) != 0)
            continue;
        int before = nf;
        rc = ft_wire_find(br->type, f, room, &nf, err);
        for (int k = before; k < nf; k++, (*n)++)
            as_adapter(&f[k], mixed ? run->bridge_wire[i] : run->wire, mixed ? br->type : NULL, &out[*n], *n);
    }
    return rc;
}

int ft_station_list(FILE *out, ft_err *err)
{
    ft_wire_found f[64];
    int n = 0;
    int rc = ft_wire_find(NULL, f, 64, &n, err);
    if (rc != FT_OK)
        return rc;
    for (int i = 0; i < n; i++) {
        char port[80];
        if (f[i].serial[0])
            snprintf(port, sizeof port, "usb:%s", f[i].serial);
        else
            snprintf(port, sizeof port, "usb:%d/%d", f[i].bus, f[i].address);
        fprintf(out, "%-24s %-13s %04x:%04x  %s\n", port, f[i].chip, f[i].vid, f[i].pid,
                f[i].bridge->how ? f[i].bridge->how : f[i].bridge->type);
    }
    if (n == 0)
        return ft_err_set(err, FT_E_NODEV, "no FT232H, FT2232H, FT4232H, FT232R or FT231X/FT230X found "
                          "on USB (`lsusb -d 0403:` lists FTDI chips)");
    return FT_OK;
}
