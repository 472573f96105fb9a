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

static const char USAGE[] =
    "usage: ftisp [options]\n"
    "  -p, --part PART          part id or name (m328p, ATmega328P); -p ? lists parts\n"
    "  -c, --programmer ID      ft232h (default), 2232h, 4232h, tigard, ..., dryrun (no adapter); -c ? lists\n"
    "  -P, --port PORT          usb, usb:SERIAL, usb:VID:PID[:SERIAL], usb:BUS/DEV, usb:all;\n"
    "                           repeatable: one board per adapter, in parallel; -P ? lists adapters\n"
    "  -U, --memory M:OP:FILE[:FMT]  OP r|w|v; FMT a i I s r e m d h o b; repeatable, run in order;\n"
    "                           M a memory, alias (ee, sig, fuses), or list (flash,eeprom; all; all,-flash)\n"
    "  -T, --command CMD        one terminal command (dump, write, config, ...), in order with -U\n"
    "  -t, --terminal           interactive terminal\n"
    "  -B, --bitclock T         SCK period in us (-B 1 = 1 MHz) or a frequency (-B 2MHz)\n"
    "  -b, --baud F             SCK frequency (2000000, 2MHz)\n"
    "  -e, --erase              chip erase first (flash, EEPROM unless EESAVE, lock bits)\n"
    "  -D, --noerase            no automatic erase before writing flash\n"
    "  -A, --keep-ff, --keep-trailing-0xff   keep trailing 0xFF bytes of flash images\n"
    "  -V, --noverify, --noverify-memory     do not read back what was written\n"
    "  -F, --force              go on despite a wrong signature\n"
    "  -n, --dry-run, --test-memory          write nothing (reads and checks still happen)\n"
    "  -q, --quell, -v, --verbose            quieter, more verbose (repeatable); -v alone: version\n"
    "  -l, --logfile FILE       messages to FILE instead of standard error\n"
    "  -C, --config [+]FILE     add parts and programmers (parts.conf or avrdude.conf format)\n"
    "  -N, --noconfig           do not read ~/.avrduderc\n"
    "  -x reset=PIN|buff=PIN|channel=A|B|help   adapter wiring;\n"
    "  -x led_pass=PIN|led_fail=PIN|led_busy=PIN   station LEDs (pins 4-15, lit high)\n"
    "      --fck FREQ           the target's crystal frequency, to choose SCK without -B\n"
    "      --allow LIST         permit risky fuses: clock, rstdisbl, dwen, lock, all\n"
    "      --json               a JSON summary on standard output (a line per board)\n"
    "      --loop [--poll HZ]   station: program each board inserted, until Ctrl-C\n"
    "      --serial MEM:ADDR:ENC[:START[:STEP]]  a number per board; ENC leN beN decN hexN\n"
    "      --serial-file FILE, --serial-cmd CMD, --serial-reuse   where numbers come from\n"
    "      --patch-cmd MEM:ADDR:CMD  per-board bytes: CMD prints them in hex\n"
    "      --version, -h --help\n"
    "  -E, -i, -O, -r           avrdude options with no meaning here: accepted and ignored\n"
    "With no -U: reads and explains the signature, fuses, lock bits and clock.\n"
    "Exit status: 0 ok, 1 failure, 2 usage, 3 input file or part, 4 no adapter, 5 adapter lost,\n"
    "6 target not answering, 7 wrong signature, 8 verify error, 9 refused as unsafe;\n"
    "129, 130, 143 stopped by SIGHUP, SIGINT, SIGTERM (RESET released, the chip's state told).\n";

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

static bool run_changed_chip(const ft_result *res)
{
    bool changed = res->erased;
    for (int i = 0; i < res->nops; i++)
        changed |= res->ops[i].chip_changed;
    return changed;
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

int ft_cli_main(int argc, char **argv)
{
    double t0 = now();
    ft_cli cli;
    ft_err err = {0};
    ft_out out;
    ft_partdb db;
    ft_plan plan;
    ft_result res = {0};
    ft_wire *w = NULL;
    const ft_programmer *prog = NULL;
    ft_progdb pdb = {0};
    const ft_part *part = NULL;
    bool have_plan = false, have_db = false, station = false, lost_at_release = false;
    FILE *log = NULL;

    ft_interrupt_install();
    bool avrdude = called_as_avrdude(argc > 0 ? argv[0] : NULL);
    int rc = ft_cli_parse(&cli, argc, argv, &err);
    cli.plan.avrdude_formats = avrdude;
    ft_out_init(&out, stderr, cli.verbosity);
    if (avrdude)
        ft_out_avrdude(&out, NULL, NULL);
    if (rc == FT_OK && cli.help) {
        fputs(USAGE, stdout);
        ft_cli_free(&cli);
        return 0;
    }
    if (rc == FT_OK && cli.version) {
        if (avrdude)
            printf("Avrdude version %s (ftisp %s)\n", AVRDUDE_VERSION, FTISP_VERSION);
        else
            printf("ftisp %s\n", FTISP_VERSION);
        ft_cli_free(&cli);
        return 0;
    }
    if (rc == FT_OK && cli.logfile) {
        log = fopen(cli.logfile, "a");
        if (!log)
            rc = ft_err_set(&err, FT_E_USAGE, "-l %s: cannot open for writing: %s", cli.logfile,
                            strerror(errno));
        else
            ft_out_init(&out, log, cli.verbosity);
        if (log && avrdude)
            ft_out_avrdude(&out, NULL, NULL);
    }
    if (rc == FT_OK)
        rc = check_outputs(&cli, &err);
    if (rc == FT_OK && cli_preamble(&cli, &out))
        goto done;
    if (rc == FT_OK) {
        if (cli.port && strcmp(cli.port, "?") == 0) {
            ft_wire_opts lo;
            ft_wire_opts_default(&lo);
            rc = ft_station_list(stdout, &lo, &err);
            goto done;
        }
        rc = ft_cli_load_config(&cli, &db, &pdb, &err);
        have_db = true;
    }
    if (rc == FT_OK && cli.programmer && strcmp(cli.programmer, "?") == 0) {
        ft_cli_list_programmers(&pdb);
        goto done;
    }
    if (rc == FT_OK)
        rc = ft_cli_programmer(&cli, &pdb, &prog, &err);
    if (rc == FT_OK && cli.part && strcmp(cli.part, "?") == 0) {
        list_parts(&db);
        goto done;
    }
    if (rc == FT_OK && !cli.part)
        rc = ft_err_set(&err, FT_E_USAGE, "no part given: use -p, e.g. -p m328p (-p ? lists parts)");
    if (rc == FT_OK) {
        part = ft_partdb_find(&db, cli.part);
        if (!part)
            rc = ft_err_set(&err, FT_E_INPUT, "-p %s: unknown part; -p ? lists the %d parts ftisp knows",
                            cli.part, db.nparts);
        else
            rc = ft_part_check(part, &err);
    }
    if (rc == FT_OK) {
        rc = ft_plan_build(&plan, &db, part, cli.ops, cli.nops, &cli.plan, &err);
        have_plan = true;
        if (rc == FT_OK)
            rc = ft_result_init(&res, &plan, &err);
        if (avrdude)
            ft_out_avrdude(&out, &plan, &res);
        for (int i = 0; rc == FT_OK && i < plan.nops; i++)
            if (plan.ops[i].note[0])
                ft_out_msg(&out, 0, "note: %s", plan.ops[i].note);
    }
    ft_wire_opts mo;
    ft_wire_opts_default(&mo);
    if (rc == FT_OK) {
        rc = ft_cli_adapter_opts(&cli, &pdb, prog, &mo, &cli.plan, &err);
        plan.opts.sck_hz = cli.plan.sck_hz;
    }
    if (rc == FT_OK && ft_interrupt_signal())
        rc = ft_err_set(&err, FT_E_INTERRUPTED, "interrupted (%s)", ft_interrupt_name(ft_interrupt_signal()));
    if (rc == FT_OK && ft_station_wanted(&cli.station) && (cli.nterms || strcmp(prog->type, "dryrun") == 0))
        rc = ft_err_set(&err, FT_E_USAGE, "%s works on one adapter: not with several -P, usb:all, --loop, "
                        "--serial or --patch-cmd", cli.nterms ? "the terminal (-T, -t)" : "-c dryrun");
    station = rc == FT_OK && ft_station_wanted(&cli.station);
    if (station) {
        ft_station_run sr = {&plan, prog->type, &mo, &cli.station, cli.json, cli.verbosity, out.f,
                             cli.nops == 0 && !cli.plan.erase, ft_parse_port};
        rc = ft_station_main(&sr);   /* it reports each board itself */
        goto done;
    }
    mo.part = part;
    if (rc == FT_OK)
        rc = ft_wire_open(&w, prog->type, &mo, &err);
    if (rc == FT_OK) {
        ft_out_msg(&out, 1, "adapter: %s", ft_wire_describe(w));
        ft_plan_events ev;
        ft_out_events(&out, &ev);
        ft_wire_led(w, FT_LED_RDY, true);
        ft_wire_led(w, FT_LED_PGM, true);
        if (cli.nterms)
            rc = ft_cli_run_terms(&cli, &db, part, w, &out, &plan, &res, &err);
        else if (cli.nops == 0 && !cli.plan.erase)
            rc = ft_plan_diagnose(&plan, &res, w, &ev, &err);
        else
            rc = ft_plan_run(&plan, &res, w, &ev, &err);
        ft_wire_led(w, FT_LED_PGM, false);
        ft_wire_led(w, FT_LED_VFY, false);
        ft_wire_led(w, FT_LED_ERR, rc != FT_OK);
        ft_wire_flush(w);
        /* RESET released and the pins let go now, so that an adapter lost
         * on the way out is reported, not hidden in the close */
        ft_err rel = {0};
        if (ft_wire_release(w, &rel) != FT_OK && rc == FT_OK && !ft_interrupt_signal()) {
            rc = ft_err_set(&err, rel.code, "%s", rel.msg);
            lost_at_release = true;
        }
    }
    if (rc == FT_OK && (cli.nops || cli.plan.erase) && cli.verbosity >= 0 && !avrdude)
        ft_out_msg(&out, 0, "done in %.2f s", now() - t0);
done:;
    /* A signal wins over whatever it caused on the way out. */
    int sig = station ? 0 : ft_interrupt_signal();   /* the station reports its boards itself */
    if (sig && rc != FT_E_INTERRUPTED) {
        ft_err_clear(&err);
        rc = ft_err_set(&err, FT_E_INTERRUPTED, "interrupted (%s)", ft_interrupt_name(sig));
    }
    char adesc[192] = "", aserial[64] = "", state[600] = "";
    if (w && !ft_wire_caps_of(w)->host_memory) {
        snprintf(adesc, sizeof adesc, "%s", ft_wire_describe(w));
        snprintf(aserial, sizeof aserial, "%s", ft_wire_serial(w));
    }
    if (sig) {
        /* RESET first: the target must run again whatever comes next */
        ft_wire_close(w);
        w = NULL;
        if (have_plan)
            ft_plan_state(&plan, &res, state, sizeof state);
        else
            snprintf(state, sizeof state, "the chip was not touched");
    }
    if (rc != FT_OK && !station)
        ft_out_error(&out, err.msg[0] ? err.msg : "failed");
    if (lost_at_release) {
        char now[600];
        ft_out_msg(&out, -99, "chip: %s; but RESET may still be held low, so the target may not run until the "
                              "adapter is unplugged from the board", release_state(&plan, &res, cli.nterms > 0, now, sizeof now));
        ft_out_msg(&out, -99, "nothing to run again for this chip; check the adapter's cable before the next board");
    } else if (!station && !sig && rc != FT_OK && have_plan && run_changed_chip(&res)) {
        /* a failure after the chip was changed: say what it holds now */
        char now[600];
        ft_plan_state(&plan, &res, now, sizeof now);
        ft_out_msg(&out, -99, "chip: %s", now);
        if (rc == FT_E_LOST)
            ft_out_msg(&out, -99, "plug the adapter back in and run the same command again to finish");
    } else if (!station && !sig && rc == FT_E_LOST && (!have_plan || (!res.erased && !res.chip_state[0]))) {
        /* lost before anything on the chip changed: say so, and what to do */
        ft_out_msg(&out, -99, "chip: untouched (nothing had been written or erased); plug the adapter "
                              "back in and run the same command again");
    }
    if (sig) {
        ft_out_msg(&out, -99, "chip: %s", state);
        ft_out_msg(&out, -99, "RESET released and the pins let go (the target runs); %s",
                   have_plan && plan.nops ? "run the same command again to finish" : "nothing to finish");
    }
    if (avrdude && !station && !cli.json && rc != FT_E_USAGE && (have_plan || rc != FT_OK))
        ft_out_avrdude_end(&out, have_plan ? &plan : NULL, have_plan ? &res : NULL);
    if (cli.json && !station) {
        ft_json_run jr = {
            .adapter_desc = adesc[0] ? adesc : NULL,
            .adapter_serial = adesc[0] ? aserial : NULL,
            .plan = have_plan ? &plan : NULL,
            .result = have_plan ? &res : NULL,
            .part = part ? (part->name[0] ? part->name : part->id) : NULL,
            .status = rc,
            .error = rc != FT_OK ? err.msg : NULL,
            .signal = sig ? ft_interrupt_name(sig) : NULL,
            .state = sig ? state : NULL,
            .exit_status = rc == FT_E_INTERRUPTED ? 128 + sig : rc,
            .seconds = now() - t0,
        };
        ft_json_write(stdout, &jr);
    }
    ft_wire_close(w);
    if (have_plan)
        ft_plan_free(&plan);
    ft_result_free(&res);
    if (have_db) {
        ft_partdb_free(&db);
        ft_progdb_free(&pdb);
    }
    ft_cli_free(&cli);
    if (log)
        fclose(log);
    if (avrdude)
        return rc == FT_OK ? 0 : 1;   /* avrdude's exit status: 1 for any failure */
    return rc == FT_E_INTERRUPTED ? 128 + sig : rc;
}
