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
randbin "$T/t.bin" 700 43
bin2hex "$T/t.bin" "$T/t.hex"
randbin "$T/t2.bin" 64 44

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
    # TPI (the ATtiny10; the MPSSE side's emulated chip is one too): the dry
    # bridge decodes the TPI frames in the same bits the FT232H clocks out
    "t10: flash write, read back|-p t10 -U flash:w:$T/t.hex -U flash:r:OUT:r"
    "t10: flash write then verify|-p t10 -U flash:w:$T/t.hex -U flash:v:$T/t.hex"
    "t10: verify against erased flash fails|-p t10 -U flash:v:$T/t.hex"
    "t10: -D over written flash fails its verify (bits only 1 -> 0)|-p t10 -D -U flash:w:$T/t.hex -U flash:w:$T/t2.bin:r"
    "t10: fuse, lock, signature, sram read|-p t10 -U fuse:r:-:h -U lock:r:-:h -U signature:r:-:h -U sram:r:-:h"
    "t10: configuration byte written, read back|-p t10 -U fuse:w:0xfb:m -U fuse:r:-:h"
    "t10: terminal config there and back (a section erase)|-p t10 -T 'config ckout=clock_output_enabled' -T 'config ckout=clock_output_disabled' -T 'config'"
    "t10: RSTDISBL refused without --allow|-p t10 -U fuse:w:0xfe:m"
    "t10: lock bits set after the flash, flash verifies|-p t10 --allow lock -U lock:w:0xfc:m -U flash:w:$T/t.hex -U lock:r:-:h"
)
n=0
for c in "${cases[@]}"; do
    name=${c%%|*}; args=${c#*|}
    n=$((n + 1))
    for b in ft232h dryrun; do
        d=$T/$n-$b; mkdir -p "$d"
        a=${args//OUT/$d/out}
        part="-p m328p" ep=""
        case $a in "-p "*) part="" ep=${a#-p }; ep=${ep%% *} ;; esac
        eval "set -- -c $b $part $a"
        if [ $b = ft232h ] && [ -n "$ep" ]; then
            FTEMU_PART=$ep emu "$d" "$@"
        elif [ $b = ft232h ]; then
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
