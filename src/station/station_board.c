/* One board: its per-board data (serial number, patches from commands)
 * written into this process's copy of the plan's images, the plan carried
 * out, and the result reported: a human line, a JSON line with --json, a
 * record for the parent's summary, LEDs and the terminal. */
#include "station_priv.h"

#include "ftisp/report.h"
#include "ftisp/interrupt.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int st_exit_status(int status)
{
    /* as the CLI exits after a signal: 128 + its number */
    return status == FT_E_INTERRUPTED ? 128 + ft_interrupt_signal() : status;
}

const char *st_kind(int status)
{
    if (status >= FT_E_INTERRUPTED)
        return "interrupted";
    static const char *const kinds[] = {"ok", "failure", "usage", "input", "no adapter", "adapter lost",
                                        "target not answering", "wrong signature", "verify error",
                                        "refused as unsafe"};
    return status >= 0 && status <= 9 ? kinds[status] : "failure";
}

/* The -U write op a patch lands in. */
static ft_op *write_op(ft_plan *p, const char *memory)
{
    for (int i = 0; i < p->nops; i++) {
        int fi;
        ft_op *op = &p->ops[i];
        int kind = ft_plan_memkind(p->part, op->spec.memory, &fi);
        int want = strcmp(memory, "flash") == 0 ? FT_MEM_FLASH : FT_MEM_EEPROM;
        if (op->spec.kind == FT_OP_WRITE && kind == want)
            return op;
    }
    return NULL;
}

static int put(ft_plan *p, const ft_patch_spec *s, const uint8_t *b, int n, json_t *patches, ft_err *err)
{
    ft_op *op = write_op(p, s->memory);
    if (!op)
        return ft_err_set(err, FT_E_USAGE, "per-board data for %s: no -U %s:w:FILE to write it with",
                          s->memory, s->memory);
    if ((uint64_t)s->addr + (uint64_t)n > op->mem_size)
        return ft_err_set(err, FT_E_INPUT, "per-board data at %s 0x%x, %d bytes: past the end of %s (%u bytes)",
                          s->memory, s->addr, n, s->memory, op->mem_size);
    for (int i = 0; i < n; i++)
        ft_image_store(&op->img, s->addr + (uint32_t)i, b[i]);
    char *hex = malloc(2 * (size_t)n + 1);
    json_t *o = json_object();
    if (hex && o) {
        for (int i = 0; i < n; i++)
            snprintf(hex + 2 * i, 3, "%02x", b[i]);
        hex[2 * n] = 0;
        json_object_set_new(o, "memory", ft_json_str(s->memory));
        json_object_set_new(o, "address", json_integer(s->addr));
        json_object_set_new(o, "bytes", json_string(hex));
        json_array_append(patches, o);
    }
    json_decref(o);
    free(hex);
    return FT_OK;
}

int st_check_patches(const ft_station_run *run, ft_err *err)
{
    const ft_station_opts *o = run->opts;
    bool serial = false;
    for (int i = 0; i < o->npatches; i++) {
        const ft_patch_spec *s = &o->patches[i];
        serial |= s->is_serial;
        ft_op *op = write_op(run->plan, s->memory);
        if (!op)
            return ft_err_set(err, FT_E_USAGE, "--%s %s:0x%x:...: no -U %s:w:FILE to write it with (the "
                              "per-board bytes go into that image and are verified with it)",
                              s->is_serial ? "serial" : "patch-cmd", s->memory, s->addr, s->memory);
        if (s->is_serial && (uint64_t)s->addr + (uint64_t)s->width > op->mem_size)
            return ft_err_set(err, FT_E_USAGE, "--serial %s:0x%x: %d bytes from there pass the end of %s "
                              "(%u bytes)", s->memory, s->addr, s->width, s->memory, op->mem_size);
        if (s->is_serial) {
            uint8_t b[32];
            int n;
            int rc = st_serial_encode(s, s->start, b, &n, err);
            if (rc != FT_OK)
                return ft_err_set(err, FT_E_USAGE, "--serial: the start number does not fit: %s", err->msg);
        }
    }
    if (!serial && (o->serial_cmd || o->serial_file || o->serial_reuse))
        return ft_err_set(err, FT_E_USAGE, "--serial-cmd, --serial-file and --serial-reuse need --serial "
                          "MEMORY:ADDRESS:ENCODING");
    if (o->serial_cmd && (o->serial_file || o->serial_reuse))
        return ft_err_set(err, FT_E_USAGE, "--serial-cmd takes numbers from the command: --serial-file and "
                          "--serial-reuse are for the counter file");
    return FT_OK;
}

/* The JSON line: ft_json_result's object with a "station" member added. */
static void json_line(st_child *c, int status, const char *error, double seconds, const uint64_t *serial,
                      json_t *patches, const char *ts)
{
    const ft_station_run *run = c->run;
    const ft_part *part = run->plan->part;
    int sig = ft_interrupt_signal();
    bool stopped = status == FT_E_INTERRUPTED;
    char state[600] = "";
    if (stopped)
        ft_plan_state(run->plan, &c->res, state, sizeof state);
    ft_json_run jr = {
        .adapter_desc = c->w ? ft_wire_describe(c->w) : NULL,
        .adapter_serial = c->w ? ft_wire_serial(c->w) : NULL,
        .plan = run->plan,
        .result = &c->res,
        .part = part->name[0] ? part->name : part->id,
        .status = status,
        .exit_status = st_exit_status(status),
        .error = status ? error : NULL,
        .signal = stopped && sig ? ft_interrupt_name(sig) : NULL,
        .state = stopped ? state : NULL,
        .seconds = seconds,
    };
    json_t *o = ft_json_result(&jr), *st = json_object();
    /* jansson's integers are int64_t: st_board refuses a serial number past
     * INT64_MAX with --json, and the error says which it was */
    bool ok = o && st && json_object_set_new(st, "adapter", ft_json_str(c->ad->label)) == 0 &&
              json_object_set_new(st, "adapter_index", json_integer(c->ad->index)) == 0 &&
              json_object_set_new(st, "board", json_integer(c->boards)) == 0 &&
              json_object_set_new(st, "time", ft_json_str(ts)) == 0 &&
              json_object_set_new(st, "board_serial", serial && *serial <= INT64_MAX ? json_integer((json_int_t)*serial) : json_null()) == 0 &&
              json_object_set_new(st, "patches", patches ? json_incref(patches) : json_array()) == 0 &&
              json_object_set_new(st, "failure", status ? json_string(st_kind(status)) : json_null()) == 0 &&
              json_object_set(o, "station", st) == 0;
    json_decref(st);
    char *line = ok ? ft_json_line(o) : NULL;
    json_decref(o);
    if (!line) {
        fprintf(run->msgs, "ftisp: %s: --json: out of memory for the board's line\n", c->ad->label);
        return;
    }
    /* one write: lines from several adapters' processes do not mix */
    fflush(stdout);
    size_t n = strlen(line);
    if (write(STDOUT_FILENO, line, n) != (ssize_t)n)
        (void)0;   /* standard output gone: the exit status still tells */
    free(line);
}

void st_report(st_child *c, int status, const char *error, double seconds, const uint64_t *serial,
               json_t *patches)
{
    const ft_station_run *run = c->run;
    char ts[40], ser[40] = "";
    st_timestamp(ts, sizeof ts);
    if (serial)
        snprintf(ser, sizeof ser, ", serial %" PRIu64, *serial);
    if (status == FT_OK)
        fprintf(run->msgs, "ftisp: %s board %d: PASS in %.2f s%s\n", c->ad->label, c->boards, seconds, ser);
    else
        fprintf(run->msgs, "ftisp: %s board %d: FAIL (%s, exit %d) in %.2f s%s: %s\n", c->ad->label, c->boards,
                st_kind(status), st_exit_status(status), seconds, ser, error && *error ? error : "failed");
    bool changed = c->res.erase_started;
    for (int i = 0; i < c->res.nops; i++)
        changed |= c->res.ops[i].chip_changed;
    if (status != FT_OK && changed) {
        char state[600];
        ft_plan_state(run->plan, &c->res, state, sizeof state);
        fprintf(run->msgs, "ftisp: %s board %d: chip: %s\n", c->ad->label, c->boards, state);
    }
    fflush(run->msgs);
    if (run->json)
        json_line(c, status, error, seconds, serial, patches, ts);
    char rec[32];
    int n = snprintf(rec, sizeof rec, "%d %d\n", c->ad->index, st_exit_status(status));
    if (write(c->pipefd, rec, (size_t)n) != n)
        (void)0;   /* the parent is gone: nobody to tell */
    st_banner(c, status == FT_OK, c->ad->label);
}

int st_board(st_child *c)
{
    const ft_station_run *run = c->run;
    const ft_station_opts *o = run->opts;
    ft_plan *plan = run->plan;
    c->boards++;
    double t0 = now();
    ft_err err = {0};
    ft_result_free(&c->res);   /* the last board's results go; the plan stays */
    int rc = ft_result_init(&c->res, plan, &err);
    st_feedback(c, ST_BUSY);
    json_t *patches = json_array();
    uint64_t serial = 0;
    bool have_serial = false;
    char who[96];
    snprintf(who, sizeof who, "%s#%d", c->ad->label, c->boards);
    /* the serial first: a patch command sees it as FTISP_SERIAL */
    for (int i = 0; rc == FT_OK && i < o->npatches; i++) {
        const ft_patch_spec *s = &o->patches[i];
        if (!s->is_serial)
            continue;
        rc = st_serial_next(o, s, who, &serial, &err);
        if (rc != FT_OK)
            break;
        have_serial = true;
        if (run->json && serial > INT64_MAX) {
            rc = ft_err_set(&err, FT_E_INPUT, "serial %" PRIu64 ": --json carries serial numbers up to %" PRId64,
                            serial, INT64_MAX);
            break;
        }
        uint8_t b[32];
        int n;
        rc = st_serial_encode(s, serial, b, &n, &err);
        if (rc == FT_OK)
            rc = put(plan, s, b, n, patches, &err);
        char num[32];
        snprintf(num, sizeof num, "%" PRIu64, serial);
        setenv("FTISP_SERIAL", num, 1);
    }
    setenv("FTISP_ADAPTER", c->ad->label, 1);
    for (int i = 0; rc == FT_OK && i < o->npatches; i++) {
        const ft_patch_spec *s = &o->patches[i];
        if (s->is_serial)
            continue;
        char out[1024];
        uint8_t b[256];
        int n;
        rc = st_run_cmd(s->cmd, "--patch-cmd", out, sizeof out, &err);
        if (rc == FT_OK)
            rc = st_parse_hex_bytes(s->cmd, out, b, (int)sizeof b, &n, &err);
        if (rc == FT_OK)
            rc = put(plan, s, b, n, patches, &err);
    }
    if (rc == FT_OK) {
        ft_out out;
        ft_out_init(&out, run->msgs, run->verbosity - 1);
        out.tty = false;
        ft_plan_events ev;
        ft_out_events(&out, &ev);
        rc = run->diagnose ? ft_plan_diagnose(plan, &c->res, c->w, &ev, &err)
                           : ft_plan_run(plan, &c->res, c->w, &ev, &err);
    }
    if (have_serial) {
        ft_err e2 = {0};
        if (st_serial_done(o, serial, rc == FT_OK, who, &e2) != FT_OK)
            fprintf(run->msgs, "ftisp: %s: %s\n", c->ad->label, e2.msg);
    }
    st_report(c, rc, err.msg, now() - t0, have_serial ? &serial : NULL, patches);
    json_decref(patches);
    st_feedback(c, rc == FT_OK ? ST_PASS : ST_FAIL);
    return rc;
}
