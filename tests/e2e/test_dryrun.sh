#!/bin/bash
# -c dryrun: the part's memories in host memory, no USB, the rules of a real
# chip (flash bits only 1->0 without an erase, lock bits, EESAVE, SPIEN).
. "$(dirname "$0")/lib.sh"
dry() { "$FTISP" -c dryrun "$@" >"$T/out" 2>"$T/err"; rc=$?; }

dry -p m328p
check "diagnosis with no adapter: exit 0" rc_is 0
check "factory fuses: lfuse 0x62" says "lfuse 0x62" "$T/err"
check "factory fuses: hfuse 0xd9" says "hfuse 0xd9" "$T/err"
check "no USB touched (no adapter message)" sh -c "! grep -qi 'adapter' '$T/err'"

printf ':0400000001020304F2\n:00000001FF\n' >"$T/d.hex"
dry -p m328p -U flash:w:"$T/d.hex" -U flash:r:"$T/f.bin":r -U eeprom:w:1,2,3:m -U ee:r:-:h
check "write, read back, EEPROM: exit 0" rc_is 0
check "flash read back holds the file" cmp -s "$T/f.bin" <(printf '\x01\x02\x03\x04')
check "EEPROM holds 1 2 3" grep -q "^0x01,0x02,0x03,0xff" "$T/out"

# flash bits only go 1 -> 0 without an erase: -D over 01 02 needs an erase
dry -p m328p -U flash:w:"$T/d.hex" -D -U flash:w:0xfe,0x03:m
check "-D 1->0-only change impossible: verify error (8)" rc_is 8
check "verify error says the flash was not erased" says "was not erased" "$T/err"
dry -p m328p -U flash:w:"$T/d.hex" -U flash:w:0x00,0x02:m -U flash:r:-:h
check "0->0 and 1->0 changes without erase: exit 0" rc_is 0
check "flash now 00 02" grep -q "^0x00,0x02" "$T/out"

# SPIEN cannot be changed over ISP; dangerous fuses refused as on a chip
dry -p m328p -U hfuse:w:0x59:m
check "RSTDISBL refused on dryrun too (9)" rc_is 9
dry -p m328p --allow=lock -U lock:w:0xfc:m -U eeprom:w:7:m -U ee:r:-:h
check "lock bits written with --allow=lock" rc_is 0
dry -p m328p -U lock:w:0xfc:m
check "lock refused without --allow (9)" rc_is 9

dry -p m2560 -U flash:w:"$T/d.hex" -U sig:r:-:h
check "m2560 dryrun: exit 0" rc_is 0
check "m2560 signature" grep -q "^0x1e,0x98,0x01" "$T/out"

dry -c ? 
check "-c ? lists dryrun" grep -q "^dryrun" "$T/out"

# The dry chip's clock takes the FT232H's steps: the SCK a dry run reports is
# the one the emulated FT232H uses on the same factory chip (212.8 kHz).
"$FTISP" -c dryrun -p m328p -v >/dev/null 2>"$T/dry.err"
LD_PRELOAD=$EMU FTEMU_HOST_TIME=0 "$FTISP" -c ft232h -p m328p -v >/dev/null 2>"$T/emu.err"
d=$(grep -o "SCK [0-9.]* kHz, 5 %" "$T/dry.err" | head -1); e=$(grep -o "SCK [0-9.]* kHz, 5 %" "$T/emu.err" | head -1)
check "dry run and FT232H report the same SCK (${d:-none} / ${e:-none})" test -n "$d" -a "$d" = "$e" -a "$d" = "SCK 212.8 kHz, 5 %"
finish
