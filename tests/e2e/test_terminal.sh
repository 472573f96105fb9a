#!/bin/bash
# -T and -t: avrdude's terminal commands, in order with -U, on -c dryrun and
# on the emulated chip; every change through the same checks as -U.
. "$(dirname "$0")/lib.sh"
dry() { "$FTISP" -c dryrun "$@" >"$T/out" 2>"$T/err"; rc=$?; }

dry -p m328p -T sig
check "sig: exit 0" rc_is 0
check "sig prints avrdude's line" grep -qx "Device signature = 0x1e950f" "$T/out"

dry -p m328p -T "part -m"
check "part -m: exit 0" rc_is 0
check "part -m header" grep -q "^Memory  *Size  Pg size$" "$T/out"
check "part -m flash row" grep -Eq "^flash +32768 +128$" "$T/out"
check "part -m eeprom row" grep -Eq "^eeprom +1024 +4$" "$T/out"

dry -p m328p -T "write eeprom 0 1 2 0x0304 \"hi\" 'c'" -T "dump ee 0 16"
check "write with numbers, string, char: exit 0" rc_is 0
check "dump shows them in avrdude's format" grep -qx "0000  01 02 04 03 68 69 00 63  ff ff ff ff ff ff ff ff  |....hi.c........|" "$T/out"

dry -p m328p -T "write ee 0x10 16 0xaa ..." -T "dump ee 0x10 32"
check "fill write: exit 0" rc_is 0
check "fill covers exactly 16 bytes" grep -qx "0010  aa aa aa aa aa aa aa aa  aa aa aa aa aa aa aa aa  |................|" "$T/out"
check "fill stops at the interval" grep -q "^0020  ff ff" "$T/out"

# -T and -U in command-line order
printf ':0400000001020304F2\n:00000001FF\n' >"$T/d.hex"
dry -p m328p -T "dump flash 0 16" -U flash:w:"$T/d.hex" -T "dump flash 0 16"
check "-T before and after -U: exit 0" rc_is 0
check "first dump before the write" sh -c "head -1 '$T/out' | grep -q '^0000  ff ff ff ff'"
check "second dump after it" sh -c "sed -n 2p '$T/out' | grep -q '^0000  01 02 03 04'"

# a flash write that needs an erase keeps the rest of the chip
dry -p m328p -U flash:w:"$T/d.hex" -U eeprom:w:9,8:m -T "write flash 2 0xff" -T flush \
    -T "dump flash 0 16" -T "dump ee 0 16"
check "flash 0->1 write through the terminal: exit 0" rc_is 0
check "flash: changed byte set, others kept" grep -q "^0000  01 02 ff 04 ff" "$T/out"
check "EEPROM kept through the erase" grep -q "^0000  09 08 ff" "$T/out"

# writes are cached until flush; abort drops them; the end of the run flushes
dry -p m328p -T "write ee 0 7" -T abort -T "dump ee 0 16"
check "abort drops the cached write" grep -q "^0000  ff ff" "$T/out"
"$FTISP" -c dryrun -p m328p -T "write ee 0 7" -U eeprom:r:"$T/ee.bin":r >"$T/out" 2>"$T/err"
check "a -U after -T sees the flushed write" cmp -s <(head -c 1 "$T/ee.bin") <(printf '\x07')

# lock bits in mode 3: the flash cannot be read, so a cached flash write
# (which keeps the rest of the flash) is refused until an erase
dry -p m328p --allow=lock -U flash:w:"$T/d.hex" -U lock:w:0xfc:m -T "write flash 0 0xff" -T flush
check "flash write under read-protecting lock bits refused (9)" rc_is 9
check "refusal says to erase first" says "erase" "$T/err"
dry -p m328p --allow=lock -U lock:w:0xfc:m -T erase -T "write flash 0 0x12" -T flush -T "dump flash 0 16"
check "after erase the flash write goes through" grep -q "^0000  12 ff" "$T/out"

# erase: chip, and one memory
dry -p m328p -U eeprom:w:5:m -T erase -T "dump ee 0 16"
check "erase clears EEPROM (EESAVE unprogrammed)" grep -q "^0000  ff ff" "$T/out"
dry -p m328p -U hfuse:w:0xd1:m -U eeprom:w:5:m -T erase -T "dump ee 0 16"
check "erase keeps EEPROM when EESAVE is programmed" grep -q "^0000  05 ff" "$T/out"
dry -p m328p -U eeprom:w:5,6:m -T "erase ee 1 1" -T "dump ee 0 16"
check "erase ee 1 1 clears one byte" grep -q "^0000  05 ff ff" "$T/out"

# config: read, set by name and by number, wildcards, refused when dangerous
dry -p m328p -T config
check "config lists settings with value names" grep -qx "config eesave=ee_erased # 1" "$T/out"
check "config lists the clock setting" grep -qx "config sut_cksel=intrcosc_8mhz_6ck_14ck_65ms # 34" "$T/out"
dry -p m328p -T "config eesave=ee_preserved" -T "config -f eesave"
check "config eesave=ee_preserved: exit 0" rc_is 0
check "config by name changed hfuse" grep -q "^hfuse 0xd9 -> 0xd1" "$T/out"
check "config -f shows the byte" grep -qx "# Fuse hfuse value 0xd1" "$T/out"
check "config -f shows the new value" grep -qx "config eesave=ee_preserved # 0" "$T/out"
dry -p m328p -T "config eesave=0" -T "config bodlevel=bod_2v*" -T "config -f bodlevel"
check "config by number and by value pattern: exit 0" rc_is 0
check "bodlevel=bod_2v* selected bod_2v7" grep -qx "config bodlevel=bod_2v7 # 5" "$T/out"
dry -p m328p -T "config eesave="
check "config eesave= lists the values, the unset one commented" grep -qx "# conf eesave=ee_preserved # 0" "$T/out"
dry -p m328p -T "config b*"
check "wildcard b* matches bootrst bootsz bodlevel blb0 blb1" test "$(grep -c '^config b' "$T/out")" -eq 5
dry -p m328p -T "config -v sut_cksel"
check "config -v explains in words" grep -q "^#   clock source: the internal RC oscillator" "$T/out"
dry -p m328p -T "config rstdisbl=0"
check "config rstdisbl=0 refused (9)" rc_is 9
check "refusal names RSTDISBL" says "RSTDISBL" "$T/err"
dry -p m328p -T "config sut_cksel=extxosc_8mhz_xx_16kck_14ck_65ms"
check "config to an external crystal refused (9)" rc_is 9
dry -p m328p --allow=clock -T "config sut_cksel=extxosc_8mhz_xx_16kck_14ck_65ms" -T "config -f sut_cksel"
check "... allowed with --allow=clock" grep -qx "# Fuse lfuse value 0x7f" "$T/out"
dry -p m328p -U config:w:eesave=ee_preserved,bodlevel=bod_2v7:m -U fuses:r:-:h
check "-U config:w:...:m sets settings by name: exit 0" rc_is 0
check "-U config: hfuse and efuse changed" grep -qx "0x62,0xd1,0xfd" "$T/out"
dry -p m328p -U config:w:rstdisbl=gpio*:m
check "-U config:w: refused like -U (9)" rc_is 9
dry -p m328p -T "write hfuse 0x59"
check "write hfuse with RSTDISBL refused (9)" rc_is 9
dry -p m328p -T "config bogus"
check "unknown setting: usage error listing them" says "its settings are: sut_cksel" "$T/err"
dry -p m328p -T "config eesave=nonsense"
check "unknown value: usage error listing them" says "ee_preserved, ee_erased" "$T/err"
dry -p m328p -T "frobnicate"
check "unknown command: usage error" rc_is 2

# --json with -T: the JSON alone on stdout, with the -U results
"$FTISP" -c dryrun -p m328p --json -U eeprom:w:1:m -T "dump ee 0 16" -U ee:r:"$T/j.bin":r >"$T/out" 2>"$T/err"
rc=$?
check "--json with -T: exit 0" rc_is 0
check "--json with -T: stdout is the JSON, ops reported ok" python3 -c "
import json,sys; d=json.load(open(sys.argv[1]))
assert d['result']=='ok' and [o['result'] for o in d['operations']]==['ok','ok'], d" "$T/out"
check "--json with -T: the dump went to stderr" grep -q "^0000  01 ff" "$T/err"

# save, backup, restore, verify
dry -p m328p -T "write ee 0 1 2 3 4 5 6 7 8 9" -T "save ee 0 2 8 2 $T/sv.bin" -T "save ee 0 2 8 2 $T/sv.hex:i" \
    -T "backup flash,eeprom $T/bk.hex"
check "save and backup: exit 0" rc_is 0
check "save to raw concatenates the segments" cmp -s "$T/sv.bin" <(printf '\x01\x02\x09\xff')
check "save to Intel HEX keeps the addresses" grep -qx ":0200080009FFEE" "$T/sv.hex"
check "backup of a list is Intel HEX with EEPROM at 0x810000" grep -q "^:020000040081" "$T/bk.hex"
dry -p m328p -T "restore flash,eeprom $T/bk.hex" -T "verify flash,eeprom $T/bk.hex" -T "d ee 0 16"
check "restore then verify: exit 0" rc_is 0
check "verify says so" grep -q "verified against" "$T/out"
check "restored EEPROM" grep -q "^0000  01 02 03 04 05 06 07 08  09 ff" "$T/out"
dry -p m328p -T "restore ee $T/sv.bin" -T "write ee 0 0x55" -T "verify ee $T/sv.bin"
check "verify after a change (flushed first): verify error (8)" rc_is 8

# --json for a memory list: one operation per memory, valid against the schema
"$FTISP" -c dryrun -p m328p --json -U all,-flash:r:"$T/b.hex" >"$T/out" 2>"$T/err"
rc=$?
check "--json with a memory list: exit 0" rc_is 0
check "--json with a memory list: valid, one operation per memory" python3 -c "
import json,sys,jsonschema
d=json.load(open(sys.argv[1])); jsonschema.validate(d, json.load(open(sys.argv[2])))
assert [o['memory'] for o in d['operations']][:2]==['eeprom','lfuse'] and d['operations'][0]['format']=='I', d
" "$T/out" "$ROOT/tests/data/ftisp-result.schema.json"

# the terminal and dryrun work on one adapter, not a station
dry -p m328p -P usb:all -T sig
check "-T with -P usb:all: usage error (2)" rc_is 2
dry -p m328p --loop
check "-c dryrun with --loop: usage error (2)" rc_is 2

# -t reads commands from a pipe; errors do not end the session
printf 'write ee 0 "abc"\nnosuch\ndump ee 0 16\nquit\n' | "$FTISP" -c dryrun -p m328p -t >"$T/out" 2>"$T/err"
rc=$?
check "-t from a pipe: exit 0" rc_is 0
check "-t: error shown, session went on" says "nosuch" "$T/err"
check "-t: dump after the error" grep -q "^0000  61 62 63 00" "$T/out"

# -t on a terminal (issue 19): Tab completes commands and memory names, and
# Ctrl-D ends the prompt's line so the shell's prompt starts on its own
cat >"$T/keys" <<'EOF'
wait ftisp> 
keys
send wri\tee\t0 0x42\n
wait (?s)ftisp> .*ftisp> $
keys
send du\t
wait dump $
send ee\t
wait dump eeprom $
send 0 4\n
wait (?s)0000  42.*ftisp> $
keys
send dump cali\t
wait dump calibration $
send \n
wait (?s)0000  80.*ftisp> $
keys
send \x04
EOF
python3 "$ROOT/tests/e2e/ptykeys.py" "$T/keys" -- "$FTISP" -c dryrun -p m328p -t >"$T/tty" 2>"$T/tty.err"
rc=$?
check "-t on a terminal: exit 0" rc_is 0
# each prompt is waited for until the line editor reads keys, and each Tab
# until its completion is drawn: the screen then shows the completed words
check "-t: Tab completed the command and the memory (du<Tab>ee<Tab>)" grep -q "ftisp> dump eeprom 0 4" "$T/tty"
check "-t: ... and the write they dump went through" grep -q "^0000  42 ff ff ff" "$T/tty"
check "-t: Tab completes a memory the part has (cali<Tab>)" grep -q "ftisp> dump calibration" "$T/tty"
check "-t: Ctrl-D ends the last prompt's line" sh -c "tail -c 1 '$T/tty' | od -An -c | grep -q '\\\\n' && tail -1 '$T/tty' | grep -q '^ftisp> '"

# on the emulated chip: the terminal's writes land in the chip
export FTEMU_FUSES=ff,d9,fd
emu "$T/c" -p m328p -T "write eeprom 0 0x11 0x22" -T "config eesave=ee_preserved" -T "dump ee 0 16"
check "emulator: -T session exit 0" rc_is 0
check "emulator: EEPROM written" cmp -s <(head -c 2 "$T/c/eeprom.bin") <(printf '\x11\x22')
check "emulator: hfuse written by config" cmp -s "$T/c/fuses.bin" <(printf '\xff\xd1\xfd')
# -n (issue 19, defect 5): the terminal says what would be written, as -U
# does, and never shows a write that did not happen as the chip's bytes
emu "$T/n" -p m328p -n -U config:w:bodlevel=bod_4v3:m -T "config bodlevel"
check "-n config: exit 0" rc_is 0
check "-n config: said as -U says it" says -x "ftisp: efuse: 0xfd would become 0xfc (-n)" "$T/n/stderr"
check "-n config: no \"->\" line of a write" sh -c "! grep -q -- '->' '$T/n/stdout'"
check "-n config: the setting read back as the chip has it" grep -qx "config bodlevel=bod_2v7 # 5" "$T/n/stdout"
check "-n config: efuse not written" cmp -s "$T/n/fuses.bin" <(printf '\xff\xd9\xfd')
emu "$T/n" -p m328p -n -T "write eeprom 0 0x99" -T "dump eeprom 0 4" -T flush -T "write hfuse 0xd1" -T "dump hfuse" -T erase
check "-n terminal: exit 0" rc_is 0
check "-n dump shows the chip, not the cached write" grep -qx "0000  ff ff ff ff  *|....  *|" "$T/n/stdout"
check "-n dump says why" says -x "ftisp: dump eeprom: the chip as it is; 1 cached byte here will not be written (-n)" "$T/n/stderr"
check "-n flush says what would change" says -x "ftisp: eeprom: 1 of 1 bytes would change (-n)" "$T/n/stderr"
check "-n fuse write said as -U says it" says -x "ftisp: hfuse: 0xd9 would become 0xd1 (-n)" "$T/n/stderr"
check "-n fuse dump shows the chip" grep -qx "0000  d9  *|.  *|" "$T/n/stdout"
check "-n erase: would be, not \"erased\"" sh -c "grep -qx 'ftisp: the chip would be erased (-n)' '$T/n/stderr' && ! grep -q 'erase' '$T/n/stdout'"
check "-n: EEPROM untouched" cmp -s "$T/n/eeprom.bin" <(head -c 1024 /dev/zero | tr '\0' '\377')
check "-n: fuses untouched" cmp -s "$T/n/fuses.bin" <(printf '\xff\xd9\xfd')
finish
