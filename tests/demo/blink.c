/* The demo's example program for an ATmega328P (an Arduino Uno's chip):
 * blinks the LED on PB5 (Uno pin 13) at about 1 Hz, with the blink count
 * kept in EEPROM so the .elf carries an EEPROM image too. Built with
 * -DWITH_FUSES, the ELF also carries fuses for the 16 MHz crystal
 * (the Uno's factory setting), so `ftisp -U lfuse:w:blink-fuses.elf:e`
 * has something to write. The build commands are in
 * tests/data/firmware/regen.sh. */
#include <avr/eeprom.h>
#include <avr/io.h>
#include <stdint.h>

#ifndef F_CPU
#define F_CPU 16000000UL
#endif
#include <util/delay.h>

#ifdef WITH_FUSES
FUSES = {
    .low = 0xFF,
    .high = 0xDE,
    .extended = 0xFD,
};
#endif

/* Seed values only: visible when reading the EEPROM back after programming. */
uint8_t EEMEM ee_magic[4] = {'b', 'l', 'n', 'k'};
uint16_t EEMEM ee_blinks = 0;

int main(void)
{
    uint16_t blinks = eeprom_read_word(&ee_blinks);
    DDRB |= _BV(DDB5);
    for (;;) {
        PORTB |= _BV(PORTB5);
        _delay_ms(500);
        PORTB &= (uint8_t)~_BV(PORTB5);
        _delay_ms(500);
        /* Saved once every 64 blinks so the EEPROM outlives the demo. */
        if ((++blinks & 63) == 0)
            eeprom_update_word(&ee_blinks, blinks);
    }
}
