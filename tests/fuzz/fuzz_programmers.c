/* libFuzzer target: programmer entries of avrdude.conf files (-C,
 * ~/.avrduderc) over the built-in programmers, so `parent` can name them.
 * Invariants: an accepted entry has an id and can be found by it; one that
 * ftisp would drive has pins its bridge can use (MPSSE: RESET off the SPI
 * pins, buffer and LED pins within 3..15; bit-bang: four distinct pins of
 * D0-D7); a refusal has a message. Entries ftisp does not drive are judged
 * only when selected, so anything goes for them here. */
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
            if (!p->id[0] || ft_progdb_find(&pdb, p->id) == NULL)
                abort();
            if (p->problem[0])   /* judged unusable: nothing more to hold */
                continue;
            if (strcmp(p->type, "avrftdi") == 0) {
                if (p->reset_pin < 3 || p->reset_pin > 15 || (p->buff_pins & 7))
                    abort();
                for (int k = 0; k < FT_LEDS; k++)
                    if (p->led_pin[k] > 15 || (p->led_pin[k] >= 0 && p->led_pin[k] < 3))
                        abort();
            } else if (strcmp(p->type, "ftdi_syncbb") == 0) {
                const int pins[4] = {p->reset_pin, p->sck_pin, p->sdo_pin, p->sdi_pin};
                for (int a = 0; a < 4; a++) {
                    if (pins[a] < 0 || pins[a] > 7)
                        abort();
                    for (int b = 0; b < a; b++)
                        if (pins[a] == pins[b])
                            abort();
                }
            }
        }
    } else if (err.code == FT_OK || strlen(err.msg) == 0) {
        abort();
    }
    ft_progdb_free(&pdb);
    ft_partdb_free(&db);
    return 0;
}
