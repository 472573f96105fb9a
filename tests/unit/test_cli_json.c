/* --json's strings: whatever bytes a file name or message holds, the JSON
 * is valid; bytes outside valid UTF-8 read U+FFFD, one each, and valid
 * UTF-8 (multi-byte included) passes unchanged. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ftisp/report.h"

#define R "\xef\xbf\xbd" /* U+FFFD in UTF-8 */

static void expect(const char *in, const char *want)
{
    json_t *j = ft_json_str(in);
    assert_non_null(j);
    assert_true(json_is_string(j));
    assert_string_equal(json_string_value(j), want);
    char *line = json_dumps(j, JSON_ENCODE_ANY);
    assert_non_null(line);   /* jansson dumps only what it holds as valid */
    free(line);
    json_decref(j);
}

static void test_valid_unchanged(void **state)
{
    (void)state;
    expect("", "");
    expect("flash.hex", "flash.hex");
    expect("\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
    expect("a\x01\x7f\"\\", "a\x01\x7f\"\\");
}

static void test_invalid_replaced(void **state)
{
    (void)state;
    expect("\xff.hex", R ".hex");                       /* never a UTF-8 byte */
    expect("\x80x", R "x");                             /* a lone continuation byte */
    expect("\xc3(", R "(");                             /* lead without its continuation */
    expect("\xc0\x80", R R);                            /* overlong NUL */
    expect("\xe0\x80\xaf", R R R);                      /* overlong '/' */
    expect("\xed\xa0\x80", R R R);                      /* a UTF-16 surrogate */
    expect("\xf4\x90\x80\x80", R R R R);                /* past U+10FFFF */
    expect("\xf5\x80\x80\x80", R R R R);                /* lead byte past U+10FFFF */
    expect("ok\xe2\x82", "ok" R R);                     /* cut short at the end */
    expect("\xe2\x82\xac\xff\xe2\x82\xac", "\xe2\x82\xac" R "\xe2\x82\xac");
}

static void test_null_is_null(void **state)
{
    (void)state;
    json_t *j = ft_json_str(NULL);
    assert_true(json_is_null(j));
    json_decref(j);
}

static void test_seconds_to_the_microsecond(void **state)
{
    (void)state;
    json_t *o = json_object();
    json_object_set_new(o, "a", ft_json_seconds(0.1));
    json_object_set_new(o, "b", ft_json_seconds(1.23456789));
    json_object_set_new(o, "c", ft_json_seconds(0));
    char *line = ft_json_line(o);
    assert_string_equal(line, "{\"a\":0.1,\"b\":1.234568,\"c\":0.0}\n");
    free(line);
    json_decref(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_unchanged),
        cmocka_unit_test(test_invalid_replaced),
        cmocka_unit_test(test_null_is_null),
        cmocka_unit_test(test_seconds_to_the_microsecond),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
