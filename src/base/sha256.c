#include "ftisp/sha256.h"

void ft_sha256_init(ft_sha256_ctx *s)
{
    sha256_init(s);
}

void ft_sha256_update(ft_sha256_ctx *s, const void *data, size_t n)
{
    sha256_update(s, n, data);
}

void ft_sha256_final(ft_sha256_ctx *s, uint8_t out[32])
{
    sha256_digest(s, SHA256_DIGEST_SIZE, out);
}

void ft_sha256(const void *data, size_t n, uint8_t out[32])
{
    ft_sha256_ctx s;
    sha256_init(&s);
    sha256_update(&s, n, data);
    sha256_digest(&s, SHA256_DIGEST_SIZE, out);
}
