/* Finding the adapters: every FT232H/FT2232H/FT4232H (MPSSE) and FT232R,
 * FT231X/FT230X (bit-bang) on USB. usb:all takes those of the programmer's
 * family, or of both with a bridge each (ft_station_run.family_type); -P ? lists them all with their chip and serial numbers. The libftdi context is
 * freed before the station forks: each adapter's process opens its own. */
#include "station_priv.h"

#include <ftdi.h>
#include <libusb.h>
#include <stdio.h>
#include <string.h>

static const struct { uint16_t pid; const char *chip; bool bitbang; } CHIPS[] = {
    {0x6014, "FT232H", false}, {0x6010, "FT2232H", false}, {0x6011, "FT4232H", false},
    {0x6001, "FT232R", true}, {0x6015, "FT231X/FT230X", true}};

static bool bitbang_pid(uint16_t pid)
{
    return pid == 0x6001 || pid == 0x6015;
}

/* family: 0 MPSSE chips, 1 bit-bang chips, 2 both; each adapter takes
 * tmpl[its family] (and type[its family]) */
static int find(const ft_wire_opts *const tmpl[2], const char *const type[2], int family, st_adapter *out, int max,
                int *n, ft_err *err)
{
    struct ftdi_context *f = ftdi_new();
    if (!f)
        return ft_err_set(err, FT_E_FAIL, "out of memory");
    int rc = FT_OK;
    for (size_t k = 0; k < sizeof CHIPS / sizeof CHIPS[0] && rc == FT_OK; k++) {
        if (family != 2 && CHIPS[k].bitbang != (family == 1))
            continue;
        struct ftdi_device_list *list = NULL;
        int found = ftdi_usb_find_all(f, &list, 0x0403, CHIPS[k].pid);
        if (found < 0) {
            rc = ft_err_set(err, FT_E_NODEV, "looking for adapters on USB: %s", ftdi_get_error_string(f));
            break;
        }
        for (struct ftdi_device_list *d = list; d; d = d->next) {
            if (*n >= max) {
                rc = ft_err_set(err, FT_E_USAGE, "more than %d adapters found; name them with -P usb:SERIAL",
                                max);
                break;
            }
            st_adapter *a = &out[*n];
            memset(a, 0, sizeof *a);
            a->mo = *tmpl[CHIPS[k].bitbang];
            a->type = type[CHIPS[k].bitbang];
            a->mo.serial = NULL;
            a->mo.bus = a->mo.address = -1;
            a->mo.vid = 0x0403;
            a->mo.pid = CHIPS[k].pid;
            char manuf[64] = "", desc[64] = "", serial[64] = "";
            ftdi_usb_get_strings(f, d->dev, manuf, sizeof manuf, desc, sizeof desc, serial, sizeof serial);
            if (serial[0]) {
                snprintf(a->label, sizeof a->label, "%s", serial);
                a->mo.serial = a->label;
            } else {
                a->mo.bus = libusb_get_bus_number(d->dev);
                a->mo.address = libusb_get_device_address(d->dev);
                snprintf(a->label, sizeof a->label, "usb:%d/%d", a->mo.bus, a->mo.address);
            }
            a->index = (*n)++;
        }
        ftdi_list_free(&list);
    }
    ftdi_free(f);
    return rc;
}

int st_find_all(const ft_station_run *run, st_adapter *out, int max, int *n, ft_err *err)
{
    if (run->family_type[0] && run->family_type[1]) {
        const ft_wire_opts *t[2] = {run->family_wire[0], run->family_wire[1]};
        return find(t, run->family_type, 2, out, max, n, err);
    }
    const ft_wire_opts *t[2] = {run->wire, run->wire};
    const char *ty[2] = {NULL, NULL};
    return find(t, ty, bitbang_pid(run->wire->pid) ? 1 : 0, out, max, n, err);
}

int ft_station_list(FILE *out, const ft_wire_opts *tmpl, ft_err *err)
{
    st_adapter a[64];
    int n = 0;
    const ft_wire_opts *t[2] = {tmpl, tmpl};
    const char *ty[2] = {NULL, NULL};
    int rc = find(t, ty, 2, a, 64, &n, err);
    if (rc != FT_OK)
        return rc;
    for (int i = 0; i < n; i++) {
        const char *chip = "FTDI";
        for (size_t k = 0; k < sizeof CHIPS / sizeof CHIPS[0]; k++)
            if (CHIPS[k].pid == a[i].mo.pid)
                chip = CHIPS[k].chip;
        char port[80];
        snprintf(port, sizeof port, "%s%s", a[i].mo.serial ? "usb:" : "", a[i].label);
        fprintf(out, "%-24s %-13s 0403:%04x  %s\n", port, chip, a[i].mo.pid,
                bitbang_pid(a[i].mo.pid) ? "bit-bang (-c arduino-ft232r, ft232r, ...)" : "MPSSE (-c ft232h, ...)");
    }
    if (n == 0)
        return ft_err_set(err, FT_E_NODEV, "no FT232H, FT2232H, FT4232H, FT232R or FT231X/FT230X found "
                          "on USB (`lsusb -d 0403:` lists FTDI chips)");
    return FT_OK;
}
