/* What the station's files share: station.c forks one process per adapter
 * and sums up, station_board.c programs and reports one board,
 * station_loop.c waits for boards to come and go, station_serial.c hands
 * out serial numbers, station_feedback.c drives LEDs and the terminal,
 * station_list.c finds adapters. */
#ifndef FTISP_STATION_PRIV_H
#define FTISP_STATION_PRIV_H

#include "ftisp/proto.h"
#include "ftisp/session.h"
#include "ftisp/station.h"

#include <jansson.h>
#include <signal.h>
#include <stddef.h>

typedef struct st_adapter {
    ft_wire_opts mo;
    const char *type;         /* its bridge's programmer type; NULL: the run's */
    char label[64];           /* serial number, or the -P text until opened */
    int index;
} st_adapter;

/* One adapter's process. */
typedef struct st_child {
    const ft_station_run *run;
    st_adapter *ad;
    ft_wire *w;
    ft_result res;            /* what the run on the current board did */
    int pipefd;               /* board records to the parent */
    int boards;               /* boards handled so far */
} st_child;

extern volatile sig_atomic_t st_stop;

/* station_board.c: one board, start to report. Returns its status. */
int st_board(st_child *c);
/* A board that never got as far as a plan run (adapter not opened). */
void st_report(st_child *c, int status, const char *error, double seconds, const uint64_t *serial,
               json_t *patches);

int st_check_patches(const ft_station_run *run, ft_err *err);

/* station_loop.c */
int st_loop(st_child *c);

/* station_serial.c */
void st_timestamp(char *buf, size_t n);
int st_run_cmd(const char *cmd, const char *what, char *out, size_t n, ft_err *err);
int st_serial_next(const ft_station_opts *o, const ft_patch_spec *p, const char *who, uint64_t *num,
                   ft_err *err);
int st_serial_done(const ft_station_opts *o, uint64_t num, bool passed, const char *who, ft_err *err);
int st_serial_encode(const ft_patch_spec *p, uint64_t num, uint8_t *out, int *n, ft_err *err);
int st_parse_hex_bytes(const char *cmd, const char *s, uint8_t *out, int max, int *n, ft_err *err);

/* station_feedback.c */
enum st_led { ST_IDLE, ST_BUSY, ST_PASS, ST_FAIL };
void st_feedback(st_child *c, int state);
void st_banner(st_child *c, bool pass, const char *what);

/* station_list.c: usb:all: every adapter of the run's bridge, as opts from
 * its template; with mixed wiring, every adapter of each bridge given one,
 * with that bridge's type and wiring. */
int st_find_all(const ft_station_run *run, st_adapter *out, int max, int *n, ft_err *err);
bool st_mixed(const ft_station_run *run);

/* Failure kinds by status (FT_E_*, or 128 + a signal), for summaries. */
const char *st_kind(int status);
/* A board's exit status as the CLI would give it (128 + signal). */
int st_exit_status(int status);

#endif
