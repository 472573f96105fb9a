#!/bin/bash
# What a newcomer reads: every progress line names its memory, the flash
# write and its verify say why their byte counts differ, -vv shows USB
# batches, ISP instruction counts and clock decisions, the progress bar never
# mixes into data on standard output, and mistakes get messages that say
# what is wrong, before the chip is touched.
. "$(dirname "$0")/lib.sh"
export FTEMU_HOST_TIME=0 FTEMU_FUSES=ff,de,fd
err() { cat "$T/$1/stderr"; }

# -- phases name their memory ---------------------------------------------
emu "$T/c" -p m328p -U lfuse:r:-:h
check "read lfuse exits 0" rc_is 0
check "'reading lfuse: 1 byte' (names the memory, singular)" says -x 'ftisp: reading lfuse: 1 byte, .* s' "$T/c/stderr"
emu "$T/c" -p m328p -U lfuse:v:0xff:m
check "'verifying lfuse: 1 byte'" says 'ftisp: verifying lfuse: 1 byte' "$T/c/stderr"
emu "$T/c" -p m328p -U eeprom:r:"$T/e.hex":i
check "'reading eeprom: 1024 bytes'" says 'ftisp: reading eeprom: 1024 bytes' "$T/c/stderr"

# -- flash: whole pages written, the file's range verified ---------------
randbin "$T/a.bin" 30178 5
bin2hex "$T/a.bin" "$T/a.hex"
emu "$T/c" -p m328p -U flash:w:"$T/a.hex"
check "30178-byte flash write exits 0" rc_is 0
check "'writing flash (236 whole pages): 30208 bytes'" \
    says 'ftisp: writing flash (236 whole pages): 30208 bytes' "$T/c/stderr"
check "'verifying flash (the file's range): 30178 bytes'" \
    says "ftisp: verifying flash (the file's range): 30178 bytes" "$T/c/stderr"
emu "$T/n" -p m328p -n -U flash:w:"$T/a.hex"
check "-n: 'flash: 236 whole pages (30208 bytes) would be written for the file's 30178 bytes (-n)'" \
    says "ftisp: flash: 236 whole pages (30208 bytes) would be written for the file's 30178 bytes (-n)" "$T/n/stderr"
emu "$T/c" -p m328p -U flash:v:"$T/a.hex"
check "-U flash:v says 'verifying flash'" says 'ftisp: verifying flash: 30178 bytes' "$T/c/stderr"
if grep -q '^ftisp: verifying:' "$T/c/stderr"; then notok "no bare 'verifying:'"; else ok "no bare 'verifying:'"; fi

# EEPROM: only the pages that differ are written (4-byte pages on the
# m328p: 16-19 and 20-23), the file's range verified
printf 'hello' >"$T/e.bin"
bin2hex "$T/e.bin" "$T/e5.hex" 16
emu "$T/c" -p m328p -U eeprom:w:"$T/e5.hex"
check "'writing eeprom (2 pages that differ): 5 bytes'" says 'ftisp: writing eeprom (2 pages that differ): 5 bytes' "$T/c/stderr"
check "'verifying eeprom (the file's range): 5 bytes'" says "ftisp: verifying eeprom (the file's range): 5 bytes" "$T/c/stderr"
emu "$T/c" -p m328p -U eeprom:v:"$T/e5.hex"
check "-U eeprom:v at 16: 'verifying eeprom: 5 bytes'" says 'ftisp: verifying eeprom: 5 bytes' "$T/c/stderr"

# -- -v and -vv -----------------------------------------------------------
emu "$T/v1" -p m328p -v -U lfuse:r:-:h
emu "$T/v2" -p m328p -vv -U lfuse:r:-:h
check "-v shows the clock decision" says 'ftisp: target clock .*: SCK' "$T/v1/stderr"
check "-v shows no USB batches" sh -c "! grep -q 'USB batch' '$T/v1/stderr'"
check "-vv shows each USB batch with its bytes and ISP instructions" \
    says -E 'ftisp: USB batch [0-9]+: [0-9]+ bytes out, [0-9]+ reply bytes, [0-9]+ bytes on SPI \(about [0-9]+ ISP instructions\) at SCK' "$T/v2/stderr"
check "-vv shows the SCK the adapter was set to" says -E 'ftisp: SCK [0-9.]+ kHz asked, [0-9.]+ kHz set \(60 MHz / [0-9]+\)' "$T/v2/stderr"
# (a read to a file is read twice and compared: two instructions, two batches)
check "-vv counts each phase's ISP instructions and USB batches" \
    says -E 'ftisp: reading lfuse: 2 ISP instructions in 2 USB batches' "$T/v2/stderr"
check "-vv still shows the clock decision" says 'ftisp: target clock .*: SCK' "$T/v2/stderr"
check "-vv prints more than -v" test "$(wc -l <"$T/v2/stderr")" -gt "$(wc -l <"$T/v1/stderr")"
check "the man page says what -vv prints" grep -q 'USB batch' "$ROOT/man/ftisp.1"

# -- on a terminal the bar ends its line before data goes to stdout -------
if command -v script >/dev/null; then
    mkdir -p "$T/tty"
    script -qefc "LD_PRELOAD=$EMU FTEMU_STATE=$T/tty FTEMU_OUT=$T/tty $FTISP -p m328p -U lfuse:r:-:h -U eeprom:r:-:h" \
        /dev/null </dev/null >"$T/tty/typescript" 2>&1
    rc=$?
    tr -d '\r' <"$T/tty/typescript" >"$T/tty/lines"
    check "on a pty: the run exits 0" rc_is 0
    check "on a pty: a progress bar was drawn" grep -q '|####' "$T/tty/lines"
    check "on a pty: the lfuse value stands on a line of its own" grep -qx '0xff' "$T/tty/lines"
    check "on a pty: the EEPROM bytes start a line of their own" grep -q '^0xff,0xff,' "$T/tty/lines"
    check "on a pty: no bar mixed with data (no '%0x')" sh -c "! grep -q '%0x' '$T/tty/lines'"
else
    notok "script (util-linux/bsdutils) is installed"
fi
# off a terminal: stdout holds only the data
emu "$T/c" -p m328p -U lfuse:r:-:h
check "off a terminal: stdout is just the value" test "$(cat "$T/c/stdout")" = 0xff

# -- mistakes, each caught before the chip --------------------------------
mkdir -p "$T/in"
printf ':00000001FF\n' >"$T/in/x"
LD_PRELOAD=$EMU FTEMU_OUT=$T/in timeout 60 "$FTISP" -p m328p -U flash:w:-:i -U eeprom:w:-:i \
    <"$T/in/x" >"$T/in/stdout" 2>"$T/in/stderr"
rc=$?
check "stdin read twice: usage error (exit 2)" rc_is 2
check "stdin read twice: says standard input can be read once" \
    says 'both read standard input, which can be read only once' "$T/in/stderr"
check "stdin read twice: no end-of-file-record complaint" sh -c "! grep -q 'end-of-file' '$T/in/stderr'"

emu "$T/c" -p m328p -x channel=B
check "-x channel=B on an FT232H: usage error (exit 2)" rc_is 2
check "-x channel=B on an FT232H: says it has one channel" says 'the FT232H has one channel' "$T/c/stderr"
check "-x channel=B: not blamed on another program" sh -c "! grep -q 'another program' '$T/c/stderr'"

FTEMU_ADAPTERS=ft232h:AB12CD,ft2232h:EF34GH emu "$T/c" -p m328p -P usb:WRONG
check "-P usb:WRONG: no adapter (exit 4)" rc_is 4
check "-P usb:WRONG: lists the serial numbers found" \
    says 'found: FT232H serial AB12CD (usb [0-9]*/[0-9]*), FT2232H serial EF34GH' "$T/c/stderr"

emu "$T/f" -p m328p -U lfuse:w:0xff,0xde:m
check "two values for lfuse: input error (exit 3)" rc_is 3
check "two values for lfuse: 'lfuse is one byte'" says 'lfuse is one byte' "$T/f/stderr"
check "two values for lfuse: no 'address below'" sh -c "! grep -q 'address below' '$T/f/stderr'"

# (a directory of our own that does not exist: /nonexistent may, briefly,
# when some program runs with HOME=/nonexistent). The check itself is
# image_file.c's (ft_image_check_output); here: its words, before the read.
emu "$T/o" -p m328p -U flash:r:"$T/no-such-dir/x.hex":i
check "unwritable output path: usage error (exit 2)" rc_is 2
check "unwritable output path: named, with why" \
    says "no-such-dir/x.hex: cannot create: directory $T/no-such-dir: No such file or directory" "$T/o/stderr"
check "unwritable output path: reported before any read" sh -c "! grep -q 'reading' '$T/o/stderr'"
emu "$T/o" -p m328p -U flash:r:"$T":i
check "a directory as output file: refused" says 'is a directory; name a file' "$T/o/stderr"

if command -v avr-objcopy >/dev/null; then
    avr-objcopy -R .eeprom "$ROOT/tests/demo/blink.elf" "$T/noee.elf" 2>/dev/null
    emu "$T/e" -p m328p -U eeprom:w:"$T/noee.elf"
    check "ELF without EEPROM data to eeprom: input error (exit 3)" rc_is 3
    check "ELF without EEPROM data: says so" says 'noee.elf: no data for eeprom in the file: refusing to write nothing' "$T/e/stderr"
    emu "$T/e" -p m328p -U eeprom:w:"$ROOT/tests/demo/blink.elf"
    check "ELF with EEPROM data to eeprom: still fine" rc_is 0
else
    notok "avr-objcopy (binutils-avr) is installed"
fi
# -- words a newcomer tripped on (issue 19) ---------------------------------
emu "$T/m1" -p m328p -U flash:w
check "-U flash:w with no file: exit 2, says the file name is missing" \
    eval 'rc_is 2 && says -x "ftisp: -U flash:w: the file name is missing: expected -U flash:w:FILE\[:FORMAT\]" "$T/m1/stderr"'
emu "$T/m2" -p m328p -B 2000000
check "-B 2000000: the period and the SCK it means, not 'SCK 1 Hz'" \
    eval 'rc_is 2 && says "a period of 2000000 microseconds is SCK 0.5 Hz" "$T/m2/stderr" && ! says "SCK 1 Hz" "$T/m2/stderr"'
FTEMU_FUSES=e2,d9,ff emu "$T/m3" -p m328p -B 4MHz -U lfuse:r:-:h
check "-B 4MHz on a slow chip: one unit, the clock the FT232H makes (3.75 MHz), one speed" \
    eval 'rc_is 6 && says "3 tries at SCK 3.75 MHz;" "$T/m3/stderr" && says "SCK 3.75 MHz (what the adapter makes for -B/-b)" "$T/m3/stderr" && ! grep -qE "4000 kHz|3750000 Hz|1 SCK speeds" "$T/m3/stderr"'
printf 'hello, flash' >"$T/small.bin"
emu "$T/m4" -p m328p -U flash:w:"$T/small.bin"
check "a one-page write: '1 whole page', singular" says "ftisp: writing flash (1 whole page): 128 bytes" "$T/m4/stderr"
emu "$T/m5" -v -p m328p
check "-v: 'ftisp: version 0.1.0' once, no 'ftisp: ftisp'" \
    eval '[ "$(grep -c "^ftisp: version 0.1.0$" "$T/m5/stderr")" = 1 ] && ! says "ftisp: ftisp" "$T/m5/stderr"'
check "-v: the signature said once" [ "$(grep -c "1e 95 0f" "$T/m5/stderr")" = 1 ]
emu "$T/m6" -p m328p -l /nonexist/log.txt
check "-l in a missing directory: says why" says "ftisp: -l /nonexist/log.txt: cannot open for writing: No such file or directory" "$T/m6/stderr"
"$FTISP" -x help >"$T/xhelp" 2>&1
check "-x help lists led_busy, led_pass and led_fail" \
    eval 'grep -q "led_busy=PIN" "$T/xhelp" && grep -q "led_pass=PIN" "$T/xhelp" && grep -q "led_fail=PIN" "$T/xhelp"'
python3 - "$T/gap.hex" <<'PY'
import sys
def rec(addr, data):
    body = bytes([len(data), addr >> 8, addr & 255, 0]) + data
    return ":" + body.hex().upper() + "%02X" % (-sum(body) & 255) + "\n"
open(sys.argv[1], "w").write(rec(0, bytes(range(16))) + rec(0x7FFC, b"\x01\x02\x03\x04") + ":00000001FF\n")
PY
emu "$T/m7" -p m328p -U flash:w:"$T/gap.hex"
check "a write with a gap: the verify line says the gap was not read, not 'the file's range'" \
    eval 'rc_is 0 && says "ftisp: verifying flash (the file.s data; 1 gap not read): 20 bytes" "$T/m7/stderr"'
emu "$T/m8" -p m328p -U lfuse:w:0xe0:m
check "lfuse 0xe0 refused: a clock fed into XTAL1 recovers the board too" \
    eval 'rc_is 9 && says "until a clock is fed into XTAL1 (or high-voltage programming is used)" "$T/m8/stderr"'

# -- a pulled cable (issue 19, defect 6) -------------------------------------
randbin "$T/pull.bin" 3000 9
FTEMU_FAULT=unplug_after=1 emu "$T/p1" -p m328p -U flash:w:"$T/pull.bin"
check "pulled at the first transfer: exit 5, 'adapter lost ... was it unplugged?'" \
    eval 'rc_is 5 && says "adapter lost: .*USB read failed during sync (libftdi -4); was it unplugged?" "$T/p1/stderr"'
check "... the chip is said untouched, not half-programmed" \
    eval 'says "chip: untouched (nothing had been written or erased); plug the adapter back in" "$T/p1/stderr" && ! says "half-programmed" "$T/p1/stderr"'
# the whole run's USB transfers: the flash write (24 pages, a few transfers
# each) is the bulk of them; three quarters in is mid-write
emu "$T/p3" -p m328p -U flash:w:"$T/pull.bin"
total=$(python3 -c "import json,sys; s=json.load(open(sys.argv[1])); print(s['transfers_out'] + s['transfers_in'])" "$T/p3/stats.json")
FTEMU_FAULT=unplug_after=$((total * 3 / 4)) emu "$T/p2" -p m328p -U flash:w:"$T/pull.bin"
check "pulled mid-write: what the chip holds, then what to do (last line)" \
    eval 'rc_is 5 && says "chip: .*flash partly written" "$T/p2/stderr" && [ "$(tail -1 "$T/p2/stderr")" = "ftisp: plug the adapter back in and run the same command again to finish" ]'

# pulled while the pins are let go after a passed verify (the last transfers
# of the run): the chip is right, but RESET may still be held and the
# adapter is gone: exit 5 with both said, nothing to run again
for n in $((total - 1)) $((total - 3)); do
    rm -rf "$T/p3"
    FTEMU_FAULT=unplug_after=$n emu "$T/p3" -p m328p -U flash:w:"$T/pull.bin"
    check "pulled at transfer $((n + 1)) of $total (releasing the pins): exit 5, the chip right" \
        eval 'rc_is 5 && same_at "$T/p3/flash.bin" "$T/pull.bin" 0'
    check "... 'adapter lost', the chip verified, RESET may be held, nothing to run again" \
        eval 'says "adapter lost: .*was it unplugged?" "$T/p3/stderr" &&
              says "chip: done: chip erase (before the flash write), flash write (all verified); but RESET may still be held low" "$T/p3/stderr" &&
              [ "$(tail -1 "$T/p3/stderr")" = "ftisp: nothing to run again for this chip; check the adapter'"'"'s cable before the next board" ] &&
              ! says "done in" "$T/p3/stderr"'
done
# the same on a bit-bang adapter (FT232R), whose lost message said "half-programmed"
PROGBB=(-c arduino-ft232r)
FTEMU_ADAPTERS=ft232r:A1 emu "$T/p4" "${PROGBB[@]}" -p m328p -U flash:w:"$T/pull.bin"
total=$(python3 -c "import json,sys; s=json.load(open(sys.argv[1])); print(s['transfers_out'] + s['transfers_in'])" "$T/p4/stats.json")
rm -rf "$T/p4"
FTEMU_ADAPTERS=ft232r:A1 FTEMU_FAULT=unplug_after=$((total - 1)) emu "$T/p4" "${PROGBB[@]}" -p m328p -U flash:w:"$T/pull.bin"
check "FT232R pulled releasing the pins: exit 5, RESET may be held, not 'half-programmed'" \
    eval 'rc_is 5 && same_at "$T/p4/flash.bin" "$T/pull.bin" 0 && says "RESET may still be held low" "$T/p4/stderr" &&
          ! says "half-programmed" "$T/p4/stderr"'

finish
