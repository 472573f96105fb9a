/* Raw binary in and out: byte i of the file is address i. On output, holes
 * below the extent become 0xFF, the erased value, so the file programs the
 * same as the image would. */
#include "ftisp/image.h"

#include <stdlib.h>
#include <string.h>

int ft_raw_parse(ft_image *img, const char *name, const uint8_t *buf, size_t len, ft_format fmt,
                 const char *memory, ft_err *err)
{
    (void)fmt;
    (void)memory;
    if (len > img->limit) {
        /* Auto-detection calls a text file such as "0xe2" raw; say so. */
        bool text = true;
        for (size_t i = 0; i < len && text; i++)
            text = (buf[i] >= 0x20 && buf[i] < 0x7F) || buf[i] == '\n' || buf[i] == '\r' || buf[i] == '\t';
        return ft_err_set(err, FT_E_INPUT,
                          "%s: offset %u: expected at most %u bytes (the memory's size), found %zu%s",
                          name, (unsigned)img->limit, (unsigned)img->limit, len,
                          text ? " (a text file read as raw binary: give its format, e.g. :m or :h)" : "");
    }
    for (size_t i = 0; i < len; i++)
        if (ft_image_put(img, (uint32_t)i, buf[i]) != FT_PUT_OK)
            return ft_err_set(err, FT_E_FAIL, "%s: out of memory", name);
    return FT_OK;
}

int ft_raw_format(const ft_image *img, ft_format fmt, char **out, size_t *outlen, ft_err *err)
{
    (void)fmt;
    uint32_t ext = ft_image_extent(img);
    *out = malloc(ext ? ext : 1);
    if (!*out)
        return ft_err_set(err, FT_E_FAIL, "out of memory");
    for (uint32_t a = 0; a < ext; a++)
        (*out)[a] = (char)ft_image_get(img, a);
    *outlen = ext;
    return FT_OK;
}
