/* The SHA-256 that --json records: FIPS 180-4 example vectors, in one call
 * and fed a byte at a time (as the session feeds an image). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ftisp/sha256.h"

static void hex(const uint8_t d[32], char out[65])
{
    for (int i = 0; i < 32; i++)
        sprintf(out + 2 * i, "%02x", d[i]);
}

static void expect(const char *msg, size_t repeat, const char *want)
{
    uint8_t d[32];
    char got[65];
    ft_sha256_ctx s;
    ft_sha256_init(&s);
    for (size_t r = 0; r < repeat; r++)
        for (const char *c = msg; *c; c++)
            ft_sha256_update(&s, c, 1);
    ft_sha256_final(&s, d);
    hex(d, got);
    assert_string_equal(got, want);
    if (repeat == 1) {
        ft_sha256(msg, strlen(msg), d);
        hex(d, got);
        assert_string_equal(got, want);
    }
}

static void fips_vectors(void **state)
{
    (void)state;
    expect("", 1, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect("abc", 1, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1,
           "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    expect("a", 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(fips_vectors)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
