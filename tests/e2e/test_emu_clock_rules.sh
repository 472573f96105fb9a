#!/bin/bash
# The emulator's SCK rule is the datasheet's, to the letter: each SCK phase
# must last MORE than 2 target clocks (3 from 12 MHz), so a phase of exactly
# 2 (3) garbles; internal oscillators run off nominal (FTEMU_RC_PCT,
# FTEMU_OSC128_PCT); the clock the fuses select applies from the next reset.
# Probe divisors: SCK = 30 MHz / (divisor + 1).
cd "${FTISP_ROOT:-.}" || exit 2
B=${BUILD:-build}/emu
P=$B/probes/ftemu_probe
export FTISP_PARTS=${FTISP_PARTS:-data/parts.conf} FTEMU_HOST_TIME=0
unset FTEMU_FAULT FTEMU_FUSES FTEMU_STATE FTEMU_ADAPTERS FTEMU_PART FTEMU_FCK FTEMU_RC_PCT FTEMU_OSC128_PCT
fail=0
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
if [ ! -x "$P" ] || [ ! -f "$B/libftemu.so" ]; then
    echo "not ok - emulator not built ($B): run make emu"; exit 1
fi
run() { rm -rf "$tmp/out"; LD_PRELOAD=$B/libftemu.so FTEMU_OUT=$tmp/out "$P" "$@" 2>"$tmp/err"; }
stat() { python3 -c "import json,sys; d=json.load(open('$tmp/out/stats.json')); print(eval(sys.argv[1]))" "$1"; }
check() { # name, expected, actual
    if [ "$2" = "$3" ]; then echo "ok - $1"; else echo "not ok - $1: expected '$2', got '$3'"; cat "$tmp/err"; fail=1; fi
}
sync_of() { run sig "$1" | head -1; }

# Exactly 2 target clocks per phase: 1 MHz RC at nominal, SCK 250 kHz (divisor 119).
check "1 MHz at nominal, SCK 250 kHz (a phase of exactly 2 clocks) garbles" "sync no" \
    "$(FTEMU_RC_PCT=0 sync_of 119)"
[ "$(stat "d['violations']['garbled_sck_bytes_before_sync']")" -gt 0 ] &&
    echo "ok - garbled bytes before sync counted" || { echo "not ok - garbled bytes before sync not counted"; fail=1; }
check "nothing garbled after sync when there was none" "0 0" \
    "$(stat "d['violations']['garbled_sck_bytes_after_sync'], d['violations']['garbled_instructions_executed']" | tr -d '(),')"
check "1 MHz at nominal, SCK 247.9 kHz (just over 2 clocks) syncs" "sync yes" "$(FTEMU_RC_PCT=0 sync_of 120)"
check "... with no garbled byte" "0" "$(stat "d['violations']['garbled_sck_bytes']")"
# 8 MHz crystal: 2 MHz is exactly 2 clocks; 1.875 MHz is over.
check "8 MHz crystal, SCK 2 MHz (exactly 2 clocks) garbles" "sync no" \
    "$(FTEMU_FUSES=ff,de,fd FTEMU_FCK=8000000 sync_of 14)"
check "8 MHz crystal, SCK 1.875 MHz syncs" "sync yes" "$(FTEMU_FUSES=ff,de,fd FTEMU_FCK=8000000 sync_of 15)"
# From 12 MHz: 3 clocks. 12 MHz crystal at 2 MHz is exactly 3 clocks.
check "12 MHz crystal, SCK 2 MHz (exactly 3 clocks) garbles" "sync no" \
    "$(FTEMU_FUSES=ff,de,fd FTEMU_FCK=12000000 sync_of 14)"
check "12 MHz crystal, SCK 1.875 MHz syncs" "sync yes" "$(FTEMU_FUSES=ff,de,fd FTEMU_FCK=12000000 sync_of 15)"
check "16 MHz crystal, SCK 2.73 MHz (fck/5.87) garbles" "sync no" \
    "$(FTEMU_FUSES=ff,de,fd FTEMU_FCK=16000000 sync_of 10)"
check "16 MHz crystal, SCK 2.5 MHz syncs" "sync yes" "$(FTEMU_FUSES=ff,de,fd FTEMU_FCK=16000000 sync_of 11)"

# The RC offset changes the clock: 247.9 kHz is over 2 clocks of 1 MHz but
# not of 0.9 MHz (the default, -10 %); 270 kHz is over 2 clocks of 1.1 MHz.
check "default RC -10 %: SCK 247.9 kHz garbles a factory part" "sync no" "$(sync_of 120)"
check "default RC -10 %: SCK 214 kHz syncs" "sync yes" "$(sync_of 139)"
check "RC +10 %: SCK 270 kHz syncs" "sync yes" "$(FTEMU_RC_PCT=10 sync_of 110)"
check "RC at nominal: SCK 270 kHz garbles" "sync no" "$(FTEMU_RC_PCT=0 sync_of 110)"
check "8 MHz RC at -10 %: SCK 1.875 MHz garbles" "sync no" "$(FTEMU_FUSES=e2 sync_of 15)"
check "8 MHz RC at -10 %: SCK 1.667 MHz syncs" "sync yes" "$(FTEMU_FUSES=e2 sync_of 17)"
# The 128 kHz oscillator: default -40 % (76.8 kHz: SCK below 19.2 kHz).
check "128 kHz oscillator (default -40 %): SCK 20 kHz garbles" "sync no" "$(FTEMU_FUSES=e3 sync_of 1499)"
check "128 kHz oscillator (default -40 %): SCK 15 kHz syncs" "sync yes" "$(FTEMU_FUSES=e3 sync_of 1999)"
check "128 kHz oscillator at nominal: SCK 20 kHz syncs" "sync yes" \
    "$(FTEMU_FUSES=e3 FTEMU_OSC128_PCT=0 sync_of 1499)"
check "128 kHz / 8 (16 kHz at nominal, 9.6 kHz at -40 %): SCK 2 kHz syncs" "sync yes" \
    "$(FTEMU_FUSES=63 sync_of 14999)"
check "128 kHz / 8: SCK 2.4 kHz garbles" "sync no" "$(FTEMU_FUSES=63 sync_of 12499)"
out=$(FTEMU_RC_PCT=60 run sig 2>&1); [ $? -ne 0 ] && echo "ok - FTEMU_RC_PCT out of range refused" ||
    { echo "not ok - FTEMU_RC_PCT=60 accepted"; fail=1; }

# Too fast after sync: the garbled instructions are carried out and counted.
out=$(run fast 149 11); [ "$out" != "signature 1e 95 0f" ] && echo "ok - 2.5 MHz after sync on 0.9 MHz reads garbage ($out)" ||
    { echo "not ok - garbled reads gave the right signature"; fail=1; }
[ "$(stat "d['violations']['garbled_sck_bytes_after_sync']")" -gt 0 ] &&
    echo "ok - garbled bytes after sync counted" || { echo "not ok - garbled bytes after sync not counted"; fail=1; }
[ "$(stat "d['violations']['garbled_instructions_executed']")" -gt 0 ] &&
    echo "ok - garbled instructions executed counted" || { echo "not ok - garbled instructions not counted"; fail=1; }

# A fuse write selects the 16 MHz crystal; the chip keeps its 0.9 MHz RC
# until the next reset, so 2.5 MHz still garbles right after the write.
out=$(run fast 149 11 ff); [ "$out" != "signature 1e 95 0f" ] &&
    echo "ok - new clock not in effect before reset ($out)" || { echo "not ok - clock changed before reset"; fail=1; }
out=$(run fast 149 149 ff); check "same clock after the fuse write still reads" "signature 1e 95 0f" "$out"
mkdir -p "$tmp/state" && cp "$tmp/out"/*.bin "$tmp/state/"
check "after the reset the crystal's 16 MHz applies: 2.5 MHz syncs" "sync yes" \
    "$(FTEMU_STATE=$tmp/state sync_of 11)"
exit $fail
