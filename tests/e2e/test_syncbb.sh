#!/bin/bash
# The synchronous bit-bang bridge (src/wire/syncbb/) on the emulated FT232R:
# avrdude's ftdi_syncbb programmers write, verify and keep the EEPROM; a -C
# entry with an inverted RESET; the clock matrix with nothing garbled after
# sync; sampled unplug and bit-flip sweeps (never exit 0 with wrong data);
# -P ? lists the chip. Prints ok / not ok lines. The sweeps run at full
# density in make check (60 unplug points, 60 + 10 flips, 20 signals spread
# over each run); FTISP_QUICK=1 (make test) takes a smaller sample, under
# 30 s in all.
. "$(dirname "$0")/sweep_lib.sh"
# the sanitizer build (STRIDE > 1, sweep_lib.sh) samples as make test does
# make check's plain build: 60 unplug points, 60 write and 10 read flips,
# 20 signals, spread over each run (every point would take CI past its time)
if [ -n "${FTISP_QUICK:-}" ] || [ "$STRIDE" -gt 1 ]; then q_unplug=8 q_flips=8 q_reads=2 q_sig=2
else q_unplug=60 q_flips=60 q_reads=10 q_sig=20; fi
export FTEMU_ADAPTERS=ft232r:A1
unset FTEMU_SYNCBB_PINS FTEMU_FCK FTEMU_RC_PCT FTEMU_OSC128_PCT
sweep_setup
PROG=(-c arduino-ft232r)
# bb DIR [ftisp args...]: emu() with the bit-bang programmer
bb() { local d=$1; shift; emu "$d" "${PROG[@]}" "$@"; }
jstat() { python3 -c "import json,sys; d=json.load(open(sys.argv[1]+'/stats.json')); print(eval(sys.argv[2]))" "$1" "$2"; }
clean_run() { [ "$(jstat "$1" "(v:=d['violations'])['garbled_sck_bytes_after_sync'] + v['garbled_instructions_executed'] + v['sent_while_busy'] + v['write_timeouts']")" = 0 ]; }

# ---- programmers ----
srec_cat "$ROOT/tests/demo/blink.hex" -intel -o "$T/blink.bin" -binary >/dev/null
for c in "arduino-ft232r|7,5,6,3|" "diecimila|7,5,6,3|" "ft232r|4,0,2,1|" "ttl232r|0,1,3,2|" "bwmega|7,6,3,5|"; do
    IFS='|' read -r id pins _ <<<"$c"
    fresh
    FTEMU_SYNCBB_PINS=$pins emu "$T/c" -c "$id" -p m328p -U flash:w:"$ROOT/tests/demo/blink.hex"
    if rc_is 0 && same_at "$T/c/flash.bin" "$T/blink.bin" 0 && cmp -s "$T/c/eeprom.bin" "$T/init/eeprom.bin" &&
       clean_run "$T/c"; then
        ok "-c $id (pins $pins): blink.hex written and verified, EEPROM kept, nothing garbled"
    else
        notok "-c $id (pins $pins): exit $rc"; tail -3 "$T/c/stderr" | sed 's/^/#   /'
    fi
done
fresh
FTEMU_SYNCBB_PINS=4,0,2,1 bb "$T/c" -p m328p -U flash:w:"$ROOT/tests/demo/blink.hex"
check "-c arduino-ft232r on a board wired as ft232r: fails, chip untouched" eval '! rc_is 0 && chip_untouched'

cat >"$T/inv.conf" <<'CONF'
programmer
    id    = "my-ft232r-inv";
    desc  = "FT232R, RESET through an inverting transistor";
    type  = "ftdi_syncbb";
    connection_type = usb;
    reset = ~7;
    sck   = 5;
    sdo   = 6;
    sdi   = 3;
;
CONF
fresh
FTEMU_SYNCBB_PINS='~7,5,6,3' emu "$T/c" -C +"$T/inv.conf" -c my-ft232r-inv -p m328p -U flash:w:"$ROOT/tests/demo/blink.hex"
check "-C entry with reset = ~7 (inverted RESET): written, verified, EEPROM kept" \
    eval 'rc_is 0 && same_at "$T/c/flash.bin" "$T/blink.bin" 0 && cmp -s "$T/c/eeprom.bin" "$T/init/eeprom.bin"'
[ "$(jstat "$T/c" "d['reset_level'][0]")" = 1 ] && ok "...and the target runs afterwards (RESET released through the inverter)" \
    || notok "inverted RESET left asserted"

out=$(LD_PRELOAD=$EMU FTEMU_ADAPTERS=ft232r:A1,ft231x:X2 "$FTISP" -c arduino-ft232r -P '?' 2>&1)
echo "$out" | grep -q "A1.*FT232R" && echo "$out" | grep -q "X2.*FT231X" && ok "-P ? lists FT232R and FT231X with their chip" \
    || { notok "-P ? listing"; echo "$out" | sed 's/^/#   /'; }
"$FTISP" -c '?' 2>&1 | grep -q "^arduino-ft232r" && ok "-c ? lists arduino-ft232r" || notok "-c ? misses arduino-ft232r"
fresh
FTEMU_ADAPTERS=ft232r:A1,ft232r:B2 bb "$T/c" -P usb:B2 -p m328p -U flash:w:"$ROOT/tests/demo/blink.hex"
check "-P usb:B2 picks the second FT232R" eval 'rc_is 0 && same_at "$T/c/B2/flash.bin" "$T/blink.bin" 0 && ! same_at "$T/c/A1/flash.bin" "$T/blink.bin" 0'

# ---- the clock: boards of the clock matrix ----
randbin "$T/app.bin" 4096 7
bin2hex "$T/app.bin" "$T/app.hex"
while IFS='|' read -r name envs want; do
    [ -z "$name" ] && continue
    d=$T/m-$(echo "$name" | tr -c 'a-zA-Z0-9\n' '_'); mkdir -p "$d"
    # shellcheck disable=SC2086
    env $envs bash -c 'LD_PRELOAD=$0 FTEMU_OUT=$1 FTEMU_STATE=$1 timeout 120 "$2" "${@:3}"' "$EMU" "$d" "$FTISP" \
        "${PROG[@]}" -p m328p -v -U "flash:w:$T/app.hex" >"$d/stdout" 2>"$d/stderr"
    rc=$?
    sck=$(sed -n 's/.*, SCK \([0-9.]* [kM]Hz\)$/\1/p' "$d/stderr" | tail -1)
    if rc_is 0 && same_at "$d/flash.bin" "$T/app.bin" 0 && clean_run "$d" && [ "$sck" = "$want" ]; then
        ok "$name: written and verified, nothing garbled after sync, SCK $sck"
    else
        notok "$name: exit $rc, SCK $sck (expected $want)"; tail -3 "$d/stderr" | sed 's/^/#   /'
    fi
done <<'BOARDS'
factory 1 MHz RC at -10 %|FTEMU_RC_PCT=-10|213.6 kHz
8 MHz RC at -10 % (E2)|FTEMU_RC_PCT=-10 FTEMU_FUSES=e2,d9,ff|1500 kHz
Pro Mini 8 MHz (FF DA FD)|FTEMU_FCK=8000000 FTEMU_FUSES=ff,da,fd|1500 kHz
Uno 16 MHz (FF DE FD)|FTEMU_FCK=16000000 FTEMU_FUSES=ff,de,fd|1500 kHz
128 kHz oscillator (E3) at -40 %|FTEMU_OSC128_PCT=-40 FTEMU_FUSES=e3,d9,ff|15.2 kHz
BOARDS
fresh
FTEMU_FUSES=ff,de,fd emu "$T/c" -c arduino-ft232r -B 100 -p m328p -v -U flash:w:"$ROOT/tests/demo/blink.hex"
check "-B 100 (avrdude: ftdi_set_baudrate(10000), 640 kHz bytes): SCK 320 kHz" \
    eval 'rc_is 0 && grep -q "SCK 320 kHz" "$T/c/stderr"'

# ---- tWD waited, not polled: the datasheet's delays are enough ----
# The target busy for exactly the database's tWD (the datasheets' maximum):
# every page, the EEPROM kept through the erase and the erase itself waited
# out with the chip asynchronous, nothing sent while busy.
fresh
FTEMU_TWD_FLASH_US=4500 FTEMU_TWD_EEPROM_US=3600 FTEMU_TWD_ERASE_US=9000 \
    bb "$T/c" -p m328p -vv -U flash:w:"$T/new.hex"
pages=$(grep -c "waited 4500 us" "$T/c/stderr")
check "busy exactly tWD: written, verified, EEPROM kept, nothing sent while busy ($pages page waits)" \
    eval 'rc_is 0 && chip_right && clean_run "$T/c" && [ "$pages" -ge 32 ]'
modes=$(grep -c "USB async run" "$T/c/stderr")
check "...the pages stream: fewer asynchronous runs than pages ($modes runs for $pages pages)" \
    eval '[ "$modes" -lt "$pages" ]'
fresh
FTEMU_TWD_FLASH_US=4500 FTEMU_TWD_EEPROM_US=3600 FTEMU_TWD_ERASE_US=9000 FTISP_SYNCBB_ASYNC=0 \
    bb "$T/c" -p m328p -vv -U flash:w:"$T/new.hex"
check "FTISP_SYNCBB_ASYNC=0: all synchronous, RDY/BSY polled, nothing sent while busy" \
    eval 'rc_is 0 && chip_right && clean_run "$T/c" && ! grep -q "waited 4500 us" "$T/c/stderr"'
fresh
FTEMU_TWD_FLASH_US=6000 bb "$T/c" -p m328p -U flash:w:"$T/new.hex"
check "a target slower than its datasheet (6 ms pages): the emulator sees it and verify fails, exit $rc" \
    eval '! rc_is 0 && [ "$(jstat "$T/c" "d[\"violations\"][\"sent_while_busy\"]")" -gt 0 ]'
# a signal anywhere in the write phase: a page write that went out is waited
# out before RESET is released, and a plain re-run finishes
fresh
bb "$T/c" -p m328p -U flash:w:"$T/new.hex"
total=$(stat_of "$T/c/stats.json" "transfers_out + transfers_in")
sstep=1
[ "$q_sig" -gt 0 ] && sstep=$((total / q_sig + 1))
runs=0 bad=""
for ((n = 20; n < total; n += sstep)); do
    fresh
    FTEMU_TWD_FLASH_US=4500 FTEMU_TWD_EEPROM_US=3600 FTEMU_TWD_ERASE_US=9000 \
        FTEMU_FAULT=signal_after=$n:INT bb "$T/c" -p m328p -U flash:w:"$T/new.hex"
    runs=$((runs + 1))
    { rc_is 130 || rc_is 0; } && clean_run "$T/c" && [ "$(jstat "$T/c" "d['reset_level'][0]")" = 1 ] ||
        { bad="$bad $n(rc $rc)"; continue; }
    bb "$T/c" -p m328p -U flash:w:"$T/new.hex"
    rc_is 0 && chip_right || bad="$bad $n(rerun)"
done
check "Ctrl-C at $runs points of a timed-wait write: nothing sent while busy, RESET released, re-run right${bad:+ (bad:$bad)}" \
    [ -z "$bad" ]

# ---- Ctrl-C mid-write: target released, a plain re-run finishes ----
fresh
FTEMU_FAULT=signal_after=400:INT bb "$T/c" -p m328p -U flash:w:"$T/new.hex"
lvl=$(jstat "$T/c" "d['reset_level'][0]")
check "Ctrl-C mid-write: exit 130, RESET released" eval 'rc_is 130 && [ "$lvl" = 1 ]'
bb "$T/c" -p m328p -U flash:w:"$T/new.hex"
check "...and a plain re-run leaves the chip right" eval 'rc_is 0 && chip_right'

# ---- sweeps (sampled under FTISP_QUICK) ----
fresh
bb "$T/c" -p m328p -U flash:w:"$T/new.hex"
check "sweep: clean run exits 0 with the chip right" eval 'rc_is 0 && chip_right'
total=$(stat_of "$T/c/stats.json" "transfers_out + transfers_in")
wbytes=$(stat_of "$T/c/stats.json" "spi_bytes")
step=1
[ "$q_unplug" -gt 0 ] && step=$((total / q_unplug + 1))
runs=0 silent=0 unfinished=0 bad=""
for ((n = 1; n <= total; n += step)); do
    fresh
    FTEMU_FAULT=unplug_after=$n bb "$T/c" -p m328p -U flash:w:"$T/new.hex"
    runs=$((runs + 1))
    if rc_is 0; then chip_right || { silent=$((silent + 1)); bad="$bad $n"; }; continue; fi
    chip_untouched || grep -q "run the same command again" "$T/c/stderr" ||
        { grep -q "nothing to run again for this chip" "$T/c/stderr" && chip_right; } ||
        { unfinished=$((unfinished + 1)); bad="$bad $n(msg)"; }
    bb "$T/c" -p m328p -U flash:w:"$T/new.hex"
    rc_is 0 && chip_right || { unfinished=$((unfinished + 1)); bad="$bad $n(rerun)"; }
done
echo "# unplug sweep: $total transfers, every ${step}th: $runs runs, silent losses $silent, unfinished $unfinished${bad:+ at$bad}"
check "unplug sweep ($runs runs): never exit 0 with a wrong chip" [ "$silent" -eq 0 ]
check "unplug sweep: every failure said what to do and a re-run finished" [ "$unfinished" -eq 0 ]

runs=0 silent=0 unfinished=0 bad=""
step=$((wbytes / q_flips | 3))
for ((n = 3; n < wbytes; n += step)); do
    f="miso_flip=$n:$(( (n / step) % 8 ))"
    fresh
    FTEMU_FAULT=$f bb "$T/c" -p m328p -U flash:w:"$T/new.hex"
    runs=$((runs + 1))
    if rc_is 0; then chip_right || { silent=$((silent + 1)); bad="$bad $f"; }; continue; fi
    bb "$T/c" -p m328p -U flash:w:"$T/new.hex"
    rc_is 0 && chip_right || { unfinished=$((unfinished + 1)); bad="$bad $f(rerun)"; }
done
echo "# flip sweep, write: $wbytes SPI bytes: $runs runs, silent losses $silent, unfinished $unfinished${bad:+ at$bad}"
check "flip sweep, write ($runs runs): never exit 0 with a wrong chip" [ "$silent" -eq 0 ]
check "flip sweep, write: every failure finished by a plain re-run" [ "$unfinished" -eq 0 ]
python3 -c "import sys; d=open(sys.argv[1],'rb').read().rstrip(b'\xff'); open(sys.argv[2],'wb').write(d)" \
    "$T/init/flash.bin" "$T/want_read.bin"
runs=0 silent=0
fresh
bb "$T/c" -p m328p -U flash:r:"$T/f.bin":r
rbytes=$(stat_of "$T/c/stats.json" "spi_bytes")
for ((n = 7; n < rbytes; n += rbytes / q_reads + 1)); do
    fresh; rm -f "$T/f.bin"
    FTEMU_FAULT=miso_flip=$n:$((n % 8)) bb "$T/c" -p m328p -U flash:r:"$T/f.bin":r
    runs=$((runs + 1))
    rc_is 0 && ! cmp -s "$T/f.bin" "$T/want_read.bin" && silent=$((silent + 1))
done
check "flip sweep, read ($runs runs): never exit 0 with a wrong file" [ "$silent" -eq 0 ]
finish
