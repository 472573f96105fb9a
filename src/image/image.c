/* The sparse memory image: bytes plus a parallel map of which ones a file set.
 * A plain byte map (not a list of ranges) because AVR memories are at most a
 * few hundred KiB and every query then is a simple scan with no merging. */
#include "ftisp/image.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ft_image_init(ft_image *img, uint32_t limit)
{
    memset(img, 0, sizeof *img);
    img->limit = limit;
}

void ft_image_free(ft_image *img)
{
    free(img->data);
    free(img->set);
    img->data = img->set = NULL;
    img->alloc = 0;
}

void ft_image_clear(ft_image *img)
{
    if (img->set)
        memset(img->set, 0, img->alloc);
}

/* Grows in doubling steps so a file read front to back costs O(n), but never
 * past the limit, so a bogus address cannot make us allocate gigabytes. */
static bool grow(ft_image *img, uint32_t addr)
{
    if (addr < img->alloc)
        return true;
    uint64_t want = img->alloc ? (uint64_t)img->alloc * 2 : 4096;
    while (want <= addr)
        want *= 2;
    if (want > img->limit)
        want = img->limit;
    uint8_t *d = realloc(img->data, want);
    if (!d)
        return false;
    img->data = d;
    uint8_t *s = realloc(img->set, want);
    if (!s)
        return false;
    img->set = s;
    memset(img->data + img->alloc, 0xFF, want - img->alloc);
    memset(img->set + img->alloc, 0, want - img->alloc);
    img->alloc = (uint32_t)want;
    return true;
}

static enum ft_put put(ft_image *img, uint32_t addr, uint8_t v, bool overwrite)
{
    if (addr >= img->limit)
        return FT_PUT_RANGE;
    if (!grow(img, addr))
        return FT_PUT_NOMEM;
    if (img->set[addr] && img->data[addr] != v && !overwrite)
        return FT_PUT_CONFLICT;
    img->data[addr] = v;
    img->set[addr] = 1;
    return FT_PUT_OK;
}

enum ft_put ft_image_put(ft_image *img, uint32_t addr, uint8_t v)
{
    return put(img, addr, v, false);
}

enum ft_put ft_image_store(ft_image *img, uint32_t addr, uint8_t v)
{
    return put(img, addr, v, true);
}

int ft_image_put_at(ft_image *img, uint64_t addr, uint8_t v, const char *where, ft_err *err)
{
    if (addr >= img->limit)
        return ft_err_set(err, FT_E_INPUT,
                          "%s: expected an address below 0x%" PRIX32 " (the memory's size), found 0x%04" PRIX64,
                          where, img->limit, addr);
    uint8_t old = ft_image_get(img, (uint32_t)addr);
    switch (ft_image_put(img, (uint32_t)addr, v)) {
    case FT_PUT_OK:
        return FT_OK;
    case FT_PUT_CONFLICT:
        return ft_err_set(err, FT_E_INPUT,
                          "%s: expected 0x%02X at 0x%04" PRIX64 " (an earlier record set it), found 0x%02X",
                          where, old, addr, v);
    case FT_PUT_RANGE:
        break;
    case FT_PUT_NOMEM:
        return ft_err_set(err, FT_E_FAIL, "%s: out of memory", where);
    }
    return ft_err_set(err, FT_E_INPUT, "%s: address 0x%" PRIX64 " out of range", where, addr);
}

bool ft_image_is_set(const ft_image *img, uint32_t addr)
{
    return addr < img->alloc && img->set[addr];
}

uint8_t ft_image_get(const ft_image *img, uint32_t addr)
{
    return ft_image_is_set(img, addr) ? img->data[addr] : 0xFF;
}

uint32_t ft_image_extent(const ft_image *img)
{
    uint32_t a = img->alloc;
    while (a > 0 && !img->set[a - 1])
        a--;
    return a;
}

uint32_t ft_image_count(const ft_image *img)
{
    uint32_t n = 0;
    for (uint32_t a = 0; a < img->alloc; a++)
        n += img->set[a] != 0;
    return n;
}

bool ft_image_empty(const ft_image *img)
{
    return ft_image_extent(img) == 0;
}

bool ft_image_page_has_data(const ft_image *img, uint32_t page_addr, uint32_t page_size)
{
    for (uint64_t a = page_addr; a < (uint64_t)page_addr + page_size && a < img->alloc; a++)
        if (img->set[a])
            return true;
    return false;
}

bool ft_image_next_page(const ft_image *img, uint32_t page_size, uint32_t *page)
{
    if (page_size == 0)
        return false;
    for (uint64_t p = *page - *page % page_size; p < img->alloc; p += page_size) {
        if (ft_image_page_has_data(img, (uint32_t)p, page_size)) {
            *page = (uint32_t)p;
            return true;
        }
    }
    return false;
}

uint32_t ft_image_trim_ff(ft_image *img)
{
    uint32_t end = ft_image_extent(img);
    while (end > 0 && (!img->set[end - 1] || img->data[end - 1] == 0xFF)) {
        img->set[end - 1] = 0;
        end--;
    }
    return end;
}

bool ft_image_matches(const ft_image *want, const ft_image *have, uint32_t *first)
{
    for (uint32_t a = 0; a < want->alloc; a++) {
        if (!want->set[a])
            continue;
        if (!ft_image_is_set(have, a) || have->data[a] != want->data[a]) {
            if (first)
                *first = a;
            return false;
        }
    }
    return true;
}

int ft_hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

const char *ft_show_char(int c, char *tmp, size_t n)
{
    if (c >= 0x21 && c < 0x7F)
        snprintf(tmp, n, "'%c'", c);
    else
        snprintf(tmp, n, "byte 0x%02X", (unsigned)c & 0xFF);
    return tmp;
}
