#!/bin/bash
# One set of end-to-end cases run on two bridges: the MPSSE bridge (an
# emulated FT232H with a factory-fresh ATmega328P) and the dry bridge (-c
# dryrun: a factory-fresh chip in ftisp's memory). Where a case means the
# same on both, both must end the same: exit status, standard output, the
# files written. (Not here: a wrong part, which the dry chip cannot be, and
# the calibration byte, which the two chips hold differently.) Each case is one process (the dry chip lives in one), so
# it writes and reads back within one command line.
. "$(dirname "$0")/lib.sh"
export FTEMU_HOST_TIME=0
unset FTEMU_FAULT FTEMU_FUSES FTEMU_PART FTEMU_FLASH FTEMU_EEPROM FTEMU_ADAPTERS

randbin "$T/f.bin" 3000 41
bin2hex "$T/f.bin" "$T/f.hex"
randbin "$T/e.bin" 200 42
bin2hex "$T/e.bin" "$T/e.hex"

# name | arguments (OUT is replaced by the case's output file)
cases=(
    "flash write, read back|-U flash:w:$T/f.hex -U flash:r:OUT:r"
    "flash write then verify|-U flash:w:$T/f.hex -U flash:v:$T/f.hex"
    "verify against erased flash fails|-U flash:v:$T/f.hex"
    "eeprom write, read back|-U eeprom:w:$T/e.hex -U eeprom:r:OUT:i"
    "fuses read|-U fuses:r:-:h"
    "lock read|-U lock:r:-:h"
    "signature read|-U signature:r:-:h"
    "hfuse write (EESAVE), read back|-U hfuse:w:0xd1:m -U hfuse:r:-:h"
    "clock fuse refused without --allow|-U lfuse:w:0xff:m"
    "dry run writes nothing|-n -U flash:w:$T/f.hex -U flash:r:OUT:r"
    "erase, then eeprom reads erased|-e -U eeprom:r:OUT:r"
    "terminal write and dump|-T 'write eeprom 0 1 2 3' -T 'dump eeprom 0 4'"
    "terminal config|-T 'config eesave=ee_preserved' -T 'config eesave'"
    "every memory but calibration to one file|-U flash:w:$T/f.hex -U all,-calibration:r:OUT:I"
    "lock bits that stop reading refused|-U lock:w:0x3c:m"
    "page-aligned flash write of a whole image, verify|-U flash:w:$T/f.bin:r -U flash:v:$T/f.hex"
)
n=0
for c in "${cases[@]}"; do
    name=${c%%|*}; args=${c#*|}
    n=$((n + 1))
    for b in ft232h dryrun; do
        d=$T/$n-$b; mkdir -p "$d"
        a=${args//OUT/$d/out}
        part="-p m328p"
        case $a in "-p "*) part="" ;; esac
        eval "set -- -c $b $part $a"
        if [ $b = ft232h ]; then
            emu "$d" "$@"
        else
            timeout 60 "$FTISP" "$@" >"$d/stdout" 2>"$d/stderr"
            rc=$?
        fi
        echo "$rc" >"$d/rc"
    done
    m=$T/$n-ft232h; y=$T/$n-dryrun
    why=""
    cmp -s "$m/rc" "$y/rc" || why="exit $(cat "$m/rc") on MPSSE, $(cat "$y/rc") dry"
    cmp -s "$m/stdout" "$y/stdout" || why="$why; standard output differs"
    if [ -e "$m/out" ] || [ -e "$y/out" ]; then
        cmp -s "$m/out" "$y/out" || why="$why; the file read differs"
    fi
    if [ -z "$why" ]; then
        ok "$name: the same on both bridges (exit $(cat "$m/rc"))"
    else
        notok "$name:$why"
        diff "$m/stdout" "$y/stdout" | head -5 | sed 's/^/#   /'
        { tail -n 2 "$m/stderr"; tail -n 2 "$y/stderr"; } | sed 's/^/#   /'
    fi
done
finish
