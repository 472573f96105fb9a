/* libFuzzer target: ftisp's parts.conf reader, then lookups and the clock
 * computation on whatever parts it accepted. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ftisp/partdb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ft_partdb db;
    ft_err err = {0};
    ft_partdb_init(&db);
    if (ft_partdb_parse(&db, "fuzz.conf", (const char *)data, size, &err) == FT_OK) {
        for (int i = 0; i < db.nparts; i++) {
            const ft_part *p = &db.parts[i];
            uint8_t f[FT_MAX_FUSES] = {size ? data[0] : 0, size > 1 ? data[1] : 0xff, 0xff};
            char why[96];
            ft_part_clock_hz(p, f, size > 2 ? data[2] * 100000u : 0, why, sizeof why);
            (void)ft_partdb_find(&db, p->name);
            (void)ft_part_field(p, "CKSEL", NULL);
            (void)ft_part_mem_size(p, "efuse");
            uint8_t b[FT_CONFIG_BYTES] = {f[0], f[1], f[2], size > 3 ? data[3] : 0xff};
            ft_config_item items[8];
            ft_err e2 = {0};
            (void)ft_config_list(p, b, items, 8);
            (void)ft_config_match(p, b, "*b?", items, 8);
            (void)ft_config_assign(p, b, "e*=1", items, &e2);
            ft_err_clear(&e2);
            (void)ft_config_set(p, b, "s", "x*", items, &e2);
        }
    } else if (err.code == FT_OK || strlen(err.msg) == 0) {
        abort();   /* a failure must say why */
    }
    ft_partdb_free(&db);
    return 0;
}
