/* Fuzzes the byte-list reader (m, d, h, o, b) and checks that each list
 * format written from an accepted image reads back the same. */
#include <stdint.h>
#include <stdlib.h>

#include "ftisp/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ft_image img;
    ft_err err;
    ft_err_clear(&err);
    ft_image_init(&img, 4096);
    ft_format in = size && (data[0] & 1) ? FT_FMT_IMM : FT_FMT_DEC;
    if (ft_image_parse(&img, "fuzz", data, size, in, "eeprom", &err) != FT_OK) {
        if (!ft_image_empty(&img) || err.code != FT_E_INPUT)
            abort();
        ft_image_free(&img);
        return 0;
    }
    static const ft_format outs[] = {FT_FMT_DEC, FT_FMT_HEX, FT_FMT_OCT, FT_FMT_BIN};
    for (size_t i = 0; i < 4; i++) {
        char *out;
        size_t len;
        if (ft_image_format(&img, outs[i], &out, &len, &err) != FT_OK)
            abort();
        ft_image back;
        ft_image_init(&back, 4096);
        if (ft_image_parse(&back, "back", (const uint8_t *)out, len, outs[i], "eeprom", &err) != FT_OK ||
            !ft_image_matches(&img, &back, NULL) || ft_image_count(&back) != ft_image_extent(&img))
            abort();
        ft_image_free(&back);
        free(out);
    }
    ft_image_free(&img);
    return 0;
}
