/* Fuzzes the Intel HEX reader, then checks that what it accepted writes out
 * and reads back to the same image. The limit is an ATmega2560's flash. */
#include <stdint.h>
#include <stdlib.h>

#include "ftisp/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ft_image img, back;
    ft_err err;
    ft_err_clear(&err);
    ft_image_init(&img, 0x40000);
    if (ft_image_parse(&img, "fuzz", data, size, FT_FMT_IHEX, "flash", &err) == FT_OK) {
        char *out;
        size_t len;
        if (ft_image_format(&img, FT_FMT_IHEX, &out, &len, &err) == FT_OK) {
            ft_image_init(&back, 0x40000);
            if (ft_image_parse(&back, "back", (const uint8_t *)out, len, FT_FMT_IHEX, "flash", &err) != FT_OK ||
                !ft_image_matches(&img, &back, NULL) || !ft_image_matches(&back, &img, NULL))
                abort();
            ft_image_free(&back);
            free(out);
        }
    } else if (!ft_image_empty(&img) || err.code != FT_E_INPUT) {
        abort();
    }
    ft_image_free(&img);
    return 0;
}
