/* Which adapter -c names and how it is wired: the built-in boards, then
 * programmer entries from -C FILE (avrdude's main configuration), from
 * ~/.avrduderc (or avrdude 8's ~/.config/avrdude/avrdude.rc; not with -N)
 * and from -C +FILE files, in that order (avrdude 8's), later entries
 * replacing earlier ones with the same id. -x overrides the entry's RESET
 * pin, buffer pin and channel. */
#include "ftisp/cli_programmer.h"
#include "ftisp/wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The user's rc file as avrdude 8 looks for it: avrdude.rc under the XDG
 * config folder when it is there, else ~/.avrduderc. False: no HOME. */
static bool user_rc_path(char *path, size_t n)
{
    const char *home = getenv("HOME"), *xdg = getenv("XDG_CONFIG_HOME");
    if (xdg && *xdg)
        snprintf(path, n, "%s/avrdude/avrdude.rc", xdg);
    else if (home && *home)
        snprintf(path, n, "%s/.config/avrdude/avrdude.rc", home);
    else
        return false;
    if (access(path, R_OK) == 0 || !home || !*home)
        return true;
    snprintf(path, n, "%s/.avrduderc", home);
    return true;
}

static int load_user_rc(ft_partdb *db, ft_progdb *pdb, ft_err *err)
{
    char path[4096];
    if (user_rc_path(path, sizeof path) && access(path, R_OK) == 0)
        return ft_partdb_load_conf(db, pdb, path, err);
    return FT_OK;
}

void ft_cli_avrdude_header(const ft_cli *cli, const ft_programmer *prog, const ft_part *part, ft_out *out)
{
    char rc[4096];
    bool have_rc = !cli->noconfig && user_rc_path(rc, sizeof rc);
    ft_avrdude_header h = {
        .sys_config = cli->main_config ? cli->main_config : ft_partdb_default_path(),
        .user_config = have_rc ? rc : NULL,
        .user_config_exists = have_rc && access(rc, R_OK) == 0,
        .port = cli->port,
        .programmer_id = cli->programmer ? cli->programmer : prog->id,
        .part = part,
        .prog = prog,
    };
    ft_out_avrdude_header(out, &h);
}

int ft_cli_load_config(const ft_cli *cli, ft_partdb *db, ft_progdb *pdb, ft_err *err)
{
    ft_partdb_init(db);
    int rc = ft_progdb_init(pdb, err);
    if (rc == FT_OK)
        rc = ft_partdb_load(db, ft_partdb_default_path(), err);
    if (rc == FT_OK && cli->main_config)
        rc = ft_partdb_load_conf(db, pdb, cli->main_config, err);
    if (rc == FT_OK && !cli->noconfig)
        rc = load_user_rc(db, pdb, err);
    for (int i = 0; rc == FT_OK && i < cli->nconfigs; i++)
        rc = ft_partdb_load_conf(db, pdb, cli->configs[i], err);
    return rc;
}

/* A programmer a bridge drives, its entry sound. */
static bool drivable(const ft_programmer *p)
{
    return ft_wire_bridge_for(p->type) && !p->problem[0];
}

void ft_cli_list_programmers(const ft_progdb *pdb)
{
    for (int i = 0; i < pdb->n; i++) {
        const ft_programmer *p = &pdb->v[i];
        if (drivable(p))
            printf("%-12s %04x:%04x  %s\n", p->id, p->vid, p->pid, p->desc);
    }
}

int ft_cli_programmer(const ft_cli *cli, const ft_progdb *pdb, const ft_programmer **out, ft_err *err)
{
    const char *id = cli->programmer ? cli->programmer : pdb->default_id[0] ? pdb->default_id : "ft232h";
    const ft_programmer *p = ft_progdb_find(pdb, id);
    *out = p;
    if (!p)
        return ft_err_set(err, FT_E_USAGE, "-c %s: unknown programmer; -c ? lists the FTDI adapters "
                          "ftisp drives, and -C or ~/.avrduderc can add programmer entries", id);
    if (drivable(p))
        return FT_OK;
    if (p->problem[0])
        return ft_err_set(err, FT_E_INPUT, "-c %s: %s", id, p->problem);
    const char *what = ft_programmer_type_desc(p->type);
    return ft_err_set(err, FT_E_USAGE, "-c %s (%s): a programmer of type \"%s\"%s%s; ftisp drives programmer "
                      "types %s; -c ? lists them", id, p->source, p->type[0] ? p->type : "none",
                      what ? ", " : "", what ? what : "", ft_wire_types_driven());
    return FT_OK;
}

int ft_cli_adapter_opts(const ft_cli *cli, const ft_progdb *pdb, const ft_programmer *p, ft_wire_opts *mo,
                        ft_plan_opts *plan, ft_err *err)
{
    ft_wire_opts_default(mo);
    mo->vid = p->vid;
    mo->pid = p->pid;
    mo->channel = cli->channel >= 0 ? cli->channel : p->channel;
    mo->reset_pin = cli->reset_pin >= 0 ? cli->reset_pin : p->reset_pin;
    mo->sck_pin = p->sck_pin;
    mo->sdo_pin = p->sdo_pin;
    mo->sdi_pin = p->sdi_pin;
    mo->invert = p->invert;
    mo->buffer_pin = cli->buffer_pin;
    mo->buff_pins = p->buff_pins;
    mo->buff_high = p->buff_high;
    for (int i = 0; i < FT_LEDS; i++) {
        mo->led_pin[i] = p->led_pin[i];
        mo->led_low[i] = p->led_low[i];
    }
    if (p->serial[0])
        mo->serial = p->serial;
    /* avrdude's default_bitclock: as if -B had been given */
    if (!plan->sck_hz && pdb->default_bitclock > 0)
        plan->sck_hz = (uint32_t)(1e6 / pdb->default_bitclock + 0.5);
    if (strcmp(p->type, "ftdi_syncbb") == 0) {
        /* avrdude's ftdi_syncbb: -B T (us) hands R = 1/T to ftdi_set_baudrate,
         * -b hands R itself; libftdi makes that 4R baud in bit-bang, the chip
         * clocks bytes at 16 x baud (3 MHz at most) and SCK takes 2 bytes:
         * SCK = 32 x R, at most 1.5 MHz. A frequency (-B 125kHz) stays SCK. */
        double r = cli->bitclock_us > 0 ? 1e6 / cli->bitclock_us : cli->baud ? (double)cli->baud
                 : !cli->bitclock_us && !cli->baud && plan->sck_hz && pdb->default_bitclock > 0 &&
                   plan->sck_hz == (uint32_t)(1e6 / pdb->default_bitclock + 0.5) ? 1e6 / pdb->default_bitclock : 0;
        if (r > 0) {
            double sck = 32.0 * r;
            plan->sck_hz = sck > 1500000.0 ? 1500000u : sck < 23.0 ? 23u : (uint32_t)sck;
        }
    }
    return cli->port ? ft_parse_port(cli->port, mo, err) : FT_OK;
}
