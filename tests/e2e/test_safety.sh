#!/bin/bash
# Nothing lost: each failure stops before the chip is changed, with its own
# exit status and a message that says what to look at.
. "$(dirname "$0")/lib.sh"
export FTEMU_FUSES=ff,de,fd

randbin "$T/a.bin" 4096 7
bin2hex "$T/a.bin" "$T/a.hex"
# A programmed chip to protect.
emu "$T/chip" -p m328p -U flash:w:"$T/a.hex" -U eeprom:w:0x11,0x22,0x33:m
check "setup: chip programmed" rc_is 0
cp "$T/chip/flash.bin" "$T/flash.before"; cp "$T/chip/eeprom.bin" "$T/eeprom.before"
untouched() { cmp -s "$T/chip/flash.bin" "$T/flash.before" && cmp -s "$T/chip/eeprom.bin" "$T/eeprom.before"; }

# A bad file: checksum error, named by file and line; exit 3; no erase.
sed '3s/..$/00/' "$T/a.hex" >"$T/bad.hex"
emu "$T/chip" -p m328p -U flash:w:"$T/bad.hex"
check "bad checksum: exit status 3" rc_is 3
check "bad checksum: message names file:line" says "bad.hex:3:" "$T/chip/stderr"
check "bad checksum: chip untouched" untouched

# A file that does not fit the part.
randbin "$T/big.bin" 40000 8
emu "$T/chip" -p m328p -U flash:w:"$T/big.bin":r
check "too big for the part: exit status 3" rc_is 3
check "too big for the part: chip untouched" untouched

# Unknown part, unknown memory, bad option.
emu "$T/chip" -p m329999 -U flash:w:"$T/a.hex"
check "unknown part: exit status 3" rc_is 3
emu "$T/chip" -p m328p -U flosh:w:"$T/a.hex"
check "unknown memory: exit status 2" rc_is 2
check "unknown memory: message lists the memories" says "flash, eeprom" "$T/chip/stderr"
emu "$T/chip" -p m328p --bogus
check "unknown option: exit status 2" rc_is 2

# Wrong part: the signature stops it before any erase.
emu "$T/chip" -p m2560 -U flash:w:"$T/a.hex"
check "wrong signature: exit status 7" rc_is 7
check "wrong signature: message names the chip found" says "ATmega328P" "$T/chip/stderr"
check "wrong signature: chip untouched" untouched

# No adapter.
FTEMU_FAULT=nodevice emu "$T/chip" -p m328p -U flash:w:"$T/a.hex"
check "no adapter: exit status 4" rc_is 4
check "no adapter: chip untouched" untouched

# No target answering (MISO stuck).
FTEMU_FAULT=no_target emu "$T/chip" -p m328p -U flash:w:"$T/a.hex"
check "no target: exit status 6" rc_is 6
check "no target: message mentions wiring" says -i "wiring" "$T/chip/stderr"
check "no target: says how many tries at how many SCK speeds" \
    says -xE 'ftisp: target does not answer Programming Enable \([0-9]+ tries at [0-9]+ SCK speeds, down to [0-9]+ Hz; .*' \
    "$T/chip/stderr"

# Fuses that lock the user out are refused, with what they do.
emu "$T/chip" -p m328p -U hfuse:w:0x5e:m
check "RSTDISBL refused: exit status 9" rc_is 9
check "RSTDISBL refused: message explains" says "RSTDISBL" "$T/chip/stderr"
emu "$T/chip" -p m328p -U hfuse:w:0x9e:m
check "DWEN refused: exit status 9" rc_is 9
emu "$T/chip" -p m328p -U lfuse:w:0xe0:m
check "clock source the board may lack refused: exit status 9" rc_is 9
emu "$T/chip" -p m328p -U lock:w:0xfc:m
check "lock bits refused: exit status 9" rc_is 9
emu "$T/chip" -p m328p -U flash:w:"$T/a.hex" -U lock:w:0xfc:m
check "refusal comes before any erase" untouched
check "fuses unchanged after refusals" cmp -s "$T/chip/fuses.bin" <(printf '\xff\xde\xfd')

# The automatic erase keeps the EEPROM; -e does not.
randbin "$T/z.bin" 4096 9
bin2hex "$T/z.bin" "$T/z.hex"
emu "$T/chip" -p m328p -U flash:w:"$T/z.hex"
check "rewrite: exit 0" rc_is 0
check "auto erase kept the EEPROM" cmp -s -n 3 "$T/chip/eeprom.bin" <(printf '\x11\x22\x33')
emu "$T/chip" -p m328p -e -U flash:w:"$T/z.hex"
check "-e: exit 0" rc_is 0
check "-e erased the EEPROM" cmp -s -n 3 "$T/chip/eeprom.bin" <(printf '\xff\xff\xff')

# -D over a programmed chip: the hardware ANDs, the verify says so.
emu "$T/chip" -p m328p -D -U flash:w:"$T/a.hex"
check "-D over other data: exit status 8" rc_is 8
check "-D: message says verify error" says "verify error" "$T/chip/stderr"

# -n writes nothing.
cp "$T/chip/flash.bin" "$T/flash.before"; cp "$T/chip/eeprom.bin" "$T/eeprom.before"
emu "$T/chip" -p m328p -n -U flash:w:"$T/a.hex" -U eeprom:w:1,2,3:m
check "-n: exit 0" rc_is 0
check "-n: nothing written" untouched

# A cable pulled mid-write: a clear error within a second, exit status 5.
start=$(date +%s.%N)
FTEMU_FAULT=unplug_after=40 emu "$T/chip" -p m328p -U flash:w:"$T/a.hex"
end=$(date +%s.%N)
check "unplugged: exit status 5" rc_is 5
check "unplugged: error within 2 s of wall time" python3 -c "import sys; sys.exit(0 if $end - $start < 2 else 1)"
check "unplugged: message says the adapter was lost" says -i "lost\|unplug\|disconnect" "$T/chip/stderr"

finish
