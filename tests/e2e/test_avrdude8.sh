#!/bin/bash
# avrdude 8's command line: -v alone, long names, options ignored on an FTDI
# adapter, -x help.
. "$(dirname "$0")/lib.sh"

"$FTISP" -v >"$T/v.out" 2>"$T/v.err"
rc=$?
check "-v alone exits 0" rc_is 0
check "-v alone prints the version" grep -qx "ftisp: version 0.1.0" "$T/v.err"

"$FTISP" -x help >"$T/x.out" 2>&1
rc=$?
check "-x help exits 0" rc_is 0
check "-x help lists channel=" grep -q "channel=A|B" "$T/x.out"

export FTEMU_FUSES=ff,de,fd
emu "$T/c" -v -p m328p -E reset,vcc -i 10 -r -O --noverify-memory -U lfuse:r:"$T/l.txt":h
check "ignored options accepted: exit 0" rc_is 0
check "-v prints the version first" sh -c "head -1 '$T/c/stderr' | grep -qx 'ftisp: version 0.1.0'"
check "-v names the ignored -E" says -- "-E ignored" "$T/c/stderr"
check "-v names the ignored -i" says -- "-i ignored" "$T/c/stderr"
check "the read happened" grep -qx 0xff "$T/l.txt"

# Memory aliases, prefixes, lists and multi-memory files (avrdude 8).
randbin "$T/f.bin" 3000 7
randbin "$T/e.bin" 1024 8
bin2hex "$T/f.bin" "$T/f.hex"
emu "$T/m" -p m328p -U flash:w:"$T/f.hex" -U ee:w:"$T/e.bin":r -U fuse1:w:0xd6:m
check "aliases ee and fuse1 write: exit 0" rc_is 0
check "ee wrote the EEPROM" same_at "$T/m/eeprom.bin" "$T/e.bin" 0
check "fuse1 is hfuse" cmp -s "$T/m/fuses.bin" <(printf '\xff\xd6\xfd')
emu "$T/m" -p m328p -U sig:r:-:h -U fuses:r:-:h -U lockbits:r:-:h -U hf:r:-:h
check "sig, fuses, lockbits, prefix hf: exit 0" rc_is 0
check "sig reads the signature" grep -qx "0x1e,0x95,0x0f" "$T/m/stdout"
check "fuses reads all three" grep -qx "0xff,0xd6,0xfd" "$T/m/stdout"
emu "$T/m" -p m328p -U e:r:-:h
check "ambiguous prefix e: usage error" rc_is 2
check "ambiguous prefix names the memories" says "it has flash, eeprom" "$T/m/stderr"

emu "$T/m" -p m328p -U ALL:r:"$T/all.hex"
check "ALL read: exit 0" rc_is 0
check "ALL default format is :I (comments)" grep -q "// 00000> " "$T/all.hex"
check "ALL holds EEPROM at 0x810000" grep -q "^:020000040081" "$T/all.hex"
check "ALL holds fuses at 0x820000" grep -q "^:020000040082" "$T/all.hex"
check "ALL holds the signature and calibration at 0x840000" grep -q "^:040000001E950F" "$T/all.hex"
python3 - "$T/all.hex" "$T/flat.bin" <<'PY'
import sys
mem = {}
base = 0
for line in open(sys.argv[1]):
    rec = line.split()[0]
    b = bytes.fromhex(rec[1:])
    n, off, typ = b[0], b[1] << 8 | b[2], b[3]
    if typ == 4: base = (b[4] << 8 | b[5]) << 16
    if typ == 0:
        for i in range(n): mem[base + off + i] = b[4 + i]
flash = bytes(mem.get(a, 0xff) for a in range(32768))
ee = bytes(mem.get(0x810000 + a, 0) for a in range(1024))
open(sys.argv[2], 'wb').write(flash + ee)
PY
check "ALL: flash bytes right (own Intel HEX reader)" same_at "$T/flat.bin" "$T/f.bin" 0
check "ALL: EEPROM bytes right" same_at "$T/flat.bin" "$T/e.bin" 32768

# write the backup to a fresh chip: flash, EEPROM, fuses come back
emu "$T/n" -p m328p -U all:w:"$T/all.hex":I
check "all:w: backup to a fresh chip: exit 0" rc_is 0
check "all:w: flash restored" same_at "$T/n/flash.bin" "$T/f.bin" 0
check "all:w: EEPROM restored" same_at "$T/n/eeprom.bin" "$T/e.bin" 0
check "all:w: fuses restored" cmp -s "$T/n/fuses.bin" <(printf '\xff\xd6\xfd')

# a list with an exclusion, and an avr-objcopy style EEPROM at 0x810000
emu "$T/m" -p m328p -U all,-flash,-sig,-cal:r:"$T/nof.srec":s
check "all,-flash,-sig,-cal read as S-record: exit 0" rc_is 0
check "no flash in it" sh -c "! grep -q '^S1' '$T/nof.srec' && ! grep -q '^S3..000000' '$T/nof.srec'"
srec_cat "$T/e.bin" -binary -offset 0x810000 -o "$T/ee81.hex" -intel -address-length=4 >/dev/null
randbin "$T/e2.bin" 1024 9
srec_cat "$T/e2.bin" -binary -offset 0x810000 -o "$T/ee2.hex" -intel -address-length=4 >/dev/null
emu "$T/m" -p m328p -U flash,eeprom:w:"$T/ee2.hex"
check "flash,eeprom:w: with only EEPROM in the file: exit 0" rc_is 0
check "EEPROM from 0x810000 written" same_at "$T/m/eeprom.bin" "$T/e2.bin" 0
check "flash untouched" same_at "$T/m/flash.bin" "$T/f.bin" 0

# multi-byte numbers and strings in :m
emu "$T/m" -p m328p -U lfuse:w:0x00ff:m -U 'eeprom:w:"hi" 0x1234:m'
check ":m with 0x00ff and a string: exit 0" rc_is 0
check "eeprom holds h i NUL 34 12" cmp -s <(head -c 5 "$T/m/eeprom.bin") <(printf 'hi\x00\x34\x12')
emu "$T/m" -p m328p -U lfuse:w:0x1ff:m
check "lfuse 0x1ff does not fit: input error" rc_is 3

# -D implies -A (avrdude 8): a flash read keeps its trailing 0xFF bytes
emu "$T/m" -p m328p -D -U flash:r:"$T/fD.bin":r
check "-D: the flash read keeps trailing 0xFF (32 KiB file)" test "$(stat -c %s "$T/fD.bin")" -eq 32768
emu "$T/m" -p m328p -U flash:r:"$T/fA.bin":r
check "without -D/-A: trailing 0xFF dropped" test "$(stat -c %s "$T/fA.bin")" -lt 32768

# a read with no format and no telling extension is raw, as in avrdude 8
emu "$T/m" -p m328p -U hfuse:r:"$T/h.out"
check "hfuse read to h.out is raw binary" cmp -s "$T/h.out" <(printf '\xd6')
# avrdude 8.2 syntax: -T split at ';' (quotes kept), strings and sized
# numbers in write, -e -D, -x list and unknown -x a warning that goes on
"$FTISP" -c dryrun -p m328p -T 'write eeprom 0 "Bon;jour"; write ee 0x18 0x12345678; dump eeprom 0 0x20' \
    -x list >"$T/t.out" 2>"$T/t.err"
rc=$?
check "-T 'a; b; c' and -x list: exit 0" rc_is 0
check "quoted string written, ';' inside kept" grep -q "|Bon;jour\.\.\.\.\.\.\.\.|" "$T/t.out"
check "0x12345678 written as 4 bytes, little endian" grep -q "78 56 34 12 ff ff ff ff" "$T/t.out"
check "-x list: warning, option ignored" says "programmer does not support extended parameter -x list, option ignored" "$T/t.err"
"$FTISP" -c dryrun -p m328p -T "config eesave=0; config eesave=1; config eesave" >"$T/c.out" 2>&1
rc=$?
check "test-avrdude's config line: exit 0" rc_is 0
check "config eesave read back 1" grep -q "config eesave=.*# 1" "$T/c.out"
"$FTISP" -c dryrun -p m328p -e -D -U flash:w:0x12:m >"$T/ed.out" 2>&1
rc=$?
check "-e -D: exit 0 (explicit erase, no automatic one)" rc_is 0
check "-e -D: the chip was erased" says "erasing chip" "$T/ed.out"
finish
