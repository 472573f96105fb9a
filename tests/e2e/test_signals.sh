#!/bin/bash
# Ctrl-C and its kin (SIGINT, SIGTERM, SIGHUP) at many points of a run: the
# emulator raises the signal in ftisp after N USB transfers. Every time:
# exit 128+signal, the chip's state said, the --json object written and
# valid, RESET released (the emulator's reset_level at exit), no instruction
# sent to a busy target (a write is waited out, not cut); then a plain re-run
# finishes the job.
. "$(dirname "$0")/lib.sh"
export FTEMU_HOST_TIME=0
SCHEMA=$ROOT/tests/data/ftisp-result.schema.json

# json_ok FILE EXPR: one valid JSON object on FILE for which EXPR holds
json_ok() {
    python3 - "$SCHEMA" "$1" "$2" <<'PY'
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
lines = open(sys.argv[2]).read().splitlines()
assert len(lines) == 1, "expected one line of JSON, got %d" % len(lines)
j = json.loads(lines[0])
jsonschema.validate(j, schema)
assert eval(sys.argv[3]), sys.argv[3]
PY
}
# stat_is DIR KEY VALUE: stats.json's KEY (dotted) equals VALUE (python literal)
stat_is() {
    python3 -c "import json,sys; j=json.load(open(sys.argv[1]+'/stats.json'))
for k in sys.argv[2].split('.'): j=j[k]
sys.exit(0 if j==eval(sys.argv[3]) else 1)" "$@"
}

randbin "$T/a.bin" 6000 21
bin2hex "$T/a.bin" "$T/a.hex"
randbin "$T/e.bin" 64 22
ARGS=(-p m328p --json -U lfuse:w:0xe2:m -U flash:w:"$T/a.hex" -U eeprom:w:"$T/e.bin":r
      -U flash:r:"$T/back.hex")

# How many transfers a whole run takes.
emu "$T/full" "${ARGS[@]}"
check "whole run exits 0" rc_is 0
total=$(python3 -c "import json; j=json.load(open('$T/full/stats.json')); print(j['transfers_out']+j['transfers_in'])")

# make test (FTISP_QUICK) takes 6 points of the run, make check 24
points=24
[ -n "${FTISP_QUICK:-}" ] && points=6
bad=0 runs=0 partly=0 erased=0
for ((n = 3; n < total; n += total / points + 1)); do
    d=$T/sig$n
    printf 'old backup\n' >"$T/back.hex"
    FTEMU_FAULT=signal_after=$n:INT emu "$d" "${ARGS[@]}"
    runs=$((runs + 1))
    why=""
    [ "$rc" -eq 130 ] || why="$why exit $rc"
    grep -q "interrupted (SIGINT)" "$d/stderr" || why="$why no-message"
    grep -q "^ftisp: chip: " "$d/stderr" || why="$why no-state"
    grep -q "RESET released" "$d/stderr" || why="$why no-reset-word"
    json_ok "$d/stdout" "j['exit_status']==130 and j['signal']=='SIGINT' and j['result']=='interrupted' and j['state']" \
        2>/dev/null || why="$why json"
    stat_is "$d" reset_level "[1]" || why="$why reset-held"
    stat_is "$d" violations.sent_while_busy 0 || why="$why busy"
    # the backup is the old file, unless the read was done: then all of it
    if grep -q "^ftisp: chip: done:[^;]*flash read" "$d/stderr"; then
        srec_cat "$T/back.hex" -intel -o "$T/back.bin" -binary 2>/dev/null &&
            cmp -s "$T/back.bin" "$T/a.bin" || why="$why backup-not-whole"
    else
        [ "$(cat "$T/back.hex")" = "old backup" ] || why="$why backup-touched"
    fi
    grep -q "flash partly written" "$d/stderr" && partly=$((partly + 1))
    grep -q "chip erase" "$d/stderr" && erased=$((erased + 1))
    # a plain re-run finishes the job
    emu "$d" "${ARGS[@]}"
    [ "$rc" -eq 0 ] || why="$why rerun-exit-$rc"
    same_at "$d/flash.bin" "$T/a.bin" 0 || why="$why rerun-flash"
    same_at "$d/eeprom.bin" "$T/e.bin" 0 || why="$why rerun-eeprom"
    if [ -n "$why" ]; then
        bad=$((bad + 1))
        echo "# signal after $n transfers:$why" >&2
    fi
done
echo "# $runs runs, signal after 3..$total transfers: $partly during the flash write, $erased after the erase"
check "SIGINT at $runs points: exit 130, state said, JSON, RESET released, nothing sent to a busy target, re-run finishes" \
    [ "$bad" -eq 0 ]
check "the sweep hit the flash write and the time after the erase" [ "$partly" -gt 0 -a "$erased" -gt 0 ]

# Named phases, read from -v output of the whole run: one signal in each.
mid() { # the transfer number halfway through a phase, by a bisection on its message
    local phase=$1 lo=1 hi=$total
    while [ $((hi - lo)) -gt 1 ]; do
        local m=$(((lo + hi) / 2))
        rm -rf "$T/probe"
        FTEMU_FAULT=signal_after=$m:INT emu "$T/probe" "${ARGS[@]}"
        if grep -q "$phase" "$T/probe/stderr"; then hi=$m; else lo=$m; fi
    done
    echo "$hi"
}
printf 'old backup\n' >"$T/back.hex"
n=$(mid "verifying flash")
FTEMU_FAULT=signal_after=$n:TERM emu "$T/term" "${ARGS[@]}"
check "SIGTERM during the verify: exit 143" rc_is 143
check "SIGTERM during the verify: flash written but not verified" says "flash written but not verified" "$T/term/stderr"
check "SIGTERM: JSON names it" json_ok "$T/term/stdout" "j['signal']=='SIGTERM' and j['exit_status']==143"
check "SIGTERM: RESET released" stat_is "$T/term" reset_level "[1]"

n=$(mid "erasing chip")
FTEMU_FAULT=signal_after=$n:HUP emu "$T/hup" "${ARGS[@]}"
check "SIGHUP at the erase: exit 129" rc_is 129
check "SIGHUP at the erase: the erase was finished, not cut" stat_is "$T/hup" violations.sent_while_busy 0
check "SIGHUP: RESET released" stat_is "$T/hup" reset_level "[1]"

# A read cut short leaves the old file as it was (see also test_files.sh).
printf 'old backup\n' >"$T/back.hex"
# (after the start-up reads: signature, fuses and lock are read until two agree)
FTEMU_FAULT=signal_after=80:INT emu "$T/rd" -p m328p -U flash:r:"$T/back.hex"
check "SIGINT during a read: exit 130" rc_is 130
check "SIGINT during a read: the old file untouched" [ "$(cat "$T/back.hex")" = "old backup" ]
check "SIGINT during a read: said so" says "flash read cut short" "$T/rd/stderr"
check "SIGINT during a read: no temporary file left" [ -z "$(ls -A "$T" | grep -v -e '^back.hex$' -e '^a\.' -e '^e.bin$' -e '^back.bin$' -e '^sig' -e '^full$' -e '^probe$' -e '^term$' -e '^hup$' -e '^rd$' -e '^lost$')" ]

# Not a signal but the same words: a failure after the chip was changed says
# what it holds.
rm -rf "$T/lost"
FTEMU_FAULT=unplug_after=200 emu "$T/lost" -p m328p -U flash:w:"$T/a.hex" -U eeprom:w:"$T/e.bin":r
check "cable pulled in the flash write: exit 5" rc_is 5
check "... the chip's state said" says "^ftisp: chip: done: chip erase.*flash partly written; not done: eeprom write" "$T/lost/stderr"

# A second signal ends the run at once.
FTEMU_FAULT=signal_after=300:INT,signal_after=300:INT emu "$T/two" "${ARGS[@]}"
check "a second signal exits at once with 128+signal" rc_is 130
check "a second signal says so" says "second signal" "$T/two/stderr"

finish
