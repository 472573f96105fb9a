/* Serial numbers: handed out from a counter file (locked, written to a
 * temporary file, fsynced and renamed, so two processes or a crash never
 * hand out one number twice) or taken from a command's output; and turned
 * into the bytes a board gets. The counter file's journal (FILE.log) says
 * what became of every number: reserved, passed, failed, reissued. */
#include "station_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_FILE "ftisp-serial"

static const char *counter_path(const ft_station_opts *o)
{
    return o->serial_file ? o->serial_file : DEFAULT_FILE;
}

void st_timestamp(char *buf, size_t n)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    size_t k = strftime(buf, n, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + k, n - k, ".%03ldZ", ts.tv_nsec / 1000000);
}

static int journal(const char *path, uint64_t num, const char *what, const char *who, ft_err *err)
{
    char jpath[1100], line[256], ts[40];
    snprintf(jpath, sizeof jpath, "%s.log", path);
    st_timestamp(ts, sizeof ts);
    int n = snprintf(line, sizeof line, "%" PRIu64 " %s %s %s\n", num, what, who, ts);
    int fd = open(jpath, O_WRONLY | O_CREAT | O_APPEND, 0666);
    if (fd < 0)
        return ft_err_set(err, FT_E_FAIL, "%s: cannot open the serial journal: %s", jpath, strerror(errno));
    int rc = FT_OK;
    if (write(fd, line, (size_t)n) != n || fsync(fd) != 0)
        rc = ft_err_set(err, FT_E_FAIL, "%s: cannot write the serial journal: %s", jpath, strerror(errno));
    close(fd);
    return rc;
}

static int lock_counter(const char *path, ft_err *err)
{
    char lpath[1100];
    snprintf(lpath, sizeof lpath, "%s.lock", path);
    int fd = open(lpath, O_RDWR | O_CREAT, 0666);
    if (fd < 0)
        return -ft_err_set(err, FT_E_FAIL, "%s: cannot open the serial lock file: %s", lpath, strerror(errno));
    while (flock(fd, LOCK_EX) != 0) {
        if (errno != EINTR) {
            close(fd);
            return -ft_err_set(err, FT_E_FAIL, "%s: cannot lock: %s", lpath, strerror(errno));
        }
    }
    return fd;
}

/* A failed number not yet reissued, the smallest; false if none. */
static bool find_failed(const char *path, uint64_t *num)
{
    char jpath[1100], line[256];
    snprintf(jpath, sizeof jpath, "%s.log", path);
    FILE *f = fopen(jpath, "r");
    if (!f)
        return false;
    /* numbers failed minus numbers reissued, counted per number */
    uint64_t *nums = NULL;
    long *count = NULL;
    size_t n = 0, cap = 0;
    while (fgets(line, sizeof line, f)) {
        uint64_t v;
        char what[32];
        if (sscanf(line, "%" SCNu64 " %31s", &v, what) != 2)
            continue;
        int d = strcmp(what, "failed") == 0 ? 1 : strcmp(what, "reissued") == 0 ? -1 : 0;
        if (!d)
            continue;
        size_t i = 0;
        while (i < n && nums[i] != v)
            i++;
        if (i == n) {
            if (n == cap) {
                cap = cap ? cap * 2 : 64;
                uint64_t *a = realloc(nums, cap * sizeof *nums);
                long *b = a ? realloc(count, cap * sizeof *count) : NULL;
                if (a)
                    nums = a;
                if (!a || !b)
                    break;
                count = b;
            }
            nums[n] = v;
            count[n++] = 0;
        }
        count[i] += d;
    }
    fclose(f);
    bool found = false;
    for (size_t i = 0; i < n; i++)
        if (count[i] > 0 && (!found || nums[i] < *num)) {
            *num = nums[i];
            found = true;
        }
    free(nums);
    free(count);
    return found;
}

static int reserve_from_file(const ft_station_opts *o, const ft_patch_spec *p, const char *who, uint64_t *num,
                             ft_err *err)
{
    const char *path = counter_path(o);
    int lock = lock_counter(path, err);
    if (lock < 0)
        return -lock;
    int rc = FT_OK;
    if (o->serial_reuse && find_failed(path, num)) {
        rc = journal(path, *num, "reissued", who, err);
        close(lock);
        return rc;
    }
    uint64_t next = p->start;
    FILE *f = fopen(path, "r");
    if (f) {
        char line[128] = "";
        if (!fgets(line, sizeof line, f) || sscanf(line, "next %" SCNu64, &next) != 1)
            rc = ft_err_set(err, FT_E_INPUT, "%s:1: expected \"next NUMBER\", found \"%.40s\"; the serial "
                            "counter file is damaged: fix it by hand (its journal is %s.log)", path, line, path);
        fclose(f);
    } else if (errno != ENOENT) {
        rc = ft_err_set(err, FT_E_FAIL, "%s: cannot read the serial counter: %s", path, strerror(errno));
    }
    if (rc == FT_OK && next > UINT64_MAX - p->step)
        rc = ft_err_set(err, FT_E_INPUT, "%s: serial numbers exhausted", path);
    if (rc == FT_OK) {
        char tmp[1100], line[64];
        snprintf(tmp, sizeof tmp, "%s.tmp", path);
        int n = snprintf(line, sizeof line, "next %" PRIu64 "\n", next + p->step);
        int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0666);
        if (fd < 0 || write(fd, line, (size_t)n) != n || fsync(fd) != 0 || rename(tmp, path) != 0)
            rc = ft_err_set(err, FT_E_FAIL, "%s: cannot update the serial counter: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        /* the rename itself must survive a crash */
        char dir[1100];
        snprintf(dir, sizeof dir, "%s", path);
        char *slash = strrchr(dir, '/');
        if (slash)
            *(slash == dir ? slash + 1 : slash) = '\0';
        int dfd = open(slash ? dir : ".", O_RDONLY);
        if (dfd >= 0) {
            fsync(dfd);
            close(dfd);
        }
    }
    if (rc == FT_OK) {
        *num = next;
        rc = journal(path, next, "reserved", who, err);
    }
    close(lock);
    return rc;
}

/* Runs cmd with FTISP_ADAPTER set; its standard output goes to out. */
int st_run_cmd(const char *cmd, const char *what, char *out, size_t n, ft_err *err)
{
    FILE *f = popen(cmd, "r");
    if (!f)
        return ft_err_set(err, FT_E_FAIL, "%s \"%s\": cannot run: %s", what, cmd, strerror(errno));
    size_t got = fread(out, 1, n - 1, f);
    out[got] = '\0';
    char drain[256];
    while (fread(drain, 1, sizeof drain, f) > 0)
        ;
    int st = pclose(f);
    if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return ft_err_set(err, FT_E_FAIL, "%s \"%s\" failed (exit status %d); nothing programmed", what, cmd,
                          st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    return FT_OK;
}

int st_serial_next(const ft_station_opts *o, const ft_patch_spec *p, const char *who, uint64_t *num, ft_err *err)
{
    if (!o->serial_cmd)
        return reserve_from_file(o, p, who, num, err);
    char buf[128];
    int rc = st_run_cmd(o->serial_cmd, "--serial-cmd", buf, sizeof buf, err);
    if (rc != FT_OK)
        return rc;
    char *s = buf, *end;
    while (*s == ' ' || *s == '\t' || *s == '\n')
        s++;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    while (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r')
        end++;
    if (end == s || *s == '-' || errno || *end)
        return ft_err_set(err, FT_E_INPUT, "--serial-cmd \"%s\": expected one number on standard output, "
                          "found \"%.40s\"", o->serial_cmd, s);
    *num = v;
    return FT_OK;
}

int st_serial_done(const ft_station_opts *o, uint64_t num, bool passed, const char *who, ft_err *err)
{
    if (o->serial_cmd)
        return FT_OK;   /* the command's owner keeps its own record */
    const char *path = counter_path(o);
    int lock = lock_counter(path, err);
    if (lock < 0)
        return -lock;
    int rc = journal(path, num, passed ? "passed" : "failed", who, err);
    close(lock);
    return rc;
}

int st_serial_encode(const ft_patch_spec *p, uint64_t num, uint8_t *out, int *n, ft_err *err)
{
    char txt[32];
    switch (p->enc) {
    case FT_SER_LE:
    case FT_SER_BE:
        if (p->width < 8 && num >> (8 * p->width))
            return ft_err_set(err, FT_E_INPUT, "serial %" PRIu64 " does not fit in %d byte%s", num, p->width,
                              p->width > 1 ? "s" : "");
        for (int i = 0; i < p->width; i++) {
            uint8_t b = (uint8_t)(num >> (8 * i));
            out[p->enc == FT_SER_LE ? i : p->width - 1 - i] = b;
        }
        *n = p->width;
        return FT_OK;
    case FT_SER_DEC:
    case FT_SER_HEX:
        snprintf(txt, sizeof txt, p->enc == FT_SER_DEC ? "%0*" PRIu64 : "%0*" PRIX64, p->width, num);
        if ((int)strlen(txt) > p->width)
            return ft_err_set(err, FT_E_INPUT, "serial %" PRIu64 " does not fit in %d %s digits", num, p->width,
                              p->enc == FT_SER_DEC ? "decimal" : "hex");
        memcpy(out, txt, (size_t)p->width);
        *n = p->width;
        return FT_OK;
    }
    return ft_err_set(err, FT_E_FAIL, "internal: serial encoding %d", p->enc);
}

/* "de ad be ef", "deadbeef", "00:11:22" -> bytes. */
int st_parse_hex_bytes(const char *cmd, const char *s, uint8_t *out, int max, int *n, ft_err *err)
{
    int k = 0;
    int nib = -1;
    for (const char *c = s; *c; c++) {
        int v;
        if (*c >= '0' && *c <= '9')
            v = *c - '0';
        else if ((*c | 0x20) >= 'a' && (*c | 0x20) <= 'f')
            v = (*c | 0x20) - 'a' + 10;
        else if (*c == ' ' || *c == ':' || *c == '\n' || *c == '\t' || *c == '\r' || *c == '-') {
            if (nib >= 0)
                return ft_err_set(err, FT_E_INPUT, "--patch-cmd \"%s\": odd number of hex digits in \"%.40s\"",
                                  cmd, s);
            continue;
        } else {
            return ft_err_set(err, FT_E_INPUT, "--patch-cmd \"%s\": expected hex bytes on standard output, "
                              "found '%c' in \"%.40s\"", cmd, *c, s);
        }
        if (nib < 0) {
            nib = v;
            continue;
        }
        if (k >= max)
            return ft_err_set(err, FT_E_INPUT, "--patch-cmd \"%s\": more than %d bytes", cmd, max);
        out[k++] = (uint8_t)(nib << 4 | v);
        nib = -1;
    }
    if (nib >= 0 || k == 0)
        return ft_err_set(err, FT_E_INPUT, "--patch-cmd \"%s\": expected hex bytes on standard output, found "
                          "\"%.40s\"", cmd, s);
    *n = k;
    return FT_OK;
}
