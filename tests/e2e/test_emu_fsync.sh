#!/bin/bash
# The emulator's fsync model (FTEMU_FSYNC_MS, tests/emu/emu_fsync.c), seen
# through tests/emu/probes/ftemu_fsync_probe with only modeled time counting
# (FTEMU_HOST_TIME=0): an fsync on the main thread costs the figure; one on
# another thread runs beside the main thread, and pthread_join waits only for
# what is left of it. These are the emulator's own rules, not ftisp's speed.
# Env: BUILD (abs build dir), FTISP_ROOT. Prints ok / not ok lines.
. "$(dirname "$0")/lib.sh"
B=$BUILD/emu
P=$B/probes/ftemu_fsync_probe
export FTEMU_HOST_TIME=0
unset FTEMU_FAULT FTEMU_FSYNC_MS FTEMU_ADAPTERS FTEMU_BOARDS
if [ ! -x "$P" ] || [ ! -f "$B/libftemu.so" ]; then
    notok "emulator not built ($B): run make emu"; finish
fi
run() { LD_PRELOAD=$B/libftemu.so FTEMU_OUT=$T/out "$P" "$@" 2>"$T/err"; }
stat() { python3 -c "import json,sys; d=json.load(open('$T/out/stats.json')); print(eval(sys.argv[1]))" "$1"; }
is() { # name expected actual
    if [ "$2" = "$3" ]; then ok "$1"; else notok "$1: expected '$2', got '$3'"; sed 's/^/#   /' "$T/err"; fi
}

is "unset: an fsync and an fdatasync cost no modeled time" 0 "$(run driver)"
is "unset: nor a thread's fsyncs, joined" 0 "$(run thread 2)"
export FTEMU_FSYNC_MS=10
is "10 ms: an fsync and an fdatasync on the main thread cost 20 ms" 20000000 "$(run driver)"
is "... counted as host time and in stats.json" "20.0 2 0.02 10" \
   "$(stat "'%.1f %d %g %g' % (1e3 * d['modeled_s']['host'], d['fsync']['calls'], d['fsync']['driver_s'], d['fsync']['ms_each'])")"
is "10 ms: a thread's two fsyncs, joined at once: 20 ms" 20000000 "$(run thread 2)"
is "... waited for in the join" "2 0 0.02" \
   "$(stat "'%d %g %g' % (d['fsync']['calls'], d['fsync']['driver_s'], d['fsync']['join_wait_s'])")"
is "10 ms: a thread's fsync beside a 4 ms sleep: the join waits the other 6 ms" 10000000 "$(run overlap 4)"
is "10 ms: a thread's fsync beside a 25 ms sleep: the join waits for nothing" 25000000 "$(run overlap 25)"
is "0.5 ms each" 1000000 "$(FTEMU_FSYNC_MS=0.5 run driver)"
FTEMU_FSYNC_MS=abc run driver >/dev/null
r=$?
is "a malformed figure stops the program (exit 70) with a message" "70 yes" \
   "$r $(grep -q 'FTEMU_FSYNC_MS: expected milliseconds' "$T/err" && echo yes)"
finish
