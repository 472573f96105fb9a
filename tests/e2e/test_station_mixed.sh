#!/bin/bash
# The station with mixed adapters: -P usb:all over two FT232H and two FT232R
# boards. Each adapter gets the bridge its chip has: an FT232H-family chip
# MPSSE (with -c's wiring when -c is an avrftdi entry, else ft232h's), an
# FT232R/FT-X bit-bang (with -c's wiring when -c is an ftdi_syncbb entry,
# else arduino-ft232r's). Every board written and verified, one JSON line
# per board naming its adapter.
. "$(dirname "$0")/lib.sh"
export FTEMU_FUSES=ff,de,fd FTEMU_HOST_TIME=0
unset FTEMU_SYNCBB_PINS FTEMU_FAULT
export FTEMU_ADAPTERS=ft232h:H1,ft232h:H2,ft232r:R1,ft232r:R2
STATION_TIMEOUT=60
. "$(dirname "$0")/station_lib.sh"
# the flash dump of adapter S in run DIR (the first adapter's process dumps
# at the top, the others under their serial number)
dump() { if [ -e "$1/$2/flash.bin" ]; then echo "$1/$2/flash.bin"; else echo "$1/flash.bin"; fi; }
all_written() {
    local d=$1 s
    for s in H1 H2 R1 R2; do same_at "$(dump "$d" $s)" "$T/img.bin" 0 || { echo "# $s not written" >&2; return 1; }; done
}

randbin "$T/img.bin" 3000 31
bin2hex "$T/img.bin" "$T/img.hex"
WANT="len(L)==4 and sorted(j['station']['adapter'] for j in L)==['H1','H2','R1','R2'] and all(j['result']=='ok' for j in L)"

for c in ft232h arduino-ft232r; do
    station "$T/$c" -c $c -p m328p -P usb:all -U flash:w:"$T/img.hex" --json
    check "-c $c -P usb:all over 2 FT232H + 2 FT232R: exit 0" rc_is 0
    check "-c $c: one ok JSON line per board, naming its adapter" jsonl "$T/$c/stdout" "$WANT"
    check "-c $c: all four boards written and verified" all_written "$T/$c"
    check "-c $c: each adapter by its chip's bridge (MPSSE for H1 H2, bit-bang for R1 R2)" jsonl "$T/$c/stdout" \
        "all(('bit-bang' in j['adapter']['description']) == j['station']['adapter'].startswith('R') and
             j['adapter']['description'].startswith('FT232' + ('R' if j['station']['adapter'][0] == 'R' else 'H'))
             for j in L)"
done

# -c's own wiring for its family: ft232r (TXD=SDO... 4,0,2,1) on boards wired so
FTEMU_SYNCBB_PINS=4,0,2,1 station "$T/ft232r" -c ft232r -p m328p -P usb:all -U flash:w:"$T/img.hex" --json
check "-c ft232r: the FT232R boards wired as ft232r, the FT232H ones as ft232h: all four ok" \
    eval 'rc_is 0 && jsonl "$T/ft232r/stdout" "$WANT" && all_written "$T/ft232r"'
# ...and arduino-ft232r's wiring is not used then: boards wired as ft232r fail under -c arduino-ft232r
FTEMU_SYNCBB_PINS=4,0,2,1 station "$T/wrongw" -c arduino-ft232r -p m328p -P usb:all -U flash:w:"$T/img.hex" --json
check "-c arduino-ft232r on FT232R boards wired as ft232r: those two fail, the FT232H two pass" \
    jsonl "$T/wrongw/stdout" "sorted(j['station']['adapter'] for j in L if j['result']=='ok')==['H1','H2']"
finish
