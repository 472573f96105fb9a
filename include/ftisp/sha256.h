/* SHA-256 (FIPS 180-4) for --json: production logs record what was written. */
#ifndef FTISP_SHA256_H
#define FTISP_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct ft_sha256 {
    uint32_t h[8];
    uint64_t len;
    uint8_t buf[64];
    size_t nbuf;
} ft_sha256_ctx;

void ft_sha256_init(ft_sha256_ctx *s);
void ft_sha256_update(ft_sha256_ctx *s, const void *data, size_t n);
void ft_sha256_final(ft_sha256_ctx *s, uint8_t out[32]);
void ft_sha256(const void *data, size_t n, uint8_t out[32]);

#endif
