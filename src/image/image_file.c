/* Whole files in and out ("-" is stdin/stdout), format resolution for `a`,
 * and the dispatch to each format's reader and writer through the table of
 * formats (image_format.c).
 *
 * For `a`, a name that claims a format (.hex, .eep, .srec, .elf, .bin, .raw
 * ...) is read as that format and nothing else: an HTML page saved as
 * main.hex fails with the parser's file:line error instead of being
 * programmed as raw bytes. Other names: the content decides, by its first
 * bytes: ELF magic, then ':' (Intel HEX) or 'S' and a digit (S-record) as
 * the first non-blank character. Anything else is refused with what it
 * looks like: raw binary only when the name says .bin or .raw, or :r is
 * given (an HTML page saved as page.hx is not flashed). */
#include "ftisp/image.h"
#include "ftisp/interrupt.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Text: printable ASCII, blanks, and UTF-8's bytes above 0x7f. */
static bool looks_text(const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if ((buf[i] < 0x20 && buf[i] != '\n' && buf[i] != '\r' && buf[i] != '\t' && buf[i] != '\f') ||
            buf[i] == 0x7f)
            return false;
    return true;
}

void ft_format_describe(const uint8_t *buf, size_t len, char *out, size_t n)
{
    size_t head = len < 512 ? len : 512;
    if (len == 0) {
        snprintf(out, n, "it is empty");
        return;
    }
    if (!looks_text(buf, head)) {
        snprintf(out, n, "it looks like binary data");
        return;
    }
    size_t i = 0;
    while (i < head && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n'))
        i++;
    char first[48];
    size_t k = 0;
    for (size_t j = i; j < head && buf[j] != '\n' && buf[j] != '\r' && k < sizeof first - 4; j++)
        first[k++] = buf[j] >= 0x20 && buf[j] < 0x7f && buf[j] != '"' ? (char)buf[j] : '?';
    bool cut = i + k < head && buf[i + k] != '\n' && buf[i + k] != '\r';
    if (cut)
        first[k++] = '.', first[k++] = '.', first[k++] = '.';
    first[k] = '\0';
    const char *kind = "text";
    if (head - i >= 5 && (strncasecmp((const char *)buf + i, "<!doc", 5) == 0 ||
                          strncasecmp((const char *)buf + i, "<html", 5) == 0))
        kind = "an HTML page";
    else if (head - i >= 1 && (buf[i] == '<'))
        kind = "XML or HTML text";
    else if (head - i >= 1 && (buf[i] == '{' || buf[i] == '['))
        kind = "JSON text";
    snprintf(out, n, "it looks like %s, starting \"%s\"", kind, first);
}

int ft_format_resolve(const char *name, bool named, const uint8_t *buf, size_t len, ft_format *fmt,
                      ft_err *err)
{
    ft_format claimed = named ? ft_format_claimed(name) : FT_FMT_AUTO;
    if (claimed != FT_FMT_AUTO) {
        *fmt = claimed;
        return FT_OK;
    }
    *fmt = ft_format_detect(buf, len);
    if (*fmt != FT_FMT_RAW)
        return FT_OK;
    char what[120];
    ft_format_describe(buf, len, what, sizeof what);
    bool text = len && looks_text(buf, len < 512 ? len : 512);
    char kinds[160];   /* the formats content is recognised by: Intel HEX, S-record or ELF */
    ft_format_list(kinds, sizeof kinds, FT_HAS_SNIFF, FT_ITEM_NAME, ", ", " or ");
    return ft_err_set(err, FT_E_INPUT,
                      "%s: cannot tell its format: its name does not say it and it is not %s (%s); %s",
                      name, kinds, what,
                      text ? "give the format if it is a byte list (:m, :h, :d ...), or fix the file"
                           : "if it really is a raw image, add :r (or name it .bin)");
}

int ft_image_parse(ft_image *img, const char *name, const uint8_t *buf, size_t len,
                   ft_format fmt, const char *memory, ft_err *err)
{
    const ft_format_info *fi = ft_format_info_of(fmt);
    int rc = fi && fi->read ? fi->read(img, name, buf, len, fmt, memory, err)
                            : ft_err_set(err, FT_E_USAGE, "%s: cannot read format '%c'", name, (int)fmt);
    if (rc != FT_OK) {
        ft_image_clear(img);
        if (err && err->code == FT_OK)
            ft_err_set(err, rc, "%s: unreadable", name);
    }
    return rc;
}

/* Reads all of f; stdin may be a pipe, so no stat-based sizing. */
static int slurp(FILE *f, const char *path, uint8_t **buf, size_t *len, ft_err *err)
{
    size_t cap = 65536, n = 0;
    uint8_t *b = malloc(cap);
    if (!b)
        return ft_err_set(err, FT_E_FAIL, "%s: out of memory", path);
    for (;;) {
        if (n == cap) {
            uint8_t *nb = cap < ((size_t)1 << 30) ? realloc(b, cap * 2) : NULL;
            if (!nb) {
                free(b);
                return ft_err_set(err, FT_E_INPUT, "%s: too large to be a firmware file", path);
            }
            b = nb;
            cap *= 2;
        }
        size_t got = fread(b + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        int e = errno;
        free(b);
        return ft_err_set(err, FT_E_INPUT, "%s: cannot read: %s", path, strerror(e));
    }
    *buf = b;
    *len = n;
    return FT_OK;
}

int ft_image_read_file(ft_image *img, const char *path, ft_format fmt,
                       const char *memory, ft_err *err)
{
    if (ft_format_is(fmt, FT_FMTF_INLINE))   /* :m: the "path" is the data */
        return ft_image_parse(img, path, (const uint8_t *)path, strlen(path), fmt, memory, err);
    bool std = strcmp(path, "-") == 0;
    const char *name = std ? "<stdin>" : path;
    FILE *f = std ? stdin : fopen(path, "rb");
    if (!f) {
        ft_image_clear(img);
        return ft_err_set(err, FT_E_INPUT, "%s: cannot open: %s", path, strerror(errno));
    }
    uint8_t *buf = NULL;
    size_t len = 0;
    int rc = slurp(f, name, &buf, &len, err);
    if (!std)
        fclose(f);
    if (rc) {
        ft_image_clear(img);
        return rc;
    }
    if (fmt == FT_FMT_AUTO)
        rc = ft_format_resolve(name, !std, buf, len, &fmt, err);
    if (rc == FT_OK)
        rc = ft_image_parse(img, name, buf, len, fmt, memory, err);
    if (rc != FT_OK && ft_format_is(fmt, FT_FMTF_RECORDS) && len && !looks_text(buf, len < 512 ? len : 512)) {
        /* binary data named (or given) as a text format: perhaps a raw image */
        char msg[sizeof err->msg];
        snprintf(msg, sizeof msg, "%s", err->msg);
        int code = err->code;
        ft_err_clear(err);
        ft_err_set(err, code, "%.900s (the file is binary data: if it really is a raw image, add :r)", msg);
    }
    if (rc != FT_OK)
        ft_image_clear(img);
    free(buf);
    return rc;
}

int ft_image_format(const ft_image *img, ft_format fmt, char **out, size_t *outlen, ft_err *err)
{
    *out = NULL;
    *outlen = 0;
    const ft_format_info *fi = ft_format_info_of(fmt);
    if (fi && fi->write)
        return fi->write(img, fmt, out, outlen, err);
    char letters[160];
    ft_format_list(letters, sizeof letters, FT_HAS_WRITER, FT_ITEM_LETTER, ", ", NULL);
    return ft_err_set(err, FT_E_USAGE, "cannot write %s files: expected one of %s, found '%c'",
                      ft_format_name(fmt), letters, (int)fmt);
}

/* Standard output: written as it is. */
static int write_stdout(const char *out, size_t len, ft_err *err)
{
    errno = 0;
    bool ok = fwrite(out, 1, len, stdout) == len;
    ok = fflush(stdout) == 0 && ok;
    if (!ok)
        return ft_err_set(err, FT_E_FAIL, "<stdout>: cannot write: %s", strerror(errno ? errno : EIO));
    return FT_OK;
}

/* A file is written whole or not at all: a temporary file in the same
 * directory (so the rename cannot cross file systems), flushed to the disk,
 * then renamed over the target. Until the rename the old file is untouched;
 * after it, the new one is complete. A second signal's immediate exit
 * removes the temporary file (ftisp/interrupt.h). */
static int write_whole(const char *path, const char *out, size_t len, ft_err *err)
{
    size_t n = strlen(path);
    char *tmp = malloc(n + 32);
    if (!tmp)
        return ft_err_set(err, FT_E_FAIL, "out of memory");
    const char *slash = strrchr(path, '/');
    size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
    snprintf(tmp, n + 32, "%.*s.%s.ftisp-XXXXXX", (int)dirlen, path, path + dirlen);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        int e = errno;
        free(tmp);
        return ft_err_set(err, FT_E_FAIL, "%s: cannot create: %s", path, strerror(e));
    }
    ft_interrupt_tempfile(tmp);
    /* the mode a new file would get, or the old file's */
    struct stat st;
    mode_t mask = umask(0);
    umask(mask);
    mode_t mode = stat(path, &st) == 0 ? (st.st_mode & 07777) : (0666 & ~mask);
    int e = 0;
    size_t done = 0;
    while (done < len && e == 0) {
        ssize_t w = write(fd, out + done, len - done);
        if (w < 0 && errno != EINTR)
            e = errno;
        else if (w > 0)
            done += (size_t)w;
    }
    if (e == 0 && fchmod(fd, mode) != 0)
        e = errno;
    if (e == 0 && fsync(fd) != 0)
        e = errno;
    if (close(fd) != 0 && e == 0)
        e = errno;
    if (e == 0 && rename(tmp, path) != 0)
        e = errno;
    if (e != 0)
        unlink(tmp);
    ft_interrupt_tempfile(NULL);
    free(tmp);
    if (e != 0)
        return ft_err_set(err, FT_E_FAIL, "%s: cannot write: %s (the old file, if any, is untouched)", path,
                          strerror(e));
    return FT_OK;
}

int ft_image_write_file(const ft_image *img, const char *path, ft_format fmt, ft_err *err)
{
    char *out;
    size_t len;
    int rc = ft_image_format(img, fmt, &out, &len, err);
    if (rc)
        return rc;
    rc = strcmp(path, "-") == 0 ? write_stdout(out, len, err) : write_whole(path, out, len, err);
    free(out);
    return rc;
}

int ft_image_check_output(const char *path, ft_err *err)
{
    if (strcmp(path, "-") == 0)
        return FT_OK;
    size_t n = strlen(path);
    char *dir = malloc(n + 2);
    if (!dir)
        return ft_err_set(err, FT_E_FAIL, "out of memory");
    const char *slash = strrchr(path, '/');
    if (!slash)
        strcpy(dir, ".");
    else if (slash == path)
        strcpy(dir, "/");
    else
        snprintf(dir, n + 2, "%.*s", (int)(slash - path), path);
    struct stat st;
    int rc = FT_OK;
    if (path[n ? n - 1 : 0] == '/' || (stat(path, &st) == 0 && S_ISDIR(st.st_mode)))
        rc = ft_err_set(err, FT_E_USAGE, "%s: is a directory; name a file to read into", path);
    else if (stat(dir, &st) != 0)
        rc = ft_err_set(err, FT_E_USAGE, "%s: cannot create: directory %s: %s", path, dir, strerror(errno));
    else if (!S_ISDIR(st.st_mode))
        rc = ft_err_set(err, FT_E_USAGE, "%s: cannot create: %s is not a directory", path, dir);
    else if (access(dir, W_OK | X_OK) != 0)
        rc = ft_err_set(err, FT_E_USAGE, "%s: cannot create: directory %s: %s", path, dir, strerror(errno));
    free(dir);
    return rc;
}
