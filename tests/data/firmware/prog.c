/* A tiny ATmega328P program whose build outputs the image tests read: code
 * in .text, initialised .data (loaded from flash), EEPROM via EEMEM, fuses
 * and lock bits, so the ELF carries every memory avr-gcc knows, the
 * signature included (avr/signature.h). */
#include <avr/eeprom.h>
#include <avr/io.h>
#include <avr/pgmspace.h>
#include <avr/signature.h>
#include <stdint.h>

FUSES = {
    .low = 0xE2,
    .high = 0xD9,
    .extended = 0xFD,
};
LOCKBITS = 0xFC;

uint8_t EEMEM ee_bytes[8] = {1, 2, 3, 4, 5, 6, 7, 8};
static const char greeting[] PROGMEM = "ftisp test image";
volatile uint8_t counter = 0x5A;

int main(void)
{
    DDRB |= _BV(DDB5);
    for (;;) {
        for (uint8_t i = 0; i < sizeof greeting; i++)
            counter += pgm_read_byte(&greeting[i]) + eeprom_read_byte(&ee_bytes[i & 7]);
        PORTB ^= _BV(PORTB5);
    }
}
