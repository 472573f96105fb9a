/* An ATmega2560 program with a constant table placed (by regen.sh's
 * --section-start) so that flash data runs across the 64 KiB boundary: the
 * Intel HEX then needs an extended address record. */
#include <avr/io.h>
#include <avr/pgmspace.h>
#include <stdint.h>

#define ROW(n) (uint8_t)(n), (uint8_t)((n) + 1), (uint8_t)((n) + 2), (uint8_t)((n) + 3)
#define ROW16(n) ROW(n), ROW((n) + 4), ROW((n) + 8), ROW((n) + 12)
#define ROW64(n) ROW16(n), ROW16((n) + 16), ROW16((n) + 32), ROW16((n) + 48)
#define ROW256(n) ROW64(n), ROW64((n) + 64), ROW64((n) + 128), ROW64((n) + 192)

const uint8_t far_table[512] __attribute__((section(".fartable"), used)) = {
    ROW256(0), ROW256(7),
};

int main(void)
{
    DDRB = 0xFF;
    for (;;)
        PORTB++;
}
