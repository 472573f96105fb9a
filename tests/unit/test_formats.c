/* The table of formats (src/image/image_format.c): each row whole and
 * consistent, every readable and writable format round-trips, every
 * extension claims its format, the lists the messages and --help are made
 * of, and the manual and README name exactly the table's extensions.
 * (tests/e2e/test_formats.sh holds the completions, the manual's letters
 * and the JSON schema to --help, which this table writes.) */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ftisp/cli.h"
#include "ftisp/image.h"

static void rows_are_whole(void **state)
{
    (void)state;
    size_t n;
    const ft_format_info *t = ft_format_table(&n);
    assert_true(n >= 11);
    for (size_t i = 0; i < n; i++) {
        assert_non_null(t[i].name);
        assert_true(t[i].name[0] != '\0');
        assert_non_null(t[i].exts);
        assert_true(isalpha((int)t[i].fmt));
        assert_ptr_equal(ft_format_info_of(t[i].fmt), &t[i]);   /* letters are unique */
        assert_true(ft_format_valid(t[i].fmt));
        assert_string_equal(ft_format_name(t[i].fmt), t[i].name);
        /* `a` resolves to another format; every other reads or writes */
        if (t[i].fmt == FT_FMT_AUTO)
            assert_true(t[i].read == NULL && t[i].write == NULL && t[i].exts[0] == '\0');
        else
            assert_true(t[i].read || t[i].write);
        /* records that keep addresses, and the inline value list, as the
         * terminal's save and -U ...:m rely on */
        if (t[i].flags & FT_FMTF_INLINE)
            assert_true(t[i].flags & FT_FMTF_LIST);
        /* extensions: ".x" in lower case, each claiming only this format */
        for (const char *p = t[i].exts; *p;) {
            size_t k = strcspn(p, " ");
            assert_true(k >= 2 && p[0] == '.');
            char ext[32], path[48];
            assert_true(k < sizeof ext);
            memcpy(ext, p, k);
            ext[k] = '\0';
            for (size_t c = 1; c < k; c++)
                assert_true(islower((unsigned char)ext[c]) || isdigit((unsigned char)ext[c]));
            snprintf(path, sizeof path, "dir.bin/x%s", ext);
            assert_int_equal(ft_format_claimed(path), t[i].fmt);
            for (size_t c = 0; c < k; c++)
                ext[c] = (char)toupper((unsigned char)ext[c]);
            snprintf(path, sizeof path, "X%s", ext);
            assert_int_equal(ft_format_claimed(path), t[i].fmt);
            p += k;
            p += strspn(p, " ");
        }
    }
    assert_null(ft_format_info_of(0));
    assert_null(ft_format_info_of('x'));
    assert_null(ft_format_info_of('R'));   /* avrdude 8's R (Roman numerals) is not offered */
    assert_string_equal(ft_format_name((ft_format)'x'), "unknown");
    assert_int_equal(ft_format_claimed("x.txt"), FT_FMT_AUTO);
    assert_int_equal(ft_format_claimed("dir.hex/x"), FT_FMT_AUTO);
    assert_int_equal(ft_format_claimed("x"), FT_FMT_AUTO);
    assert_int_equal(ft_format_claimed("x."), FT_FMT_AUTO);
}

/* Each format with a reader and a writer reads back what it wrote; one
 * with a sniff is recognised by it. */
static void every_format_round_trips(void **state)
{
    (void)state;
    size_t n;
    const ft_format_info *t = ft_format_table(&n);
    ft_image img, back;
    ft_image_init(&img, 4096);
    for (uint32_t a = 0; a < 300; a++)
        ft_image_put(&img, a, (uint8_t)(a * 7 + 3));
    int tried = 0;
    for (size_t i = 0; i < n; i++) {
        if (!t[i].write || !t[i].read)
            continue;
        ft_err err;
        ft_err_clear(&err);
        char *out;
        size_t len;
        assert_int_equal(ft_image_format(&img, t[i].fmt, &out, &len, &err), FT_OK);
        if (t[i].sniff)
            assert_int_equal(ft_format_detect((const uint8_t *)out, len), t[i].fmt);
        ft_image_init(&back, 4096);
        if (ft_image_parse(&back, "back", (const uint8_t *)out, len, t[i].fmt, "eeprom", &err) != FT_OK)
            fail_msg("%c: %s", t[i].fmt, err.msg);
        uint32_t first = 0;
        if (!ft_image_matches(&img, &back, &first) || ft_image_count(&back) != ft_image_count(&img))
            fail_msg("%c: differs at 0x%x", t[i].fmt, first);
        ft_image_free(&back);
        free(out);
        tried++;
    }
    assert_true(tried >= 8);   /* i I s r d h o b, at least */
    /* no writer (ELF): refused, naming the letters that have one */
    ft_err err;
    ft_err_clear(&err);
    char *out;
    size_t len;
    assert_int_equal(ft_image_format(&img, FT_FMT_ELF, &out, &len, &err), FT_E_USAGE);
    assert_non_null(strstr(err.msg, "expected one of i, I, s, r, d, h, o, b, found 'e'"));
    ft_image_free(&img);
}

static void lists_for_messages(void **state)
{
    (void)state;
    /* what the table holds, built the plain way: every letter; those with a
     * writer */
    size_t n;
    const ft_format_info *t = ft_format_table(&n);
    char all[160] = "", outs[160] = "", b[160];
    size_t nouts = 0, k = 0;
    for (size_t i = 0; i < n; i++)
        nouts += t[i].write != NULL;
    for (size_t i = 0; i < n; i++) {
        snprintf(all + strlen(all), sizeof all - strlen(all), "%s%c", i ? " " : "", (char)t[i].fmt);
        if (t[i].write) {
            k++;
            snprintf(outs + strlen(outs), sizeof outs - strlen(outs), "%s%c",
                     k == 1 ? "" : k == nouts ? " or " : ", ", (char)t[i].fmt);
        }
    }
    assert_string_equal(ft_format_list(b, sizeof b, 0, FT_ITEM_LETTER, " ", NULL), all);
    assert_string_equal(ft_format_list(b, sizeof b, FT_HAS_WRITER, FT_ITEM_LETTER, ", ", " or "), outs);
    /* today's messages (a format added may lengthen these lists, as it
     * should, but not take from them) */
    assert_non_null(strstr(all, "a i I s r e m d h o b"));
    assert_non_null(strstr(outs, "i, I, s, r, d, h, o"));
    ft_format_list(b, sizeof b, FT_HAS_WRITER | FT_HAS_EXTS, FT_ITEM_EXT, ", ", " or ");
    assert_true(strncmp(b, ".hex, .srec", 11) == 0 && strstr(b, ".bin"));   /* ".hex, .srec or .bin" */
    ft_format_list(b, sizeof b, FT_HAS_WRITER | FT_HAS_EXTS, FT_ITEM_OPTION, ", ", NULL);
    assert_true(strncmp(b, ":i, :s, :r", 10) == 0);
    ft_format_list(b, sizeof b, FT_HAS_SNIFF, FT_ITEM_NAME, ", ", " or ");
    assert_true(strncmp(b, "Intel HEX, S-record", 19) == 0 && strstr(b, "ELF"));   /* "... or ELF" */
    ft_format_list(b, sizeof b, FT_HAS_READER, FT_ITEM_LETTER, "", NULL);
    assert_null(strchr(b, 'a'));   /* a has no reader: it resolves to one */
    /* a short buffer is cut, never overrun */
    char s[6];
    assert_string_equal(ft_format_list(s, sizeof s, 0, FT_ITEM_LETTER, " ", NULL), "a i I");

    /* --help shows the table's letters */
    char *help = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&help, &len);
    assert_non_null(f);
    ft_cli_usage(f);
    fclose(f);
    ft_format_list(b, sizeof b, 0, FT_ITEM_LETTER, " ", NULL);
    char want[200];
    snprintf(want, sizeof want, "FMT %s;", b);
    assert_non_null(strstr(help, want));
    free(help);
}

/* The text of a file of the source tree, NULL-terminated, malloc'd. */
static char *slurp(const char *rel)
{
    const char *root = getenv("FTISP_ROOT");
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", root ? root : ".", rel);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("%s: cannot open (FTISP_ROOT is the source tree)", path);
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    int c;
    while ((c = fgetc(f)) != EOF)
        fputc(c, m);
    fclose(f);
    fclose(m);
    return buf;
}

/* The rows with extensions that a list of extension groups must name:
 * `groups` holds lines, one group (".hex .ihx ...") each. Every group must
 * be one row's extensions, in the table's order, and every row that has
 * `need` must have its group. */
static void groups_are_rows(const char *what, const char *groups, unsigned need)
{
    size_t n;
    const ft_format_info *t = ft_format_table(&n);
    bool seen[64] = {false};
    assert_true(n <= 64);
    for (const char *g = groups; *g;) {
        size_t k = strcspn(g, "\n");
        bool found = false;
        for (size_t i = 0; i < n; i++)
            if (t[i].exts[0] && strlen(t[i].exts) == k && strncmp(t[i].exts, g, k) == 0) {
                if (!(need & FT_HAS_WRITER) || t[i].write)
                    found = seen[i] = true;
            }
        if (!found)
            fail_msg("%s names \"%.*s\", which is no format's extensions in the table%s", what, (int)k, g,
                     need & FT_HAS_WRITER ? " that ftisp writes" : "");
        g += k;
        g += *g == '\n';
    }
    for (size_t i = 0; i < n; i++)
        if (t[i].exts[0] && (!(need & FT_HAS_WRITER) || t[i].write) && !seen[i])
            fail_msg("%s does not name %s's extensions \"%s\"", what, t[i].name, t[i].exts);
}

/* Appends to groups the extensions (".x" words) of one line, a group. */
static void add_group(char *groups, size_t cap, const char *line, size_t len)
{
    char one[256] = "";
    size_t ol = 0;
    for (size_t i = 0; i < len;) {
        while (i < len && (line[i] == ' ' || line[i] == ','))
            i++;
        size_t s = i;
        while (i < len && line[i] != ' ' && line[i] != ',' && line[i] != '`')
            i++;
        if (i - s >= 2 && line[s] == '.' && islower((unsigned char)line[s + 1]) &&
            ol + (i - s) + 2 < sizeof one)
            ol += (size_t)snprintf(one + ol, sizeof one - ol, "%s%.*s", ol ? " " : "", (int)(i - s), line + s);
        if (i < len && line[i] == '`')
            i++;
    }
    if (ol && strlen(groups) + ol + 2 < cap) {
        strcat(groups, one);
        strcat(groups, "\n");
    }
}

static void manual_and_readme_name_every_extension(void **state)
{
    (void)state;
    char *man = slurp("man/ftisp.1");
    char *sec = strstr(man, "\n.Sh FORMATS\n");
    assert_non_null(sec);
    char *end = strstr(sec + 1, "\n.Sh ");
    assert_non_null(end);
    *end = '\0';
    /* `a`: the names that claim a format; then, for reads, the names that
     * choose the output format */
    char *reads = strstr(sec, "\nFor a read, the default");
    assert_non_null(reads);
    char *reads_end = strstr(reads, "\n.It ");
    assert_non_null(reads_end);
    char claims[1024] = "", outs[1024] = "";
    for (char *l = sec; l < reads_end; l = strchr(l, '\n') + 1) {
        size_t len = strcspn(l, "\n");
        /* .Pa .srec , .s19 ...  or  .Pf ( Pa .hex , .ihx ... */
        if (strncmp(l, ".Pa ", 4) == 0 || strncmp(l, ".Pf ( Pa ", 9) == 0)
            add_group(l < reads ? claims : outs, sizeof claims, l + 3, len - 3);
        if (!strchr(l, '\n'))
            break;
    }
    groups_are_rows("ftisp.1 FORMATS, a", claims, 0);
    groups_are_rows("ftisp.1 FORMATS, the default for a read", outs, FT_HAS_WRITER);
    free(man);

    char *readme = slurp("README.md");
    char *line = strstr(readme, "**A file is what its name says.**");
    assert_non_null(line);
    char groups[1024] = "";
    size_t len = strcspn(line, "\n");
    /* each `...` span made only of extensions is a group */
    for (char *p = line; p < line + len;) {
        char *open = memchr(p, '`', (size_t)(line + len - p));
        if (!open)
            break;
        char *close = memchr(open + 1, '`', (size_t)(line + len - open - 1));
        if (!close)
            break;
        bool all = open[1] == '.';
        for (char *c = open + 1; c < close && all; c++)
            all = *c != '.' || c == open + 1 || c[-1] == ' ';
        if (all)
            add_group(groups, sizeof groups, open + 1, (size_t)(close - open - 1));
        p = close + 1;
    }
    groups_are_rows("README.md (A file is what its name says)", groups, 0);
    free(readme);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rows_are_whole),
        cmocka_unit_test(every_format_round_trips),
        cmocka_unit_test(lists_for_messages),
        cmocka_unit_test(manual_and_readme_name_every_extension),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
