/* ftisp's main flow: parse, load parts, build the plan (every file checked),
 * open the adapter, run, report. Exit status = the first error's category. */
#include "ftisp/cli.h"
#include "ftisp/report.h"
#include "ftisp/interrupt.h"
#include "ftisp/session.h"
#include "ftisp/cli_programmer.h"
#include "ftisp/cli_term.h"

#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <time.h>

/* --help: the options come from their table (ft_cli_usage). */
static void usage(FILE *f)
{
    fputs("usage: ftisp [options]\n", f);
    ft_cli_usage(f);
    fputs("With no -U: reads and explains the signature, fuses, lock bits and clock.\n"
          "Exit status: 0 ok, 1 failure, 2 usage, 3 input file or part, 4 no adapter, 5 adapter lost,\n"
          "6 target not answering, 7 wrong signature, 8 verify error, 9 refused as unsafe;\n"
          "129, 130, 143 stopped by SIGHUP, SIGINT, SIGTERM (RESET released, the chip's state told).\n"
          "Called as avrdude: avrdude's messages and exit status 1 for any failure.\n", f);
}

static const char XHELP[] =
    "-x options (adapter wiring):\n"
    "  -x reset=PIN     ADBUS/ACBUS pin 0-15 driving the target's RESET (default 3)\n"
    "  -x buff=PIN      pin driven low to enable a level-shifting buffer\n"
    "  -x channel=A|B   channel of an FT2232H/FT4232H\n"
    "  -x led_pass=PIN  station: pin 4-15 lit (driven high) when a board passed\n"
    "  -x led_fail=PIN  station: pin 4-15 lit when a board failed\n"
    "  -x led_busy=PIN  station: pin 4-15 lit while a board is being programmed\n"
    "  -x help          this list\n";

/* What comes before any work: -x help, the version under -v (avrdude
 * prints it first in every run, and `-v` alone is how wrappers ask for it),
 * and the options accepted only for compatibility. True: nothing more to do. */
/* Called by the name avrdude (a link made by `make install AVRDUDE_LINK=1`):
 * speak avrdude 8.2 for what tools parse, exit 1 on any failure. */
static bool called_as_avrdude(const char *argv0)
{
    const char *base = argv0 ? strrchr(argv0, '/') : NULL;
    base = base ? base + 1 : argv0;
    return base && strcmp(base, "avrdude") == 0;
}

#define AVRDUDE_VERSION "8.2"

static bool cli_preamble(const ft_cli *cli, ft_out *out)
{
    if (cli->xhelp) {
        fputs(XHELP, stdout);
        return true;
    }
    if (cli->verbosity > 0 && out->avrdude)
        fprintf(out->f, "Avrdude version %s (ftisp %s)\n\n", AVRDUDE_VERSION, FTISP_VERSION);
    else if (cli->verbosity > 0)
        ft_out_msg(out, 1, "version %s", FTISP_VERSION);
    for (int i = 0; i < cli->nignored; i++)
        ft_out_msg(out, 1, "%s ignored: it means nothing for an FTDI MPSSE ISP adapter", cli->ignored[i]);
    for (int i = 0; i < cli->nxignored; i++)
        ft_out_msg(out, 0, "warning: programmer does not support extended parameter -x %s, option ignored "
                   "(-x help lists those it has)", cli->xignored[i]);
    return cli->verbosity > 0 && !cli->part && !cli->programmer && cli->nops == 0 && cli->nterms == 0 &&
           !cli->plan.erase;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void list_parts(const ft_partdb *db)
{
    for (int i = 0; i < db->nparts; i++) {
        const ft_part *p = &db->parts[i];
        printf("%-14s %-20s %02x %02x %02x", p->id, p->name, p->signature[0], p->signature[1],
               p->signature[2]);
        for (int a = 0; a < p->naliases; a++)   /* the other names -p takes, for completion */
            printf(" %s", p->aliases[a]);
        printf("\n");
    }
}

/* Reads go to files at the end of their operation; make sure none of them
 * is standard output when --json owns it. */
static int check_outputs(const ft_cli *cli, ft_err *err)
{
    for (int i = 0; i < cli->nops; i++)
        if (cli->json && cli->ops[i].kind == FT_OP_READ && strcmp(cli->ops[i].file, "-") == 0)
            return ft_err_set(err, FT_E_USAGE,
                              "-U %s:r:-: standard output carries the --json summary; read to a file",
                              cli->ops[i].memory);
    return FT_OK;
}

/* The run went through and only the release of the pins failed: what the
 * chip holds, and whether every write was verified. */
static const char *release_state(const ft_plan *plan, const ft_result *res, bool terms, char *buf, size_t n)
{
    if (terms) {
        snprintf(buf, n, "the terminal's commands done");
        return buf;
    }
    ft_plan_state(plan, res, buf, n);
    int writes = 0, verified = 0;
    for (int i = 0; i < plan->nops && i < res->nops; i++)
        if (plan->ops[i].spec.kind != FT_OP_READ && !res->ops[i].dry_run)
            writes++, verified += res->ops[i].verified == 1;
    size_t len = strlen(buf);
    if (writes && verified == writes && len < n)
        snprintf(buf + len, n - len, " (all verified)");
    return buf;
}

static bool run_changed_chip(const ft_result *res)
{
    bool changed = res->erased;
    for (int i = 0; i < res->nops; i++)
        changed |= res->ops[i].chip_changed;
    return changed;
}

/* One invocation, from the command line to the exit status: each step below
 * takes it a stage further, or marks it finished (an error, or a listing
 * like -p ? that is the whole job). */
typedef struct cli_run {
    double t0;
    bool avrdude;             /* called by the name avrdude */
    ft_cli cli;
    ft_err err;
    int rc;
    bool finished;            /* nothing more to do but report */
    ft_out out;
    FILE *log;
    ft_partdb db;
    ft_progdb pdb;
    bool have_db;
    const ft_programmer *prog;
    const ft_part *part;
    ft_plan plan;
    ft_result res;
    bool have_plan;
    ft_wire_opts mo;
    ft_wire *w;
    bool station;             /* the station ran: it reported each board itself */
    bool lost_at_release;     /* all done, but releasing RESET and the pins failed */
    int sig;
    char state[600];          /* the chip's state after a signal */
} cli_run;

static bool go_on(const cli_run *r)
{
    return r->rc == FT_OK && !r->finished;
}

/* Options, the output (standard error, -l FILE, avrdude's wording). True:
 * --help or --version, already answered. */
static bool start(cli_run *r, int argc, char **argv)
{
    r->t0 = now();
    ft_interrupt_install();
    r->avrdude = called_as_avrdude(argc > 0 ? argv[0] : NULL);
    r->rc = ft_cli_parse(&r->cli, argc, argv, &r->err);
    r->cli.plan.avrdude_formats = r->avrdude;
    ft_out_init(&r->out, stderr, r->cli.verbosity);
    if (r->avrdude)
        ft_out_avrdude(&r->out, NULL, NULL);
    if (r->rc == FT_OK && r->cli.help) {
        usage(stdout);
        return true;
    }
    if (r->rc == FT_OK && r->cli.version) {
        if (r->avrdude)
            printf("Avrdude version %s (ftisp %s)\n", AVRDUDE_VERSION, FTISP_VERSION);
        else
            printf("ftisp %s\n", FTISP_VERSION);
        return true;
    }
    if (r->rc == FT_OK && r->cli.logfile) {
        r->log = fopen(r->cli.logfile, "w");   /* emptied first, as avrdude does */
        if (!r->log)
            r->rc = ft_err_set(&r->err, FT_E_USAGE, "-l %s: cannot open for writing: %s", r->cli.logfile,
                               strerror(errno));
        else
            ft_out_init(&r->out, r->log, r->cli.verbosity);
        if (r->log && r->avrdude)
            ft_out_avrdude(&r->out, NULL, NULL);
    }
    return false;
}

/* The databases, the programmer and the part; the listings (-P ?, -c ?,
 * -p ?) are whole jobs of their own. */
static void find_part(cli_run *r)
{
    ft_cli *cli = &r->cli;
    if (r->rc == FT_OK)
        r->rc = check_outputs(cli, &r->err);
    if (r->rc == FT_OK && cli_preamble(cli, &r->out))
        r->finished = true;
    if (go_on(r) && cli->port && strcmp(cli->port, "?") == 0) {
        r->rc = ft_station_list(stdout, &r->err);
        r->finished = true;
    }
    if (go_on(r)) {
        r->rc = ft_cli_load_config(cli, &r->db, &r->pdb, &r->err);
        r->have_db = true;
    }
    if (go_on(r) && cli->programmer && strcmp(cli->programmer, "?") == 0) {
        ft_cli_list_programmers(&r->pdb);
        r->finished = true;
    }
    if (go_on(r))
        r->rc = ft_cli_programmer(cli, &r->pdb, &r->prog, &r->err);
    if (go_on(r) && cli->part && strcmp(cli->part, "?") == 0) {
        list_parts(&r->db);
        r->finished = true;
    }
    if (go_on(r) && !cli->part)
        r->rc = ft_err_set(&r->err, FT_E_USAGE, "no part given: use -p, e.g. -p m328p (-p ? lists parts)");
    if (go_on(r)) {
        r->part = ft_partdb_find(&r->db, cli->part);
        if (!r->part)
            r->rc = ft_err_set(&r->err, FT_E_INPUT, "-p %s: unknown part; -p ? lists the %d parts ftisp knows",
                               cli->part, r->db.nparts);
        else
            r->rc = ft_part_check(r->part, &r->err);
    }
}

/* Every file read and checked into the plan, and the adapter's options,
 * before anything is opened. */
static void make_plan(cli_run *r)
{
    ft_cli *cli = &r->cli;
    if (go_on(r)) {
        r->rc = ft_plan_build(&r->plan, &r->db, r->part, cli->ops, cli->nops, &cli->plan, &r->err);
        r->have_plan = true;
        if (r->rc == FT_OK)
            r->rc = ft_result_init(&r->res, &r->plan, &r->err);
        if (r->avrdude)
            ft_out_avrdude(&r->out, &r->plan, &r->res);
        for (int i = 0; r->rc == FT_OK && i < r->plan.nops; i++)
            if (r->plan.ops[i].note[0])
                ft_out_msg(&r->out, 0, "note: %s", r->plan.ops[i].note);
    }
    ft_wire_opts_default(&r->mo);
    if (go_on(r)) {
        r->rc = ft_cli_adapter_opts(cli, &r->pdb, r->prog, &r->mo, &cli->plan, &r->err);
        r->plan.opts.sck_hz = cli->plan.sck_hz;
    }
    if (go_on(r) && ft_interrupt_signal())
        r->rc = ft_err_set(&r->err, FT_E_INTERRUPTED, "interrupted (%s)",
                           ft_interrupt_name(ft_interrupt_signal()));
    if (go_on(r) && ft_station_wanted(&cli->station) && (cli->nterms || strcmp(r->prog->type, "dryrun") == 0))
        r->rc = ft_err_set(&r->err, FT_E_USAGE, "%s works on one adapter: not with several -P, usb:all, "
                           "--loop, --serial or --patch-cmd",
                           cli->nterms ? "the terminal (-T, -t)" : "-c dryrun");
}

/* Several adapters or boards: the station, which reports each board. */
/* Mixed adapters: -P usb:all drives each adapter by its own bridge, with
 * -c's wiring for the adapters of -c's bridge and, for another bridge's, the
 * wiring of that bridge's default programmer (ft232h, arduino-ft232r) when
 * the configuration has it. A programmer of a bridge with no USB chips
 * (dryrun): none. */
static int bridge_wiring(cli_run *r, ft_wire_opts fw[FT_STATION_BRIDGES], ft_station_run *sr)
{
    const ft_bridge *own = ft_wire_bridge_for(r->prog->type);
    if (!own || !own->chips)
        return FT_OK;
    for (int i = 0; i < FT_STATION_BRIDGES && ft_wire_bridge(i); i++) {
        const ft_bridge *br = ft_wire_bridge(i);
        if (br == own) {
            fw[i] = r->mo;
        } else {
            const ft_programmer *p = br->default_programmer ? ft_progdb_find(&r->pdb, br->default_programmer) : NULL;
            if (!br->chips || !p || strcmp(p->type, br->type) != 0)
                continue;   /* a configuration without it: not this bridge's adapters */
            ft_plan_opts scratch = r->cli.plan;   /* -B stays as -c's type reads it */
            int rc = ft_cli_adapter_opts(&r->cli, &r->pdb, p, &fw[i], &scratch, &r->err);
            if (rc != FT_OK)
                return rc;
        }
        sr->bridge_wire[i] = &fw[i];
    }
    return FT_OK;
}

static void run_station(cli_run *r)
{
    ft_cli *cli = &r->cli;
    r->station = true;
    ft_station_run sr = {&r->plan, r->prog->type, &r->mo, &cli->station, cli->json, cli->verbosity, r->out.f,
                         cli->nops == 0 && !cli->plan.erase, ft_parse_port, {NULL}};
    ft_wire_opts fw[FT_STATION_BRIDGES];
    if ((r->rc = bridge_wiring(r, fw, &sr)) != FT_OK) {
        ft_out_error(&r->out, r->err.msg);
        r->finished = true;
        return;
    }
    r->rc = ft_station_main(&sr);
    r->finished = true;
}

/* One adapter: the plan, the terminal's commands, or the diagnosis. */
static void run_target(cli_run *r)
{
    ft_cli *cli = &r->cli;
    r->mo.part = r->part;
    if (r->avrdude)
        ft_cli_avrdude_header(cli, r->prog, r->part, &r->out);
    r->rc = ft_wire_open(&r->w, r->prog->type, &r->mo, &r->err);
    if (r->rc != FT_OK)
        return;
    ft_out_msg(&r->out, 1, "adapter: %s", ft_wire_describe(r->w));
    ft_plan_events ev;
    ft_out_events(&r->out, &ev);
    ft_wire_led(r->w, FT_LED_RDY, true);
    ft_wire_led(r->w, FT_LED_PGM, true);
    if (cli->nterms)
        r->rc = ft_cli_run_terms(cli, &r->db, r->part, r->w, &r->out, &r->plan, &r->res, &r->err);
    else if (cli->nops == 0 && !cli->plan.erase)
        r->rc = ft_plan_diagnose(&r->plan, &r->res, r->w, &ev, &r->err);
    else
        r->rc = ft_plan_run(&r->plan, &r->res, r->w, &ev, &r->err);
    ft_wire_led(r->w, FT_LED_PGM, false);
    ft_wire_led(r->w, FT_LED_VFY, false);
    ft_wire_led(r->w, FT_LED_ERR, r->rc != FT_OK);
    ft_wire_flush(r->w);
    /* RESET released and the pins let go now, so that an adapter lost on
     * the way out is reported, not hidden in the close */
    ft_err rel = {0};
    if (ft_wire_release(r->w, &rel) != FT_OK && r->rc == FT_OK && !ft_interrupt_signal()) {
        r->rc = ft_err_set(&r->err, rel.code, "%s", rel.msg);
        r->lost_at_release = true;
    }
    if (r->rc == FT_OK && (cli->nops || cli->plan.erase) && cli->verbosity >= 0 && !r->avrdude)
        ft_out_msg(&r->out, 0, "done in %.2f s", now() - r->t0);
}

/* After a signal or a failure: what the chip holds, then what to do. */
static void tell_state(cli_run *r)
{
    /* A signal wins over whatever it caused on the way out. */
    r->sig = r->station ? 0 : ft_interrupt_signal();   /* the station reports its boards itself */
    if (r->sig && r->rc != FT_E_INTERRUPTED) {
        ft_err_clear(&r->err);
        r->rc = ft_err_set(&r->err, FT_E_INTERRUPTED, "interrupted (%s)", ft_interrupt_name(r->sig));
    }
    if (r->sig) {
        /* RESET first: the target must run again whatever comes next */
        ft_wire_close(r->w);
        r->w = NULL;
        if (r->have_plan)
            ft_plan_state(&r->plan, &r->res, r->state, sizeof r->state);
        else
            snprintf(r->state, sizeof r->state, "the chip was not touched");
    }
    if (r->station)
        return;
    if (r->rc != FT_OK)
        ft_out_error(&r->out, r->err.msg[0] ? r->err.msg : "failed");
    if (r->lost_at_release) {
        char held[600];
        ft_out_msg(&r->out, -99, "chip: %s; but RESET may still be held low, so the target may not run until the "
                                 "adapter is unplugged from the board",
                   release_state(&r->plan, &r->res, r->cli.nterms > 0, held, sizeof held));
        ft_out_msg(&r->out, -99, "nothing to run again for this chip; check the adapter's cable before the next board");
    } else if (!r->sig && r->rc != FT_OK && r->have_plan && run_changed_chip(&r->res)) {
        /* a failure after the chip was changed: say what it holds now */
        char held[600];
        ft_plan_state(&r->plan, &r->res, held, sizeof held);
        ft_out_msg(&r->out, -99, "chip: %s", held);
        if (r->rc == FT_E_LOST)
            ft_out_msg(&r->out, -99, "plug the adapter back in and run the same command again to finish");
    } else if (!r->sig && r->rc == FT_E_LOST && (!r->have_plan || (!r->res.erased && !r->res.chip_state[0]))) {
        /* lost before anything on the chip changed: say so, and what to do */
        ft_out_msg(&r->out, -99, "chip: untouched (nothing had been written or erased); plug the adapter "
                                 "back in and run the same command again");
    }
    if (r->sig) {
        ft_out_msg(&r->out, -99, "chip: %s", r->state);
        ft_out_msg(&r->out, -99, "RESET released and the pins let go (the target runs); %s",
                   r->have_plan && r->plan.nops ? "run the same command again to finish" : "nothing to finish");
    }
}

/* avrdude's closing lines, or the --json object. */
static void summarize(cli_run *r)
{
    const ft_cli *cli = &r->cli;
    if (r->station)
        return;
    if (r->avrdude && !cli->json && r->rc != FT_E_USAGE && (r->have_plan || r->rc != FT_OK))
        ft_out_avrdude_end(&r->out, r->have_plan ? &r->plan : NULL, r->have_plan ? &r->res : NULL);
    if (!cli->json)
        return;
    char adesc[192] = "", aserial[64] = "";
    if (r->w && !ft_wire_caps_of(r->w)->host_memory) {
        snprintf(adesc, sizeof adesc, "%s", ft_wire_describe(r->w));
        snprintf(aserial, sizeof aserial, "%s", ft_wire_serial(r->w));
    }
    const ft_part *part = r->part;
    ft_json_run jr = {
        .adapter_desc = adesc[0] ? adesc : NULL,
        .adapter_serial = adesc[0] ? aserial : NULL,
        .plan = r->have_plan ? &r->plan : NULL,
        .result = r->have_plan ? &r->res : NULL,
        .part = part ? (part->name[0] ? part->name : part->id) : NULL,
        .status = r->rc,
        .error = r->rc != FT_OK ? r->err.msg : NULL,
        .signal = r->sig ? ft_interrupt_name(r->sig) : NULL,
        .state = r->sig ? r->state : NULL,
        .exit_status = r->rc == FT_E_INTERRUPTED ? 128 + r->sig : r->rc,
        .seconds = now() - r->t0,
    };
    ft_json_write(stdout, &jr);
}

static void release(cli_run *r)
{
    ft_wire_close(r->w);
    if (r->have_plan)
        ft_plan_free(&r->plan);
    ft_result_free(&r->res);
    if (r->have_db) {
        ft_partdb_free(&r->db);
        ft_progdb_free(&r->pdb);
    }
    ft_cli_free(&r->cli);
    if (r->log)
        fclose(r->log);
}

int ft_cli_main(int argc, char **argv)
{
    static cli_run r;   /* large (the plan, the databases): not on the stack */
    memset(&r, 0, sizeof r);
    if (start(&r, argc, argv)) {
        ft_cli_free(&r.cli);
        return 0;
    }
    find_part(&r);
    make_plan(&r);
    if (go_on(&r) && ft_station_wanted(&r.cli.station))
        run_station(&r);
    if (go_on(&r))
        run_target(&r);
    tell_state(&r);
    summarize(&r);
    release(&r);
    if (r.avrdude)
        return r.rc == FT_OK ? 0 : 1;   /* avrdude's exit status: 1 for any failure */
    return r.rc == FT_E_INTERRUPTED ? 128 + r.sig : r.rc;
}
