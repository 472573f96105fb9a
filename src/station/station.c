/* Several adapters, one command: the plan is built and checked once, then
 * one process per adapter (forked after that) carries it out on its board.
 * Processes, not threads: a board's run shares nothing with another's (a
 * libusb context, the plan's images patched with this board's serial, the
 * error state), a crash or hang on one adapter cannot take the others down,
 * and the USB waits of each run overlap in the kernel as they would in
 * threads. Each process reports its boards itself (human and JSON lines) and
 * sends a one-line record per board up a pipe, from which this process sums
 * up and decides the exit status. */
#include "station_priv.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

volatile sig_atomic_t st_stop;

static void on_stop(int sig)
{
    st_stop = sig;
}

static void catch_stop(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

static int adapters(const ft_station_run *run, st_adapter *ads, int *n, ft_err *err)
{
    const ft_station_opts *o = run->opts;
    *n = 0;
    for (int i = 0; i < o->nports; i++) {
        int rc;
        if (strcasecmp(o->ports[i], "usb:all") == 0) {
            int before = *n;
            rc = st_find_all(run, ads, FT_STATION_MAX_PORTS, n, err);
            if (rc == FT_OK && *n == before)
                rc = ft_err_set(err, FT_E_NODEV, "-P usb:all: no %s found on USB (`lsusb -d 0403:` lists FTDI "
                                "chips)", st_mixed(run) ? "FT232H, FT2232H, FT4232H, FT232R or FT231X/FT230X"
                                                   : "adapter of this programmer's family");
        } else if (*n >= FT_STATION_MAX_PORTS) {
            rc = ft_err_set(err, FT_E_USAGE, "-P: at most %d adapters", FT_STATION_MAX_PORTS);
        } else {
            st_adapter *a = &ads[*n];
            memset(a, 0, sizeof *a);
            a->mo = *run->wire;
            a->mo.serial = NULL;
            a->mo.bus = a->mo.address = -1;
            rc = run->parse_port(o->ports[i], &a->mo, err);
            snprintf(a->label, sizeof a->label, "%s", a->mo.serial ? a->mo.serial : o->ports[i]);
            a->index = (*n)++;
        }
        if (rc != FT_OK)
            return rc;
    }
    if (*n == 0) {
        memset(&ads[0], 0, sizeof ads[0]);
        ads[0].mo = *run->wire;
        snprintf(ads[0].label, sizeof ads[0].label, "%s", run->wire->serial ? run->wire->serial : "usb");
        *n = 1;
    }
    for (int i = 0; i < *n; i++)
        for (int j = 0; j < i; j++)
            if (ads[i].mo.serial && ads[j].mo.serial && strcmp(ads[i].mo.serial, ads[j].mo.serial) == 0 &&
                ads[i].mo.channel == ads[j].mo.channel)
                return ft_err_set(err, FT_E_USAGE, "-P: adapter %s named twice", ads[i].mo.serial);
    int pins[3] = {o->led_pass, o->led_fail, o->led_busy};
    for (int k = 0; k < 3; k++)
        if (pins[k] >= 0 && (pins[k] == run->wire->reset_pin || pins[k] == run->wire->buffer_pin))
            return ft_err_set(err, FT_E_USAGE, "-x led_*=%d: that pin is the RESET or buffer pin", pins[k]);
    return FT_OK;
}

static int child(const ft_station_run *run, st_adapter *ad, int pipefd)
{
    st_child c = {.run = run, .ad = ad, .pipefd = pipefd};
    ft_err err = {0};
    if (run->opts->loop)
        catch_stop();
    int rc = ft_wire_open(&c.w, ad->type ? ad->type : run->type, &ad->mo, &err);
    if (rc != FT_OK) {
        c.boards = 1;
        st_report(&c, rc, err.msg, 0, NULL, NULL);
        return rc;
    }
    if (ft_wire_serial(c.w) && ft_wire_serial(c.w)[0])
        snprintf(ad->label, sizeof ad->label, "%s", ft_wire_serial(c.w));
    rc = run->opts->loop ? st_loop(&c) : st_board(&c);
    ft_wire_close(c.w);
    ft_result_free(&c.res);
    return rc;
}

/* The boards' outcomes as the adapters' processes report them. */
typedef struct tally {
    int boards, passed;
    int by_status[11];   /* FT_E_* 1..9, and [10] for boards stopped by a signal */
    int reported[FT_STATION_MAX_PORTS];
    int first_fail;
    bool mixed;          /* failures of more than one kind */
} tally;

static void count(tally *y, int status)
{
    y->boards++;
    if (status == FT_OK) {
        y->passed++;
        return;
    }
    y->by_status[status >= 128 ? 10 : status > 0 && status < 10 ? status : 1]++;
    if (y->first_fail && y->first_fail != status)
        y->mixed = true;
    if (!y->first_fail)
        y->first_fail = status;
}

/* One process per adapter, each writing "INDEX STATUS\n" lines to fd. */
static int spawn(const ft_station_run *run, st_adapter *ads, int n, int fds[2], pid_t *pids, int *started)
{
    fflush(stdout);
    fflush(run->msgs);
    for (int i = 0; i < n; i++) {
        pid_t p = fork();
        if (p == 0) {
            close(fds[0]);
            int r = child(run, &ads[i], fds[1]);
            fflush(stdout);
            fflush(run->msgs);
            exit(r);
        }
        if (p < 0) {
            fprintf(run->msgs, "ftisp: %s: cannot start a process: %s\n", ads[i].label, strerror(errno));
            return FT_E_FAIL;
        }
        pids[(*started)++] = p;
    }
    return FT_OK;
}

/* Reads the reports until every child has closed the pipe. */
static void collect(const ft_station_run *run, int fd, const pid_t *pids, int started, tally *y)
{
    bool forwarded = false;
    char buf[4096];
    size_t have = 0;
    for (;;) {
        /* In a loop the adapters' processes end after their boards, however
         * many times they are told. A single run's processes have the CLI's
         * handler, for which a second signal means "stop at once": a
         * terminal's Ctrl-C reaches them already, so nothing is passed on. */
        if (st_stop && !forwarded && run->opts->loop) {
            forwarded = true;
            for (int i = 0; i < started; i++)
                kill(pids[i], SIGINT);
        }
        ssize_t got = read(fd, buf + have, sizeof buf - 1 - have);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        have += (size_t)got;
        char *line = buf, *nl;
        while ((nl = memchr(line, '\n', have - (size_t)(line - buf)))) {
            int idx, status;
            *nl = '\0';
            if (sscanf(line, "%d %d", &idx, &status) == 2) {
                if (idx >= 0 && idx < FT_STATION_MAX_PORTS)
                    y->reported[idx]++;
                count(y, status);
            }
            line = nl + 1;
        }
        have -= (size_t)(line - buf);
        memmove(buf, line, have);
    }
}

/* Waits for each child; one that ended without a word counts as failed. */
static void reap(const ft_station_run *run, const st_adapter *ads, const pid_t *pids, int started, tally *y)
{
    for (int i = 0; i < started; i++) {
        int st;
        while (waitpid(pids[i], &st, 0) < 0 && errno == EINTR)
            ;
        if (!y->reported[ads[i].index]) {
            /* killed, or crashed */
            fprintf(run->msgs, "ftisp: %s: its process ended without a report (%s %d)\n", ads[i].label,
                    WIFSIGNALED(st) ? "signal" : "exit status", WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
            count(y, FT_E_FAIL);
        }
    }
}

static void summary(const ft_station_run *run, const tally *y)
{
    char kinds[512] = "";
    size_t k = 0;
    for (int s = 1; s <= 10; s++)
        if (y->by_status[s])
            k += (size_t)snprintf(kinds + k, sizeof kinds - k, "%s%s %d", k ? ", " : " (",
                                  st_kind(s == 10 ? FT_E_INTERRUPTED : s), y->by_status[s]);
    if (k)
        snprintf(kinds + k, sizeof kinds - k, ")");
    fprintf(run->msgs, "ftisp: station: %d board%s, %d passed, %d failed%s\n", y->boards,
            y->boards == 1 ? "" : "s", y->passed, y->boards - y->passed, kinds);
    fflush(run->msgs);
}

int ft_station_main(const ft_station_run *run)
{
    ft_err err = {0};
    st_adapter ads[FT_STATION_MAX_PORTS];
    int n = 0;
    int rc = adapters(run, ads, &n, &err);
    if (rc == FT_OK)
        rc = st_check_patches(run, &err);
    if (rc != FT_OK) {
        fprintf(run->msgs, "ftisp: %s\n", err.msg);
        return rc;
    }
    int fds[2];
    if (pipe(fds) != 0) {
        fprintf(run->msgs, "ftisp: cannot make a pipe: %s\n", strerror(errno));
        return FT_E_FAIL;
    }
    pid_t pids[FT_STATION_MAX_PORTS];
    int started = 0;
    rc = spawn(run, ads, n, fds, pids, &started);
    close(fds[1]);
    catch_stop();
    tally y = {0};
    collect(run, fds[0], pids, started, &y);
    close(fds[0]);
    reap(run, ads, pids, started, &y);
    if (run->verbosity >= 0 && (n > 1 || run->opts->loop))
        summary(run, &y);
    if (rc != FT_OK)
        return rc;
    return y.first_fail == 0 ? FT_OK : y.mixed ? FT_E_FAIL : y.first_fail;
}
