#!/bin/bash
# TPI end to end: the real ftisp on the emulated FT232H + ATtiny10 (and the
# other TPI parts): flash write and verify, the configuration byte through
# the fuse guard, reads of every memory, -T config, JSON, and -c dryrun
# (the dry bridge decodes TPI). Checked against the emulator's dumps.
. "$(dirname "$0")/lib.sh"
export FTEMU_PART=t10

randbin "$T/a.bin" 1024 1
bin2hex "$T/a.bin" "$T/a.hex"
emu "$T/t10" -c ft232h -p t10 -U flash:w:"$T/a.hex"
check "t10: 1 KiB flash write exits 0" rc_is 0
check "t10: emulated flash equals the file" same_at "$T/t10/flash.bin" "$T/a.bin" 0
check "t10: no TPI frame errors, nothing sent to a busy NVM, NVMEN cleared at the end" \
    python3 -c "import json,sys; t=json.load(open(sys.argv[1]))['tpi']; e=t['errors']; \
sys.exit(0 if not any(e.values()) and t['nvm_while_busy']==0 and t['nvmen_at_release']==0 \
and t['frames_ignored']==0 and t['word_writes']==512 else 1)" "$T/t10/stats.json"
check "t10: NVMCMD loaded once for the 512 words (read back after the first), not per word" \
    python3 -c "import json,sys; i=json.load(open(sys.argv[1]))['tpi']['instructions']; \
sys.exit(0 if i['sout'] <= 3 else 1)" "$T/t10/stats.json"
emu "$T/t10" -p t10 -U flash:v:"$T/a.hex"
check "t10: -U flash:v matches" rc_is 0
emu "$T/t10" -p t10 -U flash:r:"$T/back.bin":r
check "t10: raw read-back equals the file" cmp -s "$T/back.bin" "$T/a.bin"

# a second image over the first: erased first (bits only go 1 -> 0)
randbin "$T/b.bin" 300 2
emu "$T/t10" -p t10 -U flash:w:"$T/b.bin":r
check "t10: a second, shorter image writes" rc_is 0
check "t10: flash holds it" same_at "$T/t10/flash.bin" "$T/b.bin" 0

# the configuration byte: RSTDISBL refused without --allow
emu "$T/t10" -p t10 -U fuse:w:0xfe:m
check "t10: fuse with RSTDISBL refused (exit 9)" rc_is 9
check "t10: ... saying TPI needs 12 V then" says "12 V on RESET" "$T/t10/stderr"
check "t10: ... and the configuration byte unchanged" \
    test "$(xxd -p "$T/t10/fuses.bin")" = ff
emu "$T/t10" -p t10 -U fuse:w:0xfb:m
check "t10: fuse 0xfb (CKOUT) written" test "$rc-$(xxd -p "$T/t10/fuses.bin")" = 0-fb
emu "$T/t10" -p t10 -T 'config ckout=clock_output_disabled'
check "t10: config ckout back (a section erase)" test "$rc-$(xxd -p "$T/t10/fuses.bin")" = 0-ff
emu "$T/t10" -p t10 -U fuse:r:-:h -U lock:r:-:h -U signature:r:-:h -U calibration:r:-:h
check "t10: fuse, lock, signature, calibration read" \
    test "$rc $(head -3 "$T/t10/stdout" | tr '\n' ' ')$(sed -n 4p "$T/t10/stdout" | grep -c '^0x')" = "0 0xff 0xff 0x1e,0x90,0x03 1"

# JSON
emu "$T/t10" -p t10 -qq --json -U flash:v:"$T/b.bin":r
check "t10: --json says ok, verified" python3 -c "import json,sys; d=json.load(open(sys.argv[1])); \
sys.exit(0 if d['result']=='ok' and d['operations'][0]['verified'] else 1)" "$T/t10/stdout"

# avrdude's other memory names for the TPI parts: data-space reads through
# SLD (sram from 0x40, io from 0, the ATtiny102/104's signature row and
# serial number), lockbits and prefixes; these are read-only
FTEMU_PART=t104 emu "$T/t104m" -p t104 -U sram:r:-:h -U io:r:"$T/io.bin":r -U lockbits:r:-:h \
    -U sigrow:r:-:h -U sernum:r:"$T/sn.bin":r -U calib:r:-:h
check "t104: sram, io, lockbits, sigrow, sernum, calib read (exit 0)" rc_is 0
check "t104: sram is 32 bytes, sigrow starts with the signature, lockbits 0xff" \
    test "$(sed -n 1p "$T/t104m/stdout" | tr ',' '\n' | wc -l) $(sed -n 2p "$T/t104m/stdout") $(sed -n 3p "$T/t104m/stdout" | cut -d, -f1-3)" = "32 0xff 0x1e,0x90,0x0b"
check "t104: io is 64 bytes, sernum 10" test "$(stat -c %s "$T/io.bin") $(stat -c %s "$T/sn.bin")" = "64 10"
FTEMU_PART=t40 emu "$T/t40m" -p t40 -U sram:r:"$T/sram40.bin":r
check "t40: sram is 256 bytes" test "$rc-$(stat -c %s "$T/sram40.bin")" = 0-256
FTEMU_PART=t104 emu "$T/t104m" -p t104 -T 'part -m; dump prodsig 0 3; write sram 0 1'
check "t104 terminal: part -m lists sram, io, prodsig, sernum" \
    eval 'grep -q "^sram  *32" "$T/t104m/stdout" && grep -q "^io  *64" "$T/t104m/stdout" && grep -q "^prodsig  *16" "$T/t104m/stdout" && grep -q "^sernum  *10" "$T/t104m/stdout"'
check "t104 terminal: dump prodsig shows the signature" grep -q "^0000  1e 90 0b" "$T/t104m/stdout"
check "t104 terminal: write sram refused as read-only" says "sram is read-only" "$T/t104m/stderr"
"$FTISP" -n -p t104 -U sram:w:0x12:m >"$T/ro.out" 2>&1; rc=$?
check "-U sram:w refused: read-only (exit 2)" eval 'rc_is 2 && grep -q "sram memory is read-only" "$T/ro.out"'
"$FTISP" -n -p t10 -U sigrow:r:"$T/x.bin":r >"$T/ro.out" 2>&1
check "t10 has no sigrow: refused, listing its memories" \
    grep -q 'no memory "sigrow"; it has flash, fuse, lock, signature, calibration, sram, io' "$T/ro.out"
"$FTISP" -n -p t104 -U flash,sram:r:"$T/x.hex" >"$T/ro.out" 2>&1
check "sram in a memory list refused" grep -q "sram cannot be part of a memory list" "$T/ro.out"
"$FTISP" -n -p m328p -U sram:r:"$T/x.bin":r >"$T/ro.out" 2>&1
check "ISP part: no sram memory" grep -q 'no memory "sram"' "$T/ro.out"

# wrong part, and the dry bridge
emu "$T/t10" -p t9 -U flash:w:"$T/b.bin":r
check "t9 on a t10: signature refused (exit 7)" rc_is 7
"$FTISP" -c dryrun -p t10 -U flash:w:"$T/a.hex" -U flash:v:"$T/a.hex" -U flash:r:"$T/dry.bin":r >"$T/dry.out" 2>&1; rc=$?
check "-c dryrun -p t10: writes, verifies, reads back the image" eval 'rc_is 0 && cmp -s "$T/dry.bin" "$T/a.bin"'
"$FTISP" -c dryrun -p t10 -D -U flash:w:"$T/a.hex" -U flash:w:"$T/b.bin":r >"$T/dry.out" 2>&1; rc=$?
check "-c dryrun -p t10 -D: a second image over the first fails its verify (bits only 1 -> 0)" \
    eval 'rc_is 8 && grep -q "flash was not erased" "$T/dry.out"'
"$FTISP" -c dryrun -p t20 -U flash:w:"$T/b.bin":r -U flash:r:"$T/dry20.bin":r >"$T/dry.out" 2>&1; rc=$?
check "-c dryrun -p t20 (2-word writes): writes and reads back" \
    eval 'rc_is 0 && cmp -s -n 300 "$T/dry20.bin" "$T/b.bin"'

# TPI over an FT232R in synchronous bit-bang: avrdude's tc2030 entry
# (reset 3 CTS, sck 2 RTS, sdo 0 TXD through ~1 k, sdi 1 RXD)
sbb() { FTEMU_ADAPTERS=ft232r:A1 FTEMU_SYNCBB_PINS=3,2,0,1 emu "$@"; }
rm -rf "$T/bb"
sbb "$T/bb" -c tc2030 -p t10 -U flash:w:"$T/a.hex"
check "tc2030 (FT232R bit-bang) t10: 1 KiB flash write exits 0" rc_is 0
check "tc2030 t10: emulated flash equals the file" same_at "$T/bb/flash.bin" "$T/a.bin" 0
check "tc2030 t10: no TPI frame errors, garbled bits or NVM access while busy" \
    python3 -c "import json,sys; t=json.load(open(sys.argv[1]))['tpi']; \
sys.exit(0 if not any(t['errors'].values()) and t['nvm_while_busy']==0 and t['garbled_bits']==0 \
and t['nvmen_at_release']==0 else 1)" "$T/bb/stats.json"
sbb "$T/bb" -c tc2030 -p t10 -U fuse:w:0xfe:m
check "tc2030 t10: RSTDISBL refused without --allow (exit 9)" rc_is 9
sbb "$T/bb" -c tc2030 -p t10 -U fuse:w:0xfb:m -U flash:v:"$T/a.hex"
check "tc2030 t10: configuration byte 0xfb written, flash verifies" test "$rc-$(xxd -p "$T/bb/fuses.bin")" = 0-fb
FTEMU_FAULT=no_target sbb "$T/bbn" -c tc2030 -p t10 -U flash:r:"$T/bbn.bin":r
check "tc2030 t10, no target (SDI reads SDO through the resistor): fails, says no target answers" \
    eval '[ "$rc" -ne 0 ] && grep -qi "answer" "$T/bbn/stderr"'

# the other TPI parts: a write and verify each
for p in t4 t20 t40 t104; do
    FTEMU_PART=$p emu "$T/$p" -p $p -U flash:w:"$T/b.bin":r
    check "$p: flash write exits 0" rc_is 0
    check "$p: flash holds it" same_at "$T/$p/flash.bin" "$T/b.bin" 0
done
finish
