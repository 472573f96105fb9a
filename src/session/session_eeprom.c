/* Keeping the EEPROM through the automatic chip erase, and finishing the job
 * when a run was cut off in the middle of it.
 *
 * Before anything changes, the EEPROM is read until two reads agree and that
 * copy goes to disk with a journal (both fsync'd) saying what the run is
 * about to change: the high fuse's value before EESAVE is programmed. Then:
 * EESAVE programmed (it takes effect at once; the read-back checks it), chip
 * erase, the high fuse back as it was (checked), and the EEPROM read and
 * compared with the copy: differences (EESAVE did not keep it, or the part
 * has none) are written back from the copy and verified. Only then are the
 * journal and the copy removed. A later run on the same adapter, part and
 * signature that finds the journal puts fuses and EEPROM back first. */
#include "session_priv.h"

#include "ftisp/sha256.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define JOURNAL_MAGIC "ftisp-journal 1"

typedef struct keep {
    char dir[400];
    char journal[512];
    char copy[512];
    int efi;                  /* EESAVE's fuse index, -1: the part has none */
    uint8_t emask;
    uint8_t fuses[FT_MAX_FUSES];   /* as they were before the run changed them */
} keep;

/* ---- where the journal and copy live ---- */

static int mkdirs(char *path)
{
    for (char *s = path + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        int rc = mkdir(path, 0700);
        *s = '/';
        if (rc != 0 && errno != EEXIST)
            return -1;
    }
    return mkdir(path, 0700) == 0 || errno == EEXIST ? 0 : -1;
}

/* $XDG_STATE_HOME/ftisp, else ~/.local/state/ftisp. */
static int state_dir(char *out, size_t n)
{
    const char *x = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
    if (x && x[0] == '/')
        snprintf(out, n, "%s/ftisp", x);
    else if (home && home[0] == '/')
        snprintf(out, n, "%s/.local/state/ftisp", home);
    else
        return -1;
    return 0;
}

static void keep_names(ft_session *r, keep *k)
{
    const char *ser = ft_wire_serial(r->w);
    char s[40];
    int j = 0;
    for (const char *c = ser ? ser : ""; *c && j < (int)sizeof s - 1; c++)
        s[j++] = isalnum((unsigned char)*c) || *c == '-' || *c == '_' ? *c : '_';
    s[j] = '\0';
    const uint8_t *g = r->res->signature;
    snprintf(k->journal, sizeof k->journal, "%s/%s-%s-%02x%02x%02x.journal", k->dir, j ? s : "noserial",
             r->part->id, g[0], g[1], g[2]);
    snprintf(k->copy, sizeof k->copy, "%.*s.eeprom.bin", (int)(strlen(k->journal) - 8), k->journal);
}

static void keep_init(ft_session *r, keep *k)
{
    memset(k, 0, sizeof *k);
    k->efi = -1;
    const ft_fuse *f;
    const ft_field *fld = ft_part_field(r->part, "EESAVE", &f);
    if (fld && fld->mask && r->have_fuses) {
        k->efi = f->index;
        k->emask = fld->mask;
    }
    memcpy(k->fuses, r->fuses, sizeof k->fuses);
    if (state_dir(k->dir, sizeof k->dir) == 0)
        keep_names(r, k);
}

/* ---- files that survive a pulled cable ---- */

static int sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

/* Writes path whole or not at all: a temporary file, fsync, rename. */
static int write_durable(const char *path, const void *data, size_t n, ft_err *err)
{
    char tmp[600];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return ft_err_set(err, FT_E_UNSAFE, "%s: cannot create: %s", tmp, strerror(errno));
    const uint8_t *p = data;
    size_t done = 0;
    while (done < n) {
        ssize_t w = write(fd, p + done, n - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        done += (size_t)w;
    }
    int e = done == n && fsync(fd) == 0 ? 0 : errno ? errno : EIO;
    if (close(fd) != 0 && !e)
        e = errno;
    if (!e && rename(tmp, path) != 0)
        e = errno;
    if (e) {
        unlink(tmp);
        return ft_err_set(err, FT_E_UNSAFE, "%s: cannot write: %s", path, strerror(e));
    }
    return FT_OK;
}

static void sha_hex(const uint8_t *d, size_t n, char out[65])
{
    uint8_t h[32];
    ft_sha256(d, n, h);
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", h[i]);
}

/* The copy first, then the journal that points to it, then the directory:
 * a journal on disk always has its copy. */
static int journal_write(ft_session *r, keep *k, const uint8_t *ee)
{
    const ft_part *p = r->part;
    uint32_t n = p->eeprom.size;
    if (ft_wire_caps_of(r->w)->host_memory)
        return FT_OK;   /* -c dryrun: the chip lives in this process only */
    if (!k->dir[0])
        return ft_err_set(r->err, FT_E_UNSAFE,
                          "no place to keep the EEPROM's copy before the erase (neither XDG_STATE_HOME "
                          "nor HOME is set): set one, or give -e to erase the EEPROM");
    char dir[sizeof k->dir];
    snprintf(dir, sizeof dir, "%s", k->dir);
    if (mkdirs(dir) != 0)
        return ft_err_set(r->err, FT_E_UNSAFE,
                          "%s: cannot create (%s), so the EEPROM cannot be kept safely through the "
                          "erase; set XDG_STATE_HOME to a writable directory, or give -e to erase it",
                          k->dir, strerror(errno));
    int rc = write_durable(k->copy, ee, n, r->err);
    if (rc != FT_OK)
        return rc;
    char text[1400], sha[65];
    sha_hex(ee, n, sha);
    const uint8_t *g = r->res->signature;
    int len = snprintf(text, sizeof text,
                       JOURNAL_MAGIC "\n"
                       "# ftisp was erasing this chip keeping its EEPROM; a run on the same\n"
                       "# adapter, part and signature puts fuses and EEPROM back as below.\n"
                       "part %s\nsignature %02x%02x%02x\nfuses %d %02x %02x %02x\n"
                       "eesave %d %02x\neeprom %u %s\ncopy %s\n",
                       p->id, g[0], g[1], g[2], p->nfuses, k->fuses[0], k->fuses[1], k->fuses[2], k->efi,
                       k->emask, n, sha, k->copy);
    rc = write_durable(k->journal, text, (size_t)len, r->err);
    if (rc == FT_OK && sync_dir(k->dir) != 0)
        rc = ft_err_set(r->err, FT_E_UNSAFE, "%s: cannot sync: %s", k->dir, strerror(errno));
    if (rc == FT_OK)
        snprintf(r->res->eeprom_copy, sizeof r->res->eeprom_copy, "%s", k->copy);
    return rc;
}

static void journal_remove(ft_session *r, keep *k)
{
    if (ft_wire_caps_of(r->w)->host_memory)
        return;
    unlink(k->journal);
    sync_dir(k->dir);
    unlink(k->copy);
    r->res->eeprom_copy[0] = '\0';
    r->res->chip_state[0] = '\0';
}

/* ---- reading a journal back: files on disk are input like any other ---- */

int ses_journal_parse(const char *text, size_t len, ses_journal *j)
{
    memset(j, 0, sizeof *j);
    j->nfuses = -1;
    j->efi = -2;
    if (len > SES_JOURNAL_MAX || memchr(text, '\0', len))
        return -1;
    char buf[SES_JOURNAL_MAX + 1];
    memcpy(buf, text, len);
    buf[len] = '\0';
    bool have_sig = false, have_ee = false;
    char *save = NULL, *line = strtok_r(buf, "\n", &save);
    if (!line || strcmp(line, JOURNAL_MAGIC) != 0)
        return -1;
    while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
        unsigned v[4] = {0};
        char word[80], more;
        if (line[0] == '#')
            continue;
        if (!strncmp(line, "part ", 5)) {
            if (sscanf(line + 5, "%31s %c", word, &more) != 1 || strlen(word) >= sizeof j->part)
                return -1;
            strcpy(j->part, word);
        } else if (!strncmp(line, "signature ", 10)) {
            if (strlen(line + 10) != 6 || sscanf(line + 10, "%2x%2x%2x%c", &v[0], &v[1], &v[2], &more) != 3)
                return -1;
            for (int i = 0; i < 3; i++)
                j->signature[i] = (uint8_t)v[i];
            have_sig = true;
        } else if (!strncmp(line, "fuses ", 6)) {
            if (sscanf(line + 6, "%d %x %x %x %c", &j->nfuses, &v[0], &v[1], &v[2], &more) != 4 ||
                j->nfuses < 0 || j->nfuses > 3 || v[0] > 0xff || v[1] > 0xff || v[2] > 0xff)
                return -1;
            for (int i = 0; i < 3; i++)
                j->fuses[i] = (uint8_t)v[i];
        } else if (!strncmp(line, "eesave ", 7)) {
            if (sscanf(line + 7, "%d %x %c", &j->efi, &v[0], &more) != 2 || j->efi < -1 || j->efi > 2 ||
                v[0] > 0xff)
                return -1;
            j->emask = (uint8_t)v[0];
        } else if (!strncmp(line, "eeprom ", 7)) {
            char sha[80];
            if (sscanf(line + 7, "%u %79s %c", &j->size, sha, &more) != 2 || strlen(sha) != 64 ||
                strspn(sha, "0123456789abcdef") != 64 || j->size == 0 || j->size > SES_JOURNAL_EEPROM_MAX)
                return -1;
            memcpy(j->sha, sha, 65);
            have_ee = true;
        } else if (!strncmp(line, "copy ", 5)) {
            if (line[5] != '/' || strlen(line + 5) >= sizeof j->copy)
                return -1;
            strcpy(j->copy, line + 5);
        } else {
            return -1;
        }
    }
    return j->part[0] && have_sig && j->nfuses >= 0 && j->efi >= -1 && have_ee && j->copy[0] ? 0 : -1;
}

int ses_journal_check_copy(const ses_journal *j, const uint8_t *data, size_t len)
{
    if (len != j->size)
        return -1;
    char have[65];
    sha_hex(data, len, have);
    return strcmp(have, j->sha) == 0 ? 0 : -1;
}

/* Reads up to max bytes of path; *len one more than max when it is longer.
 * -1 with errno when it cannot be read. */
static int read_small(const char *path, uint8_t *buf, size_t max, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        errno = EINVAL;
        return -1;
    }
    size_t done = 0;
    uint8_t extra;
    while (done <= max) {
        ssize_t got = done < max ? read(fd, buf + done, max - done) : read(fd, &extra, 1);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            int e = errno;
            close(fd);
            errno = e;
            return -1;
        }
        if (got == 0)
            break;
        done += (size_t)got;
    }
    close(fd);
    *len = done;
    return 0;
}

/* Reads a journal and its copy. FT_OK with *found false: no journal. */
static int journal_read(ft_session *r, keep *k, uint8_t *ee, bool *found)
{
    *found = false;
    char text[SES_JOURNAL_MAX];
    size_t len = 0;
    if (read_small(k->journal, (uint8_t *)text, sizeof text, &len) != 0)
        return errno == ENOENT || errno == ENOTDIR ? FT_OK
                               : ft_err_set(r->err, FT_E_FAIL, "%s: cannot read: %s", k->journal, strerror(errno));
    ses_journal j;
    uint32_t n = r->part->eeprom.size;
    const uint8_t *g = r->res->signature;
    if (ses_journal_parse(text, len, &j) != 0 || strcmp(j.part, r->part->id) != 0 ||
        memcmp(j.signature, g, 3) != 0 || j.nfuses != r->part->nfuses || j.size != n)
        return ft_err_set(r->err, FT_E_FAIL,
                          "%s: not a journal this ftisp understands (damaged, or not written for a %s "
                          "with a %u-byte EEPROM); it records an interrupted run on this chip: restore "
                          "its EEPROM from %s by hand (-U eeprom:w:%s:r), then remove the journal",
                          k->journal, ses_pname(r->part), n, j.copy[0] ? j.copy : k->copy,
                          j.copy[0] ? j.copy : k->copy);
    size_t got = 0;
    int rd = read_small(j.copy, ee, n, &got);
    if (rd != 0)
        return ft_err_set(r->err, FT_E_FAIL,
                          "%s: the EEPROM copy %s it names cannot be read (%s); the chip's EEPROM cannot "
                          "be restored from it (remove the journal to go on without it)",
                          k->journal, j.copy, strerror(errno));
    if (got != n)
        return ft_err_set(r->err, FT_E_FAIL,
                          "%s: the EEPROM copy %s it names holds %s%zu bytes where the journal says %u; "
                          "the chip's EEPROM cannot be restored from it (remove the journal to go on "
                          "without it)",
                          k->journal, j.copy, got > n ? "more than " : "", got > n ? (size_t)n : got, n);
    if (ses_journal_check_copy(&j, ee, n) != 0)
        return ft_err_set(r->err, FT_E_FAIL,
                          "%s: the EEPROM copy %s it names does not match the journal's SHA-256 (changed "
                          "or damaged since); the chip's EEPROM cannot be restored from it (remove the "
                          "journal to go on without it)",
                          k->journal, j.copy);
    memcpy(k->fuses, j.fuses, 3);
    k->efi = j.efi;
    k->emask = j.emask;
    snprintf(k->copy, sizeof k->copy, "%s", j.copy);
    *found = true;
    return FT_OK;
}

/* ---- checked writes ---- */

static const char *fuse_name(const ft_part *p, int fi)
{
    for (int i = 0; i < p->nfuses; i++)
        if (p->fuses[i].index == fi)
            return p->fuses[i].name;
    return "fuse";
}

/* A fuse write, checked by reading back what was written. */
static int write_fuse_checked(ft_session *r, int fi, uint8_t v)
{
    uint8_t mask = ses_writable_mask(r->part, FT_MEM_FUSE, fi), got = 0;
    int rc = ft_proto_write_fuse(r->proto, fi, v, r->err);
    for (int i = 0; rc == FT_OK && i < SES_READS_MAX; i++) {
        rc = ft_proto_read_fuse(r->proto, fi, &got, r->err);
        if (rc == FT_OK && ((got ^ v) & mask) == 0) {
            r->fuses[fi] = (uint8_t)(v | ~mask);
            return FT_OK;
        }
    }
    if (rc == FT_OK)
        rc = ft_err_set(r->err, FT_E_VERIFY, "%s reads 0x%02x after 0x%02x was written", fuse_name(r->part, fi),
                        got, v);
    return rc;
}

/* Makes the chip's EEPROM equal `want`: read, compared; a difference a
 * second read confirms is written back from `want` and verified.
 * *restored: the bytes that had to be written. */
static int eeprom_make(ft_session *r, const uint8_t *want, uint32_t *restored)
{
    uint32_t n = r->part->eeprom.size;
    uint8_t *cur = malloc(n), *mask = malloc(n);
    int rc = cur && mask ? FT_OK : ft_err_set(r->err, FT_E_FAIL, "out of memory");
    *restored = 0;
    if (rc == FT_OK)
        rc = ses_read_mem(r, FT_MEM_EEPROM, -1, 0, cur, n);
    if (rc == FT_OK && memcmp(cur, want, n) != 0)
        rc = ses_read_checked(r, FT_MEM_EEPROM, -1, 0, cur, n);
    for (uint32_t i = 0; rc == FT_OK && i < n; i++)
        *restored += mask[i] = cur[i] != want[i];
    if (rc == FT_OK && *restored) {
        ses_phase(r, "restoring eeprom", *restored);
        double t0 = ses_now();
        rc = ft_proto_write_eeprom(r->proto, 0, want, mask, n, r->err);
        ses_phase_end(r, rc, t0);
        /* the comparison with the copy is the check; a mismatch is read again */
        bool same = false;
        for (int i = 0; rc == FT_OK && !same && i < 3; i++) {
            rc = ses_read_mem(r, FT_MEM_EEPROM, -1, 0, cur, n);
            same = rc == FT_OK && memcmp(cur, want, n) == 0;
        }
        if (rc == FT_OK && !same) {
            uint32_t a = 0;
            while (cur[a] == want[a])
                a++;
            rc = ft_err_set(r->err, FT_E_VERIFY, "EEPROM differs from its copy at 0x%04x after restoring it "
                            "(0x%02x, the copy has 0x%02x)", a, cur[a], want[a]);
        }
    }
    free(cur);
    free(mask);
    return rc;
}

/* ---- saying what the chip holds when something fails ---- */

enum step { STEP_EESAVE, STEP_ERASE, STEP_FUSE_BACK, STEP_EEPROM, STEP_RECOVER };

/* What the chip holds while the step `s` is under way (or was cut off). */
static void state_text(ft_session *r, const keep *k, enum step s, bool eesave_set, char *now, size_t n)
{
    const char *hf = k->efi >= 0 ? fuse_name(r->part, k->efi) : "";
    uint8_t was = k->efi >= 0 ? k->fuses[k->efi] : 0, set = (uint8_t)(was & ~k->emask);
    bool had_eesave = k->efi >= 0 && (was & k->emask) != k->emask;
    switch (s) {
    case STEP_EESAVE:
        snprintf(now, n, "%s is 0x%02x or, if the write got through, 0x%02x (EESAVE programmed); "
                 "flash and EEPROM are untouched", hf, was, set);
        break;
    case STEP_ERASE:
        if (eesave_set)
            snprintf(now, n, "EESAVE is programmed (%s 0x%02x instead of 0x%02x); the flash may be "
                     "erased; the EEPROM should be intact", hf, set, was);
        else if (had_eesave)
            snprintf(now, n, "the flash may be erased; the fuses are as they were (EESAVE programmed); "
                     "the EEPROM should be intact");
        else
            snprintf(now, n, "the fuses are as they were; the flash and the EEPROM may be erased");
        break;
    case STEP_FUSE_BACK:
        snprintf(now, n, "the flash is erased; %s may still be 0x%02x (EESAVE programmed) instead "
                 "of 0x%02x; the EEPROM should be intact", hf, set, was);
        break;
    case STEP_EEPROM:
        snprintf(now, n, "the flash is erased; the fuses are as they were; the EEPROM may be partly restored");
        break;
    case STEP_RECOVER:
        if (eesave_set)
            snprintf(now, n, "the EEPROM may be partly restored; %s may still be 0x%02x (EESAVE programmed) "
                     "instead of 0x%02x", hf, set, was);
        else
            snprintf(now, n, "the EEPROM may be partly restored; the fuses are as they were");
        break;
    }
}

/* Kept up to date while the chip needs the copy, for whoever reports an
 * interruption (a signal) without an error coming back through here. */
static void note_state(ft_session *r, const keep *k, enum step s, bool eesave_set)
{
    char now[400];
    state_text(r, k, s, eesave_set, now, sizeof now);
    snprintf(r->res->chip_state, sizeof r->res->chip_state, "%.300s; the EEPROM's copy is in %.300s", now,
             k->copy);
}

static int fail_state(ft_session *r, const keep *k, enum step s, bool eesave_set)
{
    char cause[sizeof r->err->msg], now[400];
    snprintf(cause, sizeof cause, "%s", r->err->msg);
    int code = r->err->code;
    state_text(r, k, s, eesave_set, now, sizeof now);
    note_state(r, k, s, eesave_set);
    ft_err_clear(r->err);
    return ft_err_set(r->err, code,
                      "%s. The chip now: %s. Its EEPROM's copy is in %s. Replug and run the same command "
                      "again: the journal %s makes it put fuses and EEPROM back first (by hand: "
                      "-U eeprom:w:%s:r)",
                      cause, now, k->copy, k->journal, k->copy);
}

/* ---- the erase ---- */

int ses_erase_keeping(ft_session *r)
{
    const ft_part *p = r->part;
    uint32_t n = p->eeprom.size;
    keep k;
    keep_init(r, &k);
    uint8_t *ee = malloc(n);
    if (!ee)
        return ft_err_set(r->err, FT_E_FAIL, "out of memory");
    ses_phase(r, "reading eeprom", n);
    double t0 = ses_now();
    int rc = ses_read_checked(r, FT_MEM_EEPROM, -1, 0, ee, n);
    ses_phase_end(r, rc, t0);
    uint32_t used = 0;
    for (uint32_t i = 0; rc == FT_OK && i < n; i++)
        used += ee[i] != 0xff;
    if (rc == FT_OK && used == 0) {
        /* an erased EEPROM stays erased: nothing to keep */
        free(ee);
        ses_phase(r, "erasing chip", 0);
        t0 = ses_now();
        rc = ft_proto_chip_erase(r->proto, r->err);
        ses_phase_end(r, rc, t0);
        r->res->erased = rc == FT_OK;
        return rc;
    }
    if (rc == FT_OK)
        rc = journal_write(r, &k, ee);
    if (rc != FT_OK) {
        free(ee);
        return rc;
    }
    /* without EESAVE the erase clears the EEPROM: the copy is what keeps it */
    if (!ft_wire_caps_of(r->w)->host_memory)
        ses_note(r, k.efi < 0 ? 0 : 1, "EEPROM copied to %s before the erase (journal %s)", k.copy, k.journal);

    bool use_eesave = k.efi >= 0 && (k.fuses[k.efi] & k.emask) == k.emask;
    bool eesave_set = false;
    enum step step = STEP_EESAVE;
    note_state(r, &k, step, false);
    if (use_eesave) {
        /* EESAVE takes effect as soon as it is programmed (datasheets,
         * "Latching of Fuses"); the check afterwards covers parts where not */
        rc = write_fuse_checked(r, k.efi, (uint8_t)(k.fuses[k.efi] & ~k.emask));
        eesave_set = rc == FT_OK;
    }
    if (rc == FT_OK) {
        step = STEP_ERASE;
        note_state(r, &k, step, eesave_set);
        ses_phase(r, "erasing chip", 0);
        t0 = ses_now();
        rc = ft_proto_chip_erase(r->proto, r->err);
        ses_phase_end(r, rc, t0);
        if (rc == FT_OK)
            r->res->erased = true;
    }
    if (rc == FT_OK && eesave_set) {
        step = STEP_FUSE_BACK;
        note_state(r, &k, step, eesave_set);
        rc = write_fuse_checked(r, k.efi, k.fuses[k.efi]);
    }
    uint32_t restored = 0;
    if (rc == FT_OK) {
        step = STEP_EEPROM;
        note_state(r, &k, step, eesave_set);
        rc = eeprom_make(r, ee, &restored);
    }
    if (rc == FT_OK) {
        journal_remove(r, &k);
        snprintf(r->res->eeprom_kept, sizeof r->res->eeprom_kept, "%s",
                 restored ? "rewritten" : use_eesave ? "eesave" : "untouched");
        if (use_eesave)
            ses_note(r, 0, "%s written twice: 0x%02x with EESAVE programmed for the erase, then back to "
                     "0x%02x", fuse_name(p, k.efi), (uint8_t)(k.fuses[k.efi] & ~k.emask), k.fuses[k.efi]);
        if (restored && use_eesave)
            ses_note(r, 0, "warning: EESAVE did not keep %u EEPROM bytes through the erase; written back "
                     "from the copy and verified", restored);
        else if (restored)
            ses_note(r, 1, "EEPROM: %u bytes the erase cleared written back and verified", restored);
        else
            ses_note(r, 1, "EEPROM kept through the erase%s and checked", use_eesave ? " by EESAVE" : "");
    } else {
        rc = fail_state(r, &k, step, eesave_set);
    }
    free(ee);
    return rc;
}

/* ---- finishing an interrupted run ---- */

int ses_keep_recover(ft_session *r)
{
    const ft_part *p = r->part;
    uint32_t n = p->eeprom.size;
    if (!n || ft_wire_caps_of(r->w)->host_memory)
        return FT_OK;
    keep k;
    keep_init(r, &k);
    if (!k.dir[0])
        return FT_OK;
    uint8_t *ee = malloc(n);
    if (!ee)
        return ft_err_set(r->err, FT_E_FAIL, "out of memory");
    bool found = false;
    int rc = journal_read(r, &k, ee, &found);
    if (rc != FT_OK || !found) {
        free(ee);
        return rc;
    }
    /* Only a chip the interrupted run could have left: fuses as recorded,
     * or with EESAVE programmed; EEPROM bytes as copied, or erased where
     * the part has no EESAVE. */
    char why[200] = "";
    for (int i = 0; i < p->nfuses && !why[0]; i++) {
        int fi = p->fuses[i].index;
        uint8_t m = ses_writable_mask(p, FT_MEM_FUSE, fi), cur = r->fuses[fi] & m, was = k.fuses[fi] & m;
        if (cur != was && !(fi == k.efi && cur == (was & (uint8_t)~k.emask)))
            snprintf(why, sizeof why, "its %s is 0x%02x, the journal's chip had 0x%02x", p->fuses[i].name,
                     r->fuses[fi], k.fuses[fi]);
    }
    uint8_t *cur = malloc(n);
    if (!cur)
        rc = ft_err_set(r->err, FT_E_FAIL, "out of memory");
    if (rc == FT_OK && !why[0])
        rc = ses_read_checked(r, FT_MEM_EEPROM, -1, 0, cur, n);
    uint32_t stray = 0, missing = 0;
    for (uint32_t i = 0; rc == FT_OK && !why[0] && i < n; i++) {
        stray += cur[i] != ee[i] && cur[i] != 0xff;
        missing += cur[i] != ee[i];
    }
    if (rc == FT_OK && !why[0] && stray)
        snprintf(why, sizeof why, "%u of its EEPROM bytes are neither the copy's nor erased", stray);
    /* with EESAVE the erase never touched the EEPROM: an erased one is
     * another chip (a new board on the line), not this journal's */
    if (rc == FT_OK && !why[0] && k.efi >= 0 && missing)
        snprintf(why, sizeof why, "%u of its EEPROM bytes differ from the copy, which EESAVE kept on the "
                 "chip the journal describes", missing);
    free(cur);
    if (rc == FT_OK && why[0])
        rc = ft_err_set(r->err, FT_E_UNSAFE,
                        "%s records an interrupted run on a %s at this adapter, but this chip does not "
                        "look like the one it left (%s). Put that chip back and run again to restore "
                        "it; or, if it is this one, write its EEPROM copy back with -U eeprom:w:%s:r; "
                        "then remove %s",
                        k.journal, ses_pname(p), why, k.copy, k.journal);
    bool fuse_off = rc == FT_OK && k.efi >= 0 && r->fuses[k.efi] != k.fuses[k.efi];
    if (rc == FT_OK && r->plan->opts.dry_run) {
        ses_note(r, 0, "an interrupted run left %s; a run without -n would put back%s%s (-n)", k.journal,
                 fuse_off ? " the high fuse" : "", missing ? " the EEPROM" : fuse_off ? "" : " nothing");
    } else if (rc == FT_OK) {
        ses_note(r, 0, "finishing what an interrupted run left (journal %s): %s%s%s", k.journal,
                 fuse_off ? fuse_name(p, k.efi) : "", fuse_off && missing ? " and " : "",
                 missing ? "EEPROM" : fuse_off ? "" : "nothing to put back");
        snprintf(r->res->eeprom_copy, sizeof r->res->eeprom_copy, "%s", k.copy);
        uint32_t restored = 0;
        note_state(r, &k, STEP_RECOVER, fuse_off);
        rc = eeprom_make(r, ee, &restored);
        if (rc == FT_OK && fuse_off)
            rc = write_fuse_checked(r, k.efi, k.fuses[k.efi]);
        if (rc == FT_OK) {
            journal_remove(r, &k);
            ses_note(r, 0, "restored: fuses as they were, EEPROM as copied (%u bytes written back)", restored);
        } else {
            rc = fail_state(r, &k, STEP_RECOVER, fuse_off);
        }
    }
    free(ee);
    return rc;
}
