#!/bin/bash
# The main job end to end: the real ftisp, through the real libftdi1, on the
# emulated FT232H + AVR; checked against the emulator's memory dumps.
. "$(dirname "$0")/lib.sh"
export FTEMU_FUSES=ff,de,fd   # Arduino-style board: 16 MHz crystal

# ATmega328P: a full 32 KiB image, written, verified, read back.
randbin "$T/a.bin" 32768 1
bin2hex "$T/a.bin" "$T/a.hex"
emu "$T/m328" -c ft232h -p m328p -U flash:w:"$T/a.hex":i
check "m328p: 32 KiB flash write exits 0" rc_is 0
check "m328p: emulated flash equals the file" same_at "$T/m328/flash.bin" "$T/a.bin" 0
emu "$T/m328" -p m328p -U flash:r:"$T/back.bin":r
check "m328p: flash read exits 0" rc_is 0
check "m328p: raw read-back equals the file" cmp -s "$T/back.bin" "$T/a.bin"
emu "$T/m328" -p m328p -U flash:v:"$T/a.hex"
check "m328p: -U flash:v matches" rc_is 0

# Every output format reads back as the same image (verify each with ftisp).
for f in i s r d h o b; do
    emu "$T/m328" -p m328p -U flash:r:"$T/out.$f":$f
    check "flash read as format $f exits 0" rc_is 0
    emu "$T/m328" -p m328p -U flash:v:"$T/out.$f":$f
    check "flash written as format $f verifies against the chip" rc_is 0
done

# ATmega2560: data across the 128 KiB boundary (Load Extended Address).
randbin "$T/b.bin" 8192 2
bin2hex "$T/b.bin" "$T/b.hex" 0x1F000
FTEMU_PART=m2560 emu "$T/m2560" -p m2560 -U flash:w:"$T/b.hex"
check "m2560: write across 128 KiB exits 0" rc_is 0
check "m2560: data sits at 0x1F000..0x21000" same_at "$T/m2560/flash.bin" "$T/b.bin" $((0x1F000))
FTEMU_PART=m2560 emu "$T/m2560" -p m2560 -U flash:r:"$T/b.out":i
check "m2560: flash read exits 0" rc_is 0
FTEMU_PART=m2560 emu "$T/m2560" -p m2560 -U flash:v:"$T/b.out":i
check "m2560: the read file verifies against the chip" rc_is 0

# ATtiny85.
randbin "$T/c.bin" 8192 3
bin2hex "$T/c.bin" "$T/c.hex"
FTEMU_PART=t85 FTEMU_FUSES=62,df,ff emu "$T/t85" -p t85 -U flash:w:"$T/c.hex"
check "t85: full flash write exits 0" rc_is 0
check "t85: emulated flash equals the file" same_at "$T/t85/flash.bin" "$T/c.bin" 0

finish
