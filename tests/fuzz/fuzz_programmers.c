/* libFuzzer target: programmer entries of avrdude.conf files (-C,
 * ~/.avrduderc) over the built-in programmers, so `parent` can name them.
 * Invariants: an accepted entry has an id, a RESET pin off the SPI pins and
 * buffer/LED pins within 0..15; a refusal has a message. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ftisp/partdb.h"
#include "ftisp/progdb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ft_partdb db;
    ft_progdb pdb;
    ft_err err = {0};
    ft_partdb_init(&db);
    if (ft_progdb_init(&pdb, &err) != FT_OK)
        abort();
    if (ft_avrdude_parse(&db, &pdb, "fuzz.conf", (const char *)data, size, &err) == FT_OK) {
        for (int i = 0; i < pdb.n; i++) {
            const ft_programmer *p = &pdb.v[i];
            if (!p->id[0] || p->reset_pin < 3 || p->reset_pin > 15 || (p->buff_pins & 7))
                abort();
            for (int k = 0; k < FT_LEDS; k++)
                if (p->led_pin[k] > 15 || (p->led_pin[k] >= 0 && p->led_pin[k] < 3))
                    abort();
            if (ft_progdb_find(&pdb, p->id) == NULL)
                abort();
        }
    } else if (err.code == FT_OK || strlen(err.msg) == 0) {
        abort();
    }
    ft_progdb_free(&pdb);
    ft_partdb_free(&db);
    return 0;
}
