#!/bin/bash
# The emulated FT232H + AVR through the real libftdi1: each hardware rule the
# emulator promises to enforce, checked with tests/emu/probes/ftemu_probe.
cd "${FTISP_ROOT:-.}" || exit 2
B=${BUILD:-build}/emu
P=$B/probes/ftemu_probe
export FTISP_PARTS=${FTISP_PARTS:-data/parts.conf} FTEMU_HOST_TIME=0
unset FTEMU_FAULT FTEMU_FUSES FTEMU_STATE FTEMU_ADAPTERS FTEMU_PART
fail=0
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
if [ ! -x "$P" ] || [ ! -f "$B/libftemu.so" ]; then
    echo "not ok - emulator not built ($B): run make emu"; exit 1
fi
run() { LD_PRELOAD=$B/libftemu.so FTEMU_OUT=$tmp/out "$P" "$@" 2>"$tmp/err"; }
stat() { python3 -c "import json,sys; d=json.load(open('$tmp/out/stats.json')); print(eval(sys.argv[1]))" "$1"; }
check() { # name, expected, actual
    if [ "$2" = "$3" ]; then echo "ok - $1"; else echo "not ok - $1: expected '$2', got '$3'"; cat "$tmp/err"; fail=1; fi
}

out=$(run sig); check "m328p signature through libftdi1" "sync yes
signature 1e 95 0f" "$out"
out=$(FTEMU_PART=m2560 run sig); check "m2560 signature" "signature 1e 98 01" "$(echo "$out" | tail -1)"
out=$(FTEMU_PART=t85 run sig); check "t85 signature" "signature 1e 93 0b" "$(echo "$out" | tail -1)"
out=$(FTEMU_PART=m1284p run sig); check "m1284p signature" "signature 1e 97 05" "$(echo "$out" | tail -1)"
out=$(FTEMU_PART=t13a run sig); check "t13a signature" "signature 1e 90 07" "$(echo "$out" | tail -1)"
out=$(run twice); check "page written twice without erase holds the AND" "and-bytes 128/128" "$out"
out=$(run busy); check "instruction while busy is lost and corrupts the page" "1" "$(stat "d['violations']['sent_while_busy']")"
check "data-polling read while busy is harmless and counted" "1" "$(stat "d['reads_while_busy']")"
[ "$out" != "intact-bytes 128/128" ] && echo "ok - corrupted page differs ($out)" || { echo "not ok - page intact despite busy violation"; fail=1; }
out=$(run sig 5); check "5 MHz SCK on a 1 MHz part: no sync" "sync no" "$(echo "$out" | head -1)"
[ "$(stat "d['violations']['garbled_sck_bytes']")" -gt 0 ] && echo "ok - garbled SCK bytes counted" || { echo "not ok - garbled bytes not counted"; fail=1; }
out=$(run early); check "Programming Enable before 20 ms fails" "early echo ff" "$out"
check "early enable counted" "1" "$(stat "d['violations']['prog_enable_early']")"
out=$(run badcmd); check "bad MPSSE opcode answered FA AB" "bad fa ab" "$out"
run latency >/dev/null
check "latency timer cost visible in stats (4 x 16 ms)" "0.064" "$(stat "round(d['modeled_s']['latency_wait'],3)")"
out=$(FTEMU_FAULT=unplug_after=20 run unplug); check "unplug fault gives LIBUSB_ERROR_NO_DEVICE" "error LIBUSB_ERROR_NO_DEVICE" "${out% after*}"
out=$(FTEMU_FAULT=nodevice run sig 2>&1); [ $? -ne 0 ] && echo "ok - nodevice: open fails" || { echo "not ok - nodevice opened"; fail=1; }
out=$(FTEMU_FAULT=signature=1e9999 run sig); check "signature fault" "signature 1e 99 99" "$(echo "$out" | tail -1)"
out=$(FTEMU_FAULT=no_target run sig); check "no target: no sync" "sync no" "$(echo "$out" | head -1)"
out=$(run async); check "async submit/transfer_data_done path" "signature 1e 95 0f" "$out"

# Fuses: a 16 MHz crystal only counts after the fuse write and a reset.
out=$(run sig 11); check "2.5 MHz SCK on factory 1 MHz part garbles" "sync no" "$(echo "$out" | head -1)"
out=$(run lfuse ff); check "lfuse write reads back" "lfuse ff" "$out"
mkdir -p "$tmp/state" && cp "$tmp/out"/*.bin "$tmp/state/"
out=$(FTEMU_STATE=$tmp/state run sig 11); check "after fuse write + reset, 2.5 MHz works" "sync yes" "$(echo "$out" | head -1)"

out=$(FTEMU_FUSES=ff,de,fd run write32k); check "32 KiB write + verify at 2.5 MHz" "verify ok" "$out"
echo "# 32 KiB write+verify: modeled $(stat "d['modeled_s']['total']") s, emulator CPU $(stat "d['emulator_cpu_s']") s"

out=$(FTEMU_ADAPTERS=ft232h:AAA,ft232h:BBB:t85 PROBE_SERIAL=BBB run sig); check "second adapter by serial has its own target" "signature 1e 93 0b" "$(echo "$out" | tail -1)"
[ -f "$tmp/out/BBB/flash.bin" ] && echo "ok - second adapter dumps under OUT/BBB/" || { echo "not ok - no OUT/BBB dump"; fail=1; }
exit $fail
