#!/bin/bash
# Fuse safety judged by what a value selects (issue 9 point 4), against the
# emulated chip: each rule once, with the fuses the chip ends up with.
. "$(dirname "$0")/lib.sh"
export FTEMU_HOST_TIME=0

fuses_are() { cmp -s "$1/fuses.bin" <(printf "$2"); }

# An Arduino Uno (16 MHz crystal; low FF, high DE, extended FD).
uno() { rm -rf "$T/uno"; FTEMU_FUSES=ff,de,fd FTEMU_FCK=16000000 emu "$T/uno" -p m328p "$@"; }

uno -U lfuse:w:0xE2:m
check "Uno to the internal 8 MHz RC: accepted" rc_is 0
check "Uno to the internal 8 MHz RC: written" fuses_are "$T/uno" '\xe2\xde\xfd'

uno -U lfuse:w:0x7F:m
check "CKDIV8 alone: accepted" rc_is 0
uno -U lfuse:w:0xBF:m
check "CKOUT alone: accepted" rc_is 0
uno -U lfuse:w:0xCF:m
check "start-up time (SUT) alone: accepted" rc_is 0
uno -U lfuse:w:0xF7:m
check "8-16 MHz crystal to full-swing 0.4-20 MHz (covers it): accepted" rc_is 0

uno -U lfuse:w:0xE0:m
check "crystal to external clock: refused, exit 9" rc_is 9
check "refusal names the new source" says "lfuse 0xe0: it selects an external clock signal on XTAL1" "$T/uno/stderr"
check "refusal names the present source" says "now runs from an external crystal or resonator of 8 to 16 MHz" "$T/uno/stderr"
check "refusal leaves the fuses" fuses_are "$T/uno" '\xff\xde\xfd'

uno -U lfuse:w:0xE4:m
check "crystal to watch crystal: refused" rc_is 9

uno -U lfuse:w:0xFD:m
check "8-16 MHz crystal to a 3-8 MHz setting: refused" rc_is 9
check "range refusal says --fck" says "with --fck" "$T/uno/stderr"
uno --fck 8MHz -U lfuse:w:0xFD:m
check "3-8 MHz setting with --fck 8MHz (in range): accepted" rc_is 0

uno --allow=clock -U lfuse:w:0xE0:m
check "--allow=clock lifts the refusal" rc_is 0
check "--allow=clock: written" fuses_are "$T/uno" '\xe0\xde\xfd'

# A factory-fresh ATmega328P (internal RC / 8).
rm -rf "$T/new"; emu "$T/new" -p m328p -U lfuse:w:0xFF:m
check "internal RC to crystal: refused" rc_is 9
check "refusal says the chip runs from the internal RC" says "now runs from the internal RC oscillator of 8 MHz" "$T/new/stderr"
rm -rf "$T/new"; emu "$T/new" -p m328p -U lfuse:w:0xE3:m
check "internal RC to the 128 kHz oscillator: accepted" rc_is 0

# Two bytes in one run: the combination is judged (ATmega8: CKOPT in hfuse).
rm -rf "$T/m8"; FTEMU_PART=m8 FTEMU_FUSES=ff,c9 emu "$T/m8" -p m8 -U hfuse:w:0xD9:m
check "ATmega8 1-16 MHz crystal to 3-8 MHz by CKOPT: refused" rc_is 9
check "the refusal names hfuse" says "hfuse 0xd9" "$T/m8/stderr"
finish
