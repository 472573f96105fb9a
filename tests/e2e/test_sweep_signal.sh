#!/bin/bash
# Sweep: Ctrl-C (SIGINT), SIGTERM and SIGHUP at many points of a flash write
# on an ATmega328P whose EEPROM holds data (the emulator's signal_after=N:SIG
# raises the signal in the process after N USB transfers), then a plain
# re-run: the flash written and the EEPROM and fuses as they were, every time.
. "$(dirname "$0")/sweep_lib.sh"
sweep_setup

fresh
emu "$T/c" -p m328p -U flash:w:"$T/new.hex"
check "signal sweep: clean run exits 0" rc_is 0
total=$(stat_of "$T/c/stats.json" "transfers_out + transfers_in")

# Every 3rd transfer where the EEPROM is at stake (before the first page
# write), every 25th after; the signal number walks INT, TERM, HUP.
points=$(python3 - "$total" "$STRIDE" <<'PY'
import sys
total, stride = map(int, sys.argv[1:])
ns = sorted(set(list(range(2, min(total, 110), 3)) + list(range(110, total, 25))))[::stride]
sigs = [2, 15, 1]
print(" ".join(f"{n}:{sigs[i % 3]}" for i, n in enumerate(ns)))
PY
)
runs=0 correct=0 reported=0 silent=0 unfinished=0 bad=""
for p in $points; do
    fresh
    # (the shell would report each signal death on its standard error)
    { FTEMU_FAULT=signal_after=$p emu "$T/c" -p m328p -U flash:w:"$T/new.hex"; } 2>/dev/null
    runs=$((runs + 1))
    if [ "$rc" -eq 0 ]; then
        if chip_right; then correct=$((correct + 1)); else silent=$((silent + 1)); bad="$bad $p"; fi
        continue
    fi
    reported=$((reported + 1))
    emu "$T/c" -p m328p -U flash:w:"$T/new.hex"
    if rc_is 0 && chip_right; then correct=$((correct + 1)); else unfinished=$((unfinished + 1)); bad="$bad $p(rerun)"; fi
done
echo "# signal sweep: $total transfers; runs $runs, right in the end $correct, stopped by the signal" \
    "$reported, silent losses $silent, not finished by a re-run $unfinished${bad:+ at$(echo $bad | cut -d" " -f1-20)}"
check "signal sweep: $runs runs, no exit 0 with a wrong chip" [ "$silent" -eq 0 ]
check "signal sweep: a plain re-run finished the job every time" [ "$unfinished" -eq 0 ]
finish
