/* Fuzzes the ELF program-header reader for each memory it can take. */
#include <stdint.h>
#include <stdlib.h>

#include "ftisp/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct { const char *mem; uint32_t limit; } mems[] = {
        {"flash", 0x8000}, {"eeprom", 1024}, {"lfuse", 1}, {"hfuse", 1}, {"lock", 1}, {"signature", 3},
    };
    for (size_t i = 0; i < sizeof mems / sizeof mems[0]; i++) {
        ft_image img;
        ft_err err;
        ft_err_clear(&err);
        ft_image_init(&img, mems[i].limit);
        int rc = ft_image_parse(&img, "fuzz", data, size, FT_FMT_ELF, mems[i].mem, &err);
        if (rc != FT_OK && (!ft_image_empty(&img) || err.code != FT_E_INPUT))
            abort();
        if (ft_image_extent(&img) > mems[i].limit)
            abort();
        ft_image_free(&img);
    }
    return 0;
}
