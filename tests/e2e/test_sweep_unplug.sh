#!/bin/bash
# Sweep: the cable pulled after every USB transfer of a flash write on an
# ATmega328P whose EEPROM holds data, then a plain re-run with no fault. The
# invariant: a run that exits 0 leaves the chip right; one that fails says so,
# and the re-run ends with the flash written and the EEPROM and fuses as they
# were, every time.
. "$(dirname "$0")/sweep_lib.sh"
sweep_setup

fresh
emu "$T/c" -p m328p -U flash:w:"$T/new.hex"
check "unplug sweep: clean run exits 0" rc_is 0
check "unplug sweep: clean run leaves the chip right" chip_right
total=$(stat_of "$T/c/stats.json" "transfers_out + transfers_in")

runs=0 correct=0 reported=0 silent=0 unfinished=0 bad=""
for ((n = 1; n <= total; n += STRIDE)); do
    fresh
    FTEMU_FAULT=unplug_after=$n emu "$T/c" -p m328p -U flash:w:"$T/new.hex"
    runs=$((runs + 1))
    if [ "$rc" -eq 0 ]; then
        if chip_right; then correct=$((correct + 1)); else silent=$((silent + 1)); bad="$bad $n"; fi
        continue
    fi
    reported=$((reported + 1))
    # a failure after the chip was touched says how to finish
    # pulled while the pins were let go after a passed verify: the chip is
    # right and the run says there is nothing to run again
    chip_untouched || grep -q "run the same command again" "$T/c/stderr" ||
        { grep -q "nothing to run again for this chip" "$T/c/stderr" && chip_right; } ||
        { unfinished=$((unfinished + 1)); bad="$bad $n(msg)"; }
    emu "$T/c" -p m328p -U flash:w:"$T/new.hex"
    if rc_is 0 && chip_right; then correct=$((correct + 1)); else unfinished=$((unfinished + 1)); bad="$bad $n(rerun)"; fi
done
echo "# unplug sweep: $total transfers, every ${STRIDE}th: runs $runs, correct in the end $correct," \
    "reported failures $reported, silent losses $silent, not finished by a re-run $unfinished${bad:+ at$(echo $bad | cut -d" " -f1-20)}"
check "unplug sweep: $runs runs, no exit 0 with a wrong chip" [ "$silent" -eq 0 ]
check "unplug sweep: every failure said what to do and a re-run finished the job" [ "$unfinished" -eq 0 ]
check "unplug sweep: every run ended with a right chip" [ "$correct" -eq "$runs" ]
check "unplug sweep: no journal left behind" [ -z "$(ls -A "$XDG_STATE_HOME/ftisp" 2>/dev/null)" ]

# A part without EESAVE (ATmega163, 512-byte EEPROM written back byte by
# byte from the copy on disk): every 20th transfer of a 1 KiB flash write.
mkdir -p "$T/init163"
head -c 512 "$T/init/eeprom.bin" >"$T/init163/eeprom.bin"
head -c 1024 "$T/new.bin" >"$T/new163.bin"
fresh163() { rm -rf "$T/c" "$XDG_STATE_HOME"; cp -r "$T/init163" "$T/c"; }
right163() { same_at "$T/c/flash.bin" "$T/new163.bin" 0 && cmp -s "$T/c/eeprom.bin" "$T/init163/eeprom.bin"; }
export FTEMU_PART=m163
fresh163
emu "$T/c" -p m163 -U flash:w:"$T/new163.bin":r
check "unplug sweep, no EESAVE: clean run leaves the chip right" eval 'rc_is 0 && right163'
total=$(stat_of "$T/c/stats.json" "transfers_out + transfers_in")
runs=0 correct=0 reported=0 silent=0 unfinished=0 bad=""
for ((n = 1; n <= total; n += 20 * STRIDE)); do
    fresh163
    FTEMU_FAULT=unplug_after=$n emu "$T/c" -p m163 -U flash:w:"$T/new163.bin":r
    runs=$((runs + 1))
    if [ "$rc" -eq 0 ]; then
        if right163; then correct=$((correct + 1)); else silent=$((silent + 1)); bad="$bad $n"; fi
        continue
    fi
    reported=$((reported + 1))
    emu "$T/c" -p m163 -U flash:w:"$T/new163.bin":r
    if rc_is 0 && right163; then correct=$((correct + 1)); else unfinished=$((unfinished + 1)); bad="$bad $n(rerun)"; fi
done
echo "# unplug sweep, no EESAVE (m163): $total transfers, every $((20 * STRIDE))th: runs $runs, correct in the end" \
    "$correct, reported failures $reported, silent losses $silent, not finished by a re-run $unfinished${bad:+ at$(echo $bad | cut -d" " -f1-20)}"
check "unplug sweep, no EESAVE: $runs runs, no exit 0 with a wrong chip" [ "$silent" -eq 0 ]
check "unplug sweep, no EESAVE: a re-run finished the job every time" [ "$unfinished" -eq 0 ]
finish
