#!/bin/bash
# Fuses in words (issue 9 point 5): the diagnosis (no -U) and -v say what
# every setting means; a part without a setting does not show it.
. "$(dirname "$0")/lib.sh"
export FTEMU_HOST_TIME=0

diag() { rm -rf "$T/d"; emu "$T/d" "$@"; }

diag -p m328p
check "factory m328p: diagnosis exits 0" rc_is 0
check "factory m328p: clock source in words" says "clock source  the internal RC oscillator of 8 MHz" "$T/d/stderr"
check "factory m328p: CKDIV8 and the resulting clock" says "CKDIV8        programmed: the clock is divided by 8, the chip runs at 1 MHz" "$T/d/stderr"
check "factory m328p: start-up time" says "start-up      6 clocks from power-down, 14 clocks + 65 ms more after a reset" "$T/d/stderr"
check "factory m328p: boot section" says "boot section of 2048 words (4096 bytes): byte address 0x7000" "$T/d/stderr"
check "factory m328p: EESAVE" says "EESAVE        not programmed: a chip erase clears the EEPROM" "$T/d/stderr"
check "factory m328p: brown-out" says "brown-out     detection off" "$T/d/stderr"
check "factory m328p: lock bits" says "LB            no lock" "$T/d/stderr"
check "factory m328p: boot lock bits" says "BLB1          boot loader section: no restriction" "$T/d/stderr"
check "factory m328p: the bits stay for datasheet readers" says "lfuse 0x62  CKSEL=0010 SUT=10" "$T/d/stderr"

FTEMU_FUSES=ff,de,fd FTEMU_LOCK=0xcf diag -p m328p
check "Uno: crystal range" says "an external crystal or resonator of 8 to 16 MHz" "$T/d/stderr"
check "Uno: boot section in words and bytes with its start" says "boot section of 256 words (512 bytes): byte address 0x7e00 (word 0x3f00)" "$T/d/stderr"
check "Uno: BOOTRST" says "reset starts the boot loader at byte address 0x7e00" "$T/d/stderr"
check "Uno: brown-out in volts" says "below 2.7 V" "$T/d/stderr"
check "Uno: WDTON" says "WDTON         not programmed" "$T/d/stderr"
check "Uno: boot lock bits in words" says "BLB1          boot loader section: SPM may not write it" "$T/d/stderr"

FTEMU_PART=t85 diag -p t85
check "ATtiny85: diagnosis exits 0" rc_is 0
check "ATtiny85: no boot lock bits" bash -c "! grep -q BLB '$T/d/stderr'"
check "ATtiny85: no boot section" bash -c "! grep -qi 'boot' '$T/d/stderr'"
check "ATtiny85: SELFPRGEN" says "SELFPRGEN     not programmed" "$T/d/stderr"

rm -rf "$T/v"; emu "$T/v" -p m328p -v -U eeprom:w:0x01:m
check "-v with -U: exit 0" rc_is 0
check "-v with -U: fuses in words" says "clock source  the internal RC oscillator of 8 MHz" "$T/v/stderr"
emu "$T/v" -p m328p -U eeprom:w:0x01:m
check "without -v: no fuse words" bash -c "! grep -q 'clock source' '$T/v/stderr'"
finish
