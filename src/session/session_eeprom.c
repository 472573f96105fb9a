/* Keeping the EEPROM through the automatic chip erase, and finishing the job
 * when a run was cut off in the middle of it.
 *
 * Before anything changes, the EEPROM is read until two reads agree and that
 * copy goes to disk inside a journal saying what the run is about to change:
 * the high fuse's value before EESAVE is programmed. Then: EESAVE programmed
 * (it takes effect at once; the read-back checks it), chip erase, the high
 * fuse back as it was (checked), and the EEPROM read and compared with the
 * copy: differences (EESAVE did not keep it, or the part has none) are
 * written back from the copy and verified. Only then is the journal removed.
 * A later run on the same adapter, part and signature that finds the journal
 * puts fuses and EEPROM back first.
 *
 * What the user waits for on disk. The journal is one file ("ftisp-journal
 * 2": a text header, the copy, a SHA-256 of both), written under a temporary
 * name, fsync'd, renamed, and the directory fsync'd: two syncs, and a journal
 * on disk is always whole with its copy inside. Each runs on a thread while
 * the chip does work that destroys nothing: the file's sync while the second
 * EEPROM read checks the first (the file holds the first read; it is renamed
 * only once a second read agrees with it, else written again with the bytes
 * two reads agreed on), the directory's while EESAVE is programmed and read
 * back (the journal is in place, though not yet durable, before that fuse
 * write). The erase waits for both. Once the chip is right again, the
 * journal is unlinked and its directory synced on a thread while the flash
 * is written. That sync is needed: a journal back after a power loss would
 * have the next run put the old copy over EEPROM bytes this run (or a later
 * one) wrote, where the part has no EESAVE, and undo an EESAVE a later run
 * programmed. So ses_keep_settle waits for it before any write but the
 * flash's, and at the end of the run.
 *
 * The raw copy (.eeprom.bin, the EEPROM's bytes alone) is written beside the
 * journal, not synced: it is what the messages name for a restore by hand
 * (-U eeprom:w:COPY:r). A run that reads the journal back writes it again
 * from the journal's checked copy when it is missing or differs. Journals of
 * the earlier format ("ftisp-journal 1": a text journal naming a separate
 * copy file, which was the only copy) are still read, and finished. */
#include "session_priv.h"

#include "ftisp/sha256.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define JOURNAL_MAGIC_V1 "ftisp-journal 1"
#define JOURNAL_MAGIC "ftisp-journal 2"
#define JOURNAL_DATA "data\n"                 /* the last header line; the copy follows */
#define JOURNAL_END "end "                     /* then 64 hex digits and a newline */
#define JOURNAL_END_LEN (4 + 64 + 1)

typedef struct keep {
    char dir[400];
    char journal[512];
    char tmp[520];            /* the journal's temporary name until it is whole on disk */
    char copy[512];           /* the raw copy (a journal of format 1: the copy it names) */
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
    snprintf(k->tmp, sizeof k->tmp, "%s.tmp", k->journal);
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

/* ---- files that survive a pulled cable, and a power loss ---- */

static int sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    int e = errno;
    close(fd);
    errno = e;
    return rc;
}

/* Writes path whole (fsync'd when sync): 0, or an errno. */
static int write_file(const char *path, const void *data, size_t n, bool sync)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return errno ? errno : EIO;
    const uint8_t *p = data;
    size_t done = 0;
    int e = 0;
    while (done < n && !e) {
        ssize_t w = write(fd, p + done, n - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            e = w < 0 && errno ? errno : EIO;
        else
            done += (size_t)w;
    }
    if (!e && sync && fsync(fd) != 0)
        e = errno ? errno : EIO;
    if (close(fd) != 0 && !e)
        e = errno ? errno : EIO;
    return e;
}

/* Disk work done on a thread while the chip goes on: the journal under its
 * temporary name (and the raw copy) written and the journal fsync'd, or the
 * journal removed and its directory fsync'd. Signals stay with the main thread. Without a thread the
 * same work is done at once. */
enum bg_kind { BG_WRITE, BG_REMOVE };
typedef struct ses_bg {
    enum bg_kind kind;
    pthread_t th;
    bool threaded;
    char path[sizeof ((keep *)0)->tmp];   /* BG_WRITE: the journal's temporary name; BG_REMOVE: the journal */
    char raw[sizeof ((keep *)0)->copy];   /* BG_WRITE, BG_REMOVE: the raw copy */
    char dir[sizeof ((keep *)0)->dir];    /* BG_REMOVE */
    uint8_t *file;            /* BG_WRITE: the journal's bytes, ... */
    size_t nfile;
    const uint8_t *ee;        /* ... the copy in them */
    uint32_t nee;
    int err;                  /* errno of what failed, 0 when done */
    const char *failed;       /* the path that failed */
} ses_bg;

static void bg_run(ses_bg *b)
{
    if (b->kind == BG_REMOVE) {
        /* the raw copy first: the journal holds its own copy, and the raw
         * one is not left behind without it */
        unlink(b->raw);
        b->failed = b->path;
        if (unlink(b->path) != 0 && errno != ENOENT) {
            b->err = errno ? errno : EIO;
            return;
        }
        b->err = sync_dir(b->dir) == 0 ? 0 : errno ? errno : EIO;
        b->failed = b->dir;
        return;
    }
    b->err = write_file(b->raw, b->ee, b->nee, false);
    b->failed = b->raw;
    if (!b->err) {
        b->err = write_file(b->path, b->file, b->nfile, true);
        b->failed = b->path;
    }
}

static void *bg_main(void *arg)
{
    bg_run(arg);
    return NULL;
}

static void bg_start(ses_bg *b)
{
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    b->threaded = pthread_create(&b->th, NULL, bg_main, b) == 0;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (!b->threaded)
        bg_run(b);
}

/* Waits for b's work: 0, or the errno of what failed (b->failed). */
static int bg_wait(ses_bg *b)
{
    if (b->threaded) {
        pthread_join(b->th, NULL);
        b->threaded = false;
    }
    return b->err;
}

static void sha_hex(const uint8_t *d, size_t n, char out[65])
{
    uint8_t h[32];
    ft_sha256(d, n, h);
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", h[i]);
}

/* The journal for the copy ee, ready for bg_start (b->file to be freed). */
static int journal_prepare(ft_session *r, keep *k, const uint8_t *ee, ses_bg *b)
{
    const ft_part *p = r->part;
    uint32_t n = p->eeprom.size;
    memset(b, 0, sizeof *b);
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
    char head[SES_JOURNAL_MAX], sha[65];
    sha_hex(ee, n, sha);
    const uint8_t *g = r->res->signature;
    int len = snprintf(head, sizeof head,
                       JOURNAL_MAGIC "\n"
                       "# ftisp was erasing this chip keeping its EEPROM; a run on the same\n"
                       "# adapter, part and signature puts fuses and EEPROM back as below.\n"
                       "# The EEPROM's copy follows the line \"data\", raw (its size and SHA-256\n"
                       "# on the line \"eeprom\"); the last line is the SHA-256 of all before it.\n"
                       "part %s\nsignature %02x%02x%02x\nfuses %d %02x %02x %02x\n"
                       "eesave %d %02x\neeprom %u %s\n" JOURNAL_DATA,
                       p->id, g[0], g[1], g[2], p->nfuses, k->fuses[0], k->fuses[1], k->fuses[2], k->efi,
                       k->emask, n, sha);
    if (len < 0 || (size_t)len >= sizeof head)
        return ft_err_set(r->err, FT_E_FAIL, "internal: journal header too long");
    b->nfile = (size_t)len + n + JOURNAL_END_LEN;
    b->file = malloc(b->nfile + 1);
    if (!b->file)
        return ft_err_set(r->err, FT_E_FAIL, "out of memory");
    memcpy(b->file, head, (size_t)len);
    memcpy(b->file + len, ee, n);
    sha_hex(b->file, (size_t)len + n, sha);
    snprintf((char *)b->file + len + n, JOURNAL_END_LEN + 1, JOURNAL_END "%s\n", sha);
    b->kind = BG_WRITE;
    b->ee = b->file + len;
    b->nee = n;
    snprintf(b->path, sizeof b->path, "%s", k->tmp);
    snprintf(b->raw, sizeof b->raw, "%s", k->copy);
    return FT_OK;
}

/* The journal's temporary file and the raw copy, when no journal was made. */
static void journal_discard(keep *k)
{
    unlink(k->tmp);
    unlink(k->copy);
}

/* A journal is removed by unlinking it and syncing its directory: at once
 * (a journal being finished, which may be of format 1: its copy goes last),
 * or on a thread while the flash is written (r->keep_bg, waited for by
 * ses_keep_settle). */
static void journal_remove(ft_session *r, keep *k, bool later)
{
    r->res->eeprom_copy[0] = '\0';
    r->res->chip_state[0] = '\0';
    if (ft_wire_caps_of(r->w)->host_memory)
        return;
    ses_bg *b = later ? calloc(1, sizeof *b) : NULL;
    if (b) {
        b->kind = BG_REMOVE;
        snprintf(b->path, sizeof b->path, "%s", k->journal);
        snprintf(b->raw, sizeof b->raw, "%s", k->copy);
        snprintf(b->dir, sizeof b->dir, "%s", k->dir);
        bg_start(b);
        r->keep_bg = b;
        return;
    }
    unlink(k->journal);
    sync_dir(k->dir);
    unlink(k->copy);
}

int ses_keep_settle(ft_session *r, ft_err *err)
{
    ses_bg *b = r->keep_bg;
    if (!b)
        return FT_OK;
    r->keep_bg = NULL;
    int e = bg_wait(b);
    char what[sizeof b->path];
    snprintf(what, sizeof what, "%s", e ? b->failed : "");
    free(b);
    if (!e)
        return FT_OK;
    if (err)
        return ft_err_set(err, FT_E_UNSAFE, "%s: cannot remove the EEPROM journal for good (%s): a next run "
                          "could find it again and put the old copy back over what this run writes, so "
                          "nothing more is written", what, strerror(e));
    ses_note(r, 0, "warning: %s: cannot remove the EEPROM journal for good (%s): a next run may find it "
             "again", what, strerror(e));
    return FT_E_UNSAFE;
}

/* ---- reading a journal back: files on disk are input like any other ---- */

/* The header's lines (NUL-terminated, the magic line already checked); the
 * copy's path only in format 1, where it is a separate file. */
static int parse_lines(char *buf, ses_journal *j)
{
    bool have_sig = false, have_ee = false;
    char *save = NULL, *line = strtok_r(buf, "\n", &save);
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
        } else if (!strncmp(line, "copy ", 5) && j->version == 1) {
            if (line[5] != '/' || strlen(line + 5) >= sizeof j->copy)
                return -1;
            strcpy(j->copy, line + 5);
        } else {
            return -1;
        }
    }
    return j->part[0] && have_sig && j->nfuses >= 0 && j->efi >= -1 && have_ee &&
           (j->version == 2 || j->copy[0]) ? 0 : -1;
}

static int parse_v2(const char *file, size_t len, ses_journal *j)
{
    /* the header ends at the first "\ndata\n", within SES_JOURNAL_MAX bytes */
    static const char mark[] = "\n" JOURNAL_DATA;
    size_t lim = len < SES_JOURNAL_MAX ? len : SES_JOURNAL_MAX, hdr = 0;
    for (size_t i = 0; !hdr && i + sizeof mark - 1 <= lim; i++)
        if (!memcmp(file + i, mark, sizeof mark - 1))
            hdr = i + sizeof mark - 1;
    if (!hdr || memchr(file, '\0', hdr))
        return SES_JOURNAL_BAD;
    char buf[SES_JOURNAL_MAX + 1];
    memcpy(buf, file, hdr - 5);   /* without the line "data" */
    buf[hdr - 5] = '\0';
    if (parse_lines(buf, j) != 0)
        return SES_JOURNAL_BAD;
    j->data_off = hdr;
    j->length = hdr + j->size + JOURNAL_END_LEN;
    if (len != j->length)
        return SES_JOURNAL_LENGTH;
    const char *end = file + hdr + j->size;
    if (memcmp(end, JOURNAL_END, 4) != 0 || end[JOURNAL_END_LEN - 1] != '\n')
        return SES_JOURNAL_BAD;
    char want[65];
    memcpy(want, end + 4, 64);
    want[64] = '\0';
    if (strspn(want, "0123456789abcdef") != 64)
        return SES_JOURNAL_BAD;
    char have[65];
    sha_hex((const uint8_t *)file, hdr + j->size, have);
    if (strcmp(have, want) != 0 || ses_journal_check_copy(j, (const uint8_t *)file + hdr, j->size) != 0)
        return SES_JOURNAL_CHECKSUM;
    return 0;
}

int ses_journal_parse(const char *text, size_t len, ses_journal *j)
{
    memset(j, 0, sizeof *j);
    j->nfuses = -1;
    j->efi = -2;
    static const char m2[] = JOURNAL_MAGIC "\n", m1[] = JOURNAL_MAGIC_V1 "\n";
    if (len >= sizeof m2 - 1 && !memcmp(text, m2, sizeof m2 - 1)) {
        j->version = 2;
        if (len > SES_JOURNAL_FILE_MAX)
            return SES_JOURNAL_BAD;
        return parse_v2(text, len, j);
    }
    if (len < sizeof m1 - 1 || memcmp(text, m1, sizeof m1 - 1) != 0 || len > SES_JOURNAL_MAX ||
        memchr(text, '\0', len))
        return SES_JOURNAL_BAD;
    j->version = 1;
    char buf[SES_JOURNAL_MAX + 1];
    memcpy(buf, text, len);
    buf[len] = '\0';
    return parse_lines(buf, j) == 0 ? 0 : SES_JOURNAL_BAD;
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

/* The raw copy beside a journal of format 2, written again from the
 * journal's checked copy when it is missing or differs (not synced): the
 * messages name it for a restore by hand. */
static void raw_copy_refresh(const keep *k, const uint8_t *ee, uint32_t n)
{
    uint8_t *cur = malloc(n + 1);
    size_t got = 0;
    if (!cur || read_small(k->copy, cur, n, &got) != 0 || got != n || memcmp(cur, ee, n) != 0)
        write_file(k->copy, ee, n, false);
    free(cur);
}

/* Reads a journal and its copy. FT_OK with *found false: no journal. */
static int journal_read(ft_session *r, keep *k, uint8_t *ee, bool *found)
{
    *found = false;
    char *text = malloc(SES_JOURNAL_FILE_MAX + 1);
    if (!text)
        return ft_err_set(r->err, FT_E_FAIL, "out of memory");
    size_t len = 0;
    if (read_small(k->journal, (uint8_t *)text, SES_JOURNAL_FILE_MAX, &len) != 0) {
        int e = errno;
        free(text);
        return e == ENOENT || e == ENOTDIR ? FT_OK
                                           : ft_err_set(r->err, FT_E_FAIL, "%s: cannot read: %s", k->journal, strerror(e));
    }
    ses_journal j;
    uint32_t n = r->part->eeprom.size;
    const uint8_t *g = r->res->signature;
    int pr = ses_journal_parse(text, len, &j);
    const char *copy = j.copy[0] ? j.copy : k->copy;
    int rc = FT_OK;
    if (pr == SES_JOURNAL_LENGTH || pr == SES_JOURNAL_CHECKSUM) {
        char what[200];
        if (pr == SES_JOURNAL_LENGTH)
            snprintf(what, sizeof what, "is %s%zu bytes long where its header says %zu (a %u-byte EEPROM copy "
                     "and its checksum): cut short or damaged", len > SES_JOURNAL_FILE_MAX ? "more than " : "",
                     len > SES_JOURNAL_FILE_MAX ? (size_t)SES_JOURNAL_FILE_MAX : len, j.length, j.size);
        else
            snprintf(what, sizeof what, "does not match its SHA-256 (changed or damaged since)");
        rc = ft_err_set(r->err, FT_E_FAIL,
                        "%s %s, so the EEPROM cannot be restored from it. It records an interrupted run on "
                        "this chip: if %s holds that EEPROM (it is not checked), write it back by hand "
                        "(-U eeprom:w:%s:r); then remove the journal",
                        k->journal, what, copy, copy);
    } else if (pr != 0 || strcmp(j.part, r->part->id) != 0 || memcmp(j.signature, g, 3) != 0 ||
               j.nfuses != r->part->nfuses || j.size != n) {
        rc = ft_err_set(r->err, FT_E_FAIL,
                        "%s: not a journal this ftisp understands (damaged, or not written for a %s "
                        "with a %u-byte EEPROM); it records an interrupted run on this chip: restore "
                        "its EEPROM from %s by hand (-U eeprom:w:%s:r), then remove the journal",
                        k->journal, ses_pname(r->part), n, copy, copy);
    } else if (j.version == 2) {
        memcpy(ee, text + j.data_off, n);
        if (!r->plan->opts.dry_run)
            raw_copy_refresh(k, ee, n);
    } else {
        size_t got = 0;
        if (read_small(j.copy, ee, n, &got) != 0)
            rc = ft_err_set(r->err, FT_E_FAIL,
                            "%s: the EEPROM copy %s it names cannot be read (%s); the chip's EEPROM cannot "
                            "be restored from it (remove the journal to go on without it)",
                            k->journal, j.copy, strerror(errno));
        else if (got != n)
            rc = ft_err_set(r->err, FT_E_FAIL,
                            "%s: the EEPROM copy %s it names holds %s%zu bytes where the journal says %u; "
                            "the chip's EEPROM cannot be restored from it (remove the journal to go on "
                            "without it)",
                            k->journal, j.copy, got > n ? "more than " : "", got > n ? (size_t)n : got, n);
        else if (ses_journal_check_copy(&j, ee, n) != 0)
            rc = ft_err_set(r->err, FT_E_FAIL,
                            "%s: the EEPROM copy %s it names does not match the journal's SHA-256 (changed "
                            "or damaged since); the chip's EEPROM cannot be restored from it (remove the "
                            "journal to go on without it)",
                            k->journal, j.copy);
        else
            snprintf(k->copy, sizeof k->copy, "%s", j.copy);
    }
    free(text);
    if (rc != FT_OK)
        return rc;
    memcpy(k->fuses, j.fuses, 3);
    k->efi = j.efi;
    k->emask = j.emask;
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

/* The EEPROM into ee, read until two reads in a row agree (as
 * ses_read_checked does: one flipped bit on MISO costs a read, not a wrong
 * copy). The journal for the first read is written and synced on a thread
 * (*wr, *writing) while the second read checks it. */
static int read_eeprom_keeping(ft_session *r, keep *k, uint8_t *ee, ses_bg *wr, bool *writing)
{
    uint32_t n = r->part->eeprom.size;
    uint8_t *again = malloc(n);
    if (!again)
        return ft_err_set(r->err, FT_E_FAIL, "out of memory");
    ses_phase(r, "reading eeprom", n);
    double t0 = ses_now();
    int rc = ses_read_mem(r, FT_MEM_EEPROM, -1, 0, ee, n);
    bool used = false;
    for (uint32_t i = 0; rc == FT_OK && i < n && !used; i++)
        used = ee[i] != 0xff;
    if (rc == FT_OK && used && !ft_wire_caps_of(r->w)->host_memory) {
        rc = journal_prepare(r, k, ee, wr);
        if (rc == FT_OK) {
            bg_start(wr);
            *writing = true;
        }
    }
    uint32_t bad = 0;
    for (int read = 2; rc == FT_OK && read <= SES_READS_MAX; read++) {
        rc = ses_read_mem(r, FT_MEM_EEPROM, -1, 0, again, n);
        if (rc != FT_OK || memcmp(ee, again, n) == 0)
            break;
        for (bad = 0; bad < n && ee[bad] == again[bad]; bad++)
            ;
        ses_note(r, 1, "EEPROM: two reads differ at 0x%04x (0x%02x, then 0x%02x); reading again", bad, ee[bad],
                 again[bad]);
        memcpy(ee, again, n);
        if (read == SES_READS_MAX)
            rc = ft_err_set(r->err, FT_E_TARGET,
                            "EEPROM: %d reads in a row disagree (last at 0x%04x): the wiring is noisy or "
                            "SCK is too fast for the target; try a slower -B", SES_READS_MAX, bad);
    }
    ses_phase_end(r, rc, t0);
    free(again);
    return rc;
}

/* Makes the journal for ee whole on disk under its own name: the file
 * written (or still being written) for the first read if two reads agreed
 * with it, else one written now; then renamed. */
static int journal_place(ft_session *r, keep *k, const uint8_t *ee, ses_bg *wr, bool *writing)
{
    uint32_t n = r->part->eeprom.size;
    int rc = FT_OK;
    if (*writing && memcmp(wr->ee, ee, n) != 0) {
        bg_wait(wr);
        free(wr->file);
        *writing = false;
    }
    if (!*writing) {
        rc = journal_prepare(r, k, ee, wr);
        if (rc != FT_OK)
            return rc;
        bg_start(wr);
        *writing = true;
    }
    int e = bg_wait(wr);
    *writing = false;
    if (e)
        rc = ft_err_set(r->err, FT_E_UNSAFE, "%s: cannot write: %s", wr->failed, strerror(e));
    if (rc == FT_OK && rename(k->tmp, k->journal) != 0)
        rc = ft_err_set(r->err, FT_E_UNSAFE, "%s: cannot write: %s", k->journal, strerror(errno));
    free(wr->file);
    if (rc != FT_OK)
        journal_discard(k);
    return rc;
}

static int erase_chip(ft_session *r)
{
    ses_phase(r, "erasing chip", 0);
    double t0 = ses_now();
    int rc = ft_proto_chip_erase(r->proto, r->err);
    ses_phase_end(r, rc, t0);
    if (rc == FT_OK)
        r->res->erased = true;
    return rc;
}

/* The journal put in place and its directory synced, before the first
 * change to the chip: programming EESAVE destroys nothing, but a power loss
 * with the rename not yet on disk would leave the high fuse changed and no
 * journal saying what it was. */
static int journal_durable(ft_session *r, keep *k, const uint8_t *ee, ses_bg *wr, bool *writing)
{
    int rc = journal_place(r, k, ee, wr, writing);
    if (rc != FT_OK)
        return rc;
    snprintf(r->res->eeprom_copy, sizeof r->res->eeprom_copy, "%s", k->copy);
    /* without EESAVE the erase clears the EEPROM: the copy is what keeps it */
    ses_note(r, k->efi < 0 ? 0 : 1, "EEPROM copied to %s before the erase (journal %s)", k->copy, k->journal);
    if (sync_dir(k->dir) == 0)
        return FT_OK;
    /* the copy is not known to be on disk: nothing changed on the chip, and
     * the journal is not needed */
    rc = ft_err_set(r->err, FT_E_UNSAFE, "%s: cannot sync (%s), so the EEPROM's copy is not known to be on "
                    "disk; nothing was erased", k->dir, strerror(errno));
    unlink(k->journal);
    unlink(k->copy);
    r->res->eeprom_copy[0] = '\0';
    r->res->chip_state[0] = '\0';
    return rc;
}

/* EESAVE programmed if the part has it, the erase, the high fuse back, the
 * EEPROM made equal to the copy; *step is where a failure stopped. */
static int erase_with_copy(ft_session *r, keep *k, const uint8_t *ee, bool use_eesave, enum step *step,
                           bool *eesave_set, uint32_t *restored)
{
    int rc = FT_OK;
    *step = STEP_EESAVE;
    note_state(r, k, *step, false);
    if (use_eesave) {
        /* EESAVE takes effect as soon as it is programmed (datasheets,
         * "Latching of Fuses"); the check afterwards covers parts where not */
        rc = write_fuse_checked(r, k->efi, (uint8_t)(k->fuses[k->efi] & ~k->emask));
        *eesave_set = rc == FT_OK;
    }
    if (rc == FT_OK) {
        *step = STEP_ERASE;
        note_state(r, k, *step, *eesave_set);
        rc = erase_chip(r);
    }
    if (rc == FT_OK && *eesave_set) {
        *step = STEP_FUSE_BACK;
        note_state(r, k, *step, *eesave_set);
        rc = write_fuse_checked(r, k->efi, k->fuses[k->efi]);
    }
    if (rc == FT_OK) {
        *step = STEP_EEPROM;
        note_state(r, k, *step, *eesave_set);
        rc = eeprom_make(r, ee, restored);
    }
    return rc;
}

static void say_kept(ft_session *r, const keep *k, bool use_eesave, uint32_t restored)
{
    snprintf(r->res->eeprom_kept, sizeof r->res->eeprom_kept, "%s",
             restored ? "rewritten" : use_eesave ? "eesave" : "untouched");
    if (use_eesave)
        ses_note(r, 0, "%s written twice: 0x%02x with EESAVE programmed for the erase, then back to 0x%02x",
                 fuse_name(r->part, k->efi), (uint8_t)(k->fuses[k->efi] & ~k->emask), k->fuses[k->efi]);
    if (restored && use_eesave)
        ses_note(r, 0, "warning: EESAVE did not keep %u EEPROM bytes through the erase; written back from the "
                 "copy and verified", restored);
    else if (restored)
        ses_note(r, 1, "EEPROM: %u bytes the erase cleared written back and verified", restored);
    else
        ses_note(r, 1, "EEPROM kept through the erase%s and checked", use_eesave ? " by EESAVE" : "");
}

int ses_erase_keeping(ft_session *r)
{
    uint32_t n = r->part->eeprom.size;
    bool files = !ft_wire_caps_of(r->w)->host_memory;   /* -c dryrun: the chip lives in this process only */
    int rc = ses_keep_settle(r, r->err);   /* an earlier erase's journal is gone */
    if (rc != FT_OK)
        return rc;
    keep k;
    keep_init(r, &k);
    uint8_t *ee = malloc(n);
    if (!ee)
        return ft_err_set(r->err, FT_E_FAIL, "out of memory");
    ses_bg wr;
    bool writing = false;
    rc = read_eeprom_keeping(r, &k, ee, &wr, &writing);
    uint32_t used = 0;
    for (uint32_t i = 0; rc == FT_OK && i < n; i++)
        used += ee[i] != 0xff;
    if (rc != FT_OK || used == 0) {
        if (writing) {
            bg_wait(&wr);
            free(wr.file);
            journal_discard(&k);
        }
        free(ee);
        /* an erased EEPROM stays erased: nothing to keep */
        return rc != FT_OK ? rc : erase_chip(r);
    }
    if (files && (rc = journal_durable(r, &k, ee, &wr, &writing)) != FT_OK) {
        free(ee);
        return rc;
    }
    bool use_eesave = k.efi >= 0 && (k.fuses[k.efi] & k.emask) == k.emask;
    bool eesave_set = false;
    enum step step;
    uint32_t restored = 0;
    rc = erase_with_copy(r, &k, ee, use_eesave, &step, &eesave_set, &restored);
    if (rc == FT_OK) {
        journal_remove(r, &k, true);
        say_kept(r, &k, use_eesave, restored);
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
            journal_remove(r, &k, false);
            ses_note(r, 0, "restored: fuses as they were, EEPROM as copied (%u bytes written back)", restored);
        } else {
            rc = fail_state(r, &k, STEP_RECOVER, fuse_off);
        }
    }
    free(ee);
    return rc;
}
