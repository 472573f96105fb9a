/* libFuzzer target: the avrdude.conf reader used by -C, over a database
 * that already holds one part so `parent` can refer to it. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ftisp/partdb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char base[] =
    "part m328p\n name ATmega328P\n signature 0x1e 0x95 0x0f\n"
    " memory flash\n  size 32768\n  page 128\n end\n"
    " fuse lfuse\n  field CKSEL 0x0f\n  field CKDIV8 0x80\n end\n"
    " clock lfuse 0x0f 0x02 rc 8M 8M\nend\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ft_partdb db;
    ft_err err = {0};
    ft_partdb_init(&db);
    if (ft_partdb_parse(&db, "base", base, sizeof base - 1, &err) != FT_OK)
        abort();
    if (ft_partdb_parse_avrdude(&db, "fuzz.conf", (const char *)data, size, &err) == FT_OK) {
        for (int i = 0; i < db.nparts; i++) {
            uint8_t f[FT_MAX_FUSES] = {0x62, 0xd9, 0xff};
            char why[64];
            ft_part_clock_hz(&db.parts[i], f, 0, why, sizeof why);
            (void)ft_partdb_find(&db, db.parts[i].id);
        }
    } else if (err.code == FT_OK || strlen(err.msg) == 0) {
        abort();
    }
    ft_partdb_free(&db);
    return 0;
}
