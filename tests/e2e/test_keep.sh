#!/bin/bash
# The EEPROM through the automatic erase: kept by EESAVE (two fuse writes, no
# EEPROM write), or by a copy on disk written back on parts without EESAVE;
# a journal lets a re-run finish a run cut off midway, and only on the chip
# it describes.
. "$(dirname "$0")/lib.sh"
export FTEMU_HOST_TIME=0
randbin "$T/ee.bin" 1024 31
randbin "$T/a.bin" 4096 32
randbin "$T/b.bin" 4096 33
J=$XDG_STATE_HOME/ftisp/FTEMU001-m328p-1e950f
stat_of() { python3 -c "import json,sys; s=json.load(open(sys.argv[1])); print(eval(sys.argv[2], {}, s))" "$1" "$2"; }

# ATmega328P with EESAVE unprogrammed (hfuse 0xde).
setup() { rm -rf "$T/c" "$XDG_STATE_HOME"; mkdir -p "$T/c"; cp "$T/ee.bin" "$T/c/eeprom.bin"
          printf '\xff\xde\xfd' >"$T/c/fuses.bin"; }
setup
emu "$T/c" -p m328p --json -U flash:w:"$T/a.bin":r
check "eesave: write exits 0" rc_is 0
check "eesave: flash written" same_at "$T/c/flash.bin" "$T/a.bin" 0
check "eesave: EEPROM kept" cmp -s "$T/c/eeprom.bin" "$T/ee.bin"
check "eesave: hfuse back to 0xde" cmp -s "$T/c/fuses.bin" <(printf '\xff\xde\xfd')
check "eesave: two fuse writes, no EEPROM write" \
    [ "$(stat_of "$T/c/stats.json" "instructions['write_fuse'], instructions['write_ee_page'] + instructions['write_ee_byte']")" = "(2, 0)" ]
check "eesave: --json says eesave, no copy left" grep -q '"eeprom_kept":"eesave","eeprom_copy":null' "$T/c/stdout"
check "eesave: the two hfuse writes said in normal output" \
    says "hfuse written twice: 0xd6 with EESAVE programmed for the erase, then back to 0xde" "$T/c/stderr"
check "eesave: journal and copy removed" [ ! -e "$J.journal" ] && [ ! -e "$J.eeprom.bin" ]

# EESAVE programmed already: nothing to change, EEPROM still checked.
setup; printf '\xff\xd6\xfd' >"$T/c/fuses.bin"
emu "$T/c" -p m328p --json -U flash:w:"$T/a.bin":r
check "eesave set: exit 0, EEPROM kept, no fuse write" \
    eval 'rc_is 0 && cmp -s "$T/c/eeprom.bin" "$T/ee.bin" && [ "$(stat_of "$T/c/stats.json" "instructions[\"write_fuse\"]")" = 0 ]'

# An erased EEPROM: nothing to keep, no fuse write, no journal.
setup; rm "$T/c/eeprom.bin"
emu "$T/c" -p m328p -U flash:w:"$T/a.bin":r
check "erased EEPROM: no fuse write" [ "$(stat_of "$T/c/stats.json" "instructions['write_fuse']")" = 0 ]

# The cable pulled with EESAVE programmed and the flash erased: the message
# says so and names the copy; the re-run restores the fuse and goes on.
setup
emu "$T/c" -p m328p -U flash:w:"$T/a.bin":r
n_ok=$(stat_of "$T/c/stats.json" "transfers_out + transfers_in")
setup
found=""
for n in $(seq 40 2 120); do
    setup
    FTEMU_FAULT=unplug_after=$n emu "$T/c" -p m328p -U flash:w:"$T/a.bin":r
    if grep -q "EESAVE is programmed (hfuse 0xd6 instead of 0xde)" "$T/c/stderr"; then found=$n; break; fi
done
check "pulled mid-erase: message says EESAVE is programmed, hfuse 0xd6 instead of 0xde" [ -n "$found" ]
check "pulled mid-erase: message names the copy and the journal" \
    eval 'grep -q "$J.eeprom.bin" "$T/c/stderr" && grep -q "$J.journal" "$T/c/stderr"'
check "pulled mid-erase: exit status 5" rc_is 5
check "pulled mid-erase: journal and copy on disk" eval '[ -s "$J.journal" ] && cmp -s "$J.eeprom.bin" "$T/ee.bin"'
check "pulled mid-erase: chip has EESAVE programmed" cmp -s "$T/c/fuses.bin" <(printf '\xff\xd6\xfd')
cp -r "$T/c" "$T/interrupted"; cp -r "$XDG_STATE_HOME" "$T/state.interrupted"

# -n with a journal: says what it would do, changes nothing.
emu "$T/c" -p m328p -n -U flash:w:"$T/a.bin":r
check "-n with a journal: exit 0, fuses unchanged, journal kept" \
    eval 'rc_is 0 && cmp -s "$T/c/fuses.bin" <(printf "\xff\xd6\xfd") && [ -e "$J.journal" ]'
check "-n with a journal: says an interrupted run left it" says "interrupted run" "$T/c/stderr"

emu "$T/c" -p m328p -U flash:w:"$T/a.bin":r
check "re-run: exit 0" rc_is 0
check "re-run: says it finishes the interrupted run" says "finishing what an interrupted run left" "$T/c/stderr"
check "re-run: flash written, EEPROM and fuses as before" \
    eval 'same_at "$T/c/flash.bin" "$T/a.bin" 0 && cmp -s "$T/c/eeprom.bin" "$T/ee.bin" && cmp -s "$T/c/fuses.bin" <(printf "\xff\xde\xfd")'
check "re-run: journal removed" [ ! -e "$J.journal" ]

# Another chip on the adapter (other EEPROM, other fuses): the journal is
# not applied to it.
rm -rf "$XDG_STATE_HOME"; cp -r "$T/state.interrupted" "$XDG_STATE_HOME"
rm -rf "$T/other"; mkdir -p "$T/other"; randbin "$T/other/eeprom.bin" 1024 34
printf '\xff\xd9\xfd' >"$T/other/fuses.bin"
emu "$T/other" -p m328p -U flash:w:"$T/b.bin":r
check "another chip: refused, exit status 9" rc_is 9
check "another chip: its EEPROM untouched" cmp -s "$T/other/eeprom.bin" <(python3 -c "import random,sys; r=random.Random(34); sys.stdout.buffer.write(bytes(r.randrange(256) for _ in range(1024)))")
check "another chip: message names the journal and the copy" eval 'grep -q "$J.journal" "$T/other/stderr" && grep -q "eeprom:w:$J.eeprom.bin:r" "$T/other/stderr"'

# The journal is input, with the copy inside it: one byte longer, cut
# short, a byte of the copy changed, a fuse value out of range are refused
# with what was expected and found, and the chip is left alone.
damaged() { rm -rf "$XDG_STATE_HOME" "$T/dmg"; cp -r "$T/state.interrupted" "$XDG_STATE_HOME"; cp -r "$T/interrupted" "$T/dmg"; }
untouched() { cmp -s "$T/dmg/fuses.bin" "$T/interrupted/fuses.bin" && cmp -s "$T/dmg/flash.bin" "$T/interrupted/flash.bin" &&
              cmp -s "$T/dmg/eeprom.bin" "$T/interrupted/eeprom.bin"; }
jlen=$(stat -c %s "$T/state.interrupted/ftisp/$(basename "$J").journal")
damaged; printf 'x' >>"$J.journal"
emu "$T/dmg" -p m328p -U flash:w:"$T/b.bin":r
check "journal one byte longer: refused (exit 1), lengths named" \
    eval 'rc_is 1 && says "is $((jlen + 1)) bytes long where its header says $jlen (a 1024-byte EEPROM copy" "$T/dmg/stderr"'
check "journal one byte longer: chip untouched" untouched
damaged; truncate -s 1200 "$J.journal"
emu "$T/dmg" -p m328p -U flash:w:"$T/b.bin":r
check "journal cut short: refused (exit 1), lengths named, chip untouched" \
    eval 'rc_is 1 && says "is 1200 bytes long where its header says $jlen" "$T/dmg/stderr" && untouched'
damaged; printf '\x00' | dd of="$J.journal" bs=1 seek=$((jlen - 69 - 100)) conv=notrunc 2>/dev/null
emu "$T/dmg" -p m328p -U flash:w:"$T/b.bin":r
check "a byte of the copy in the journal changed: refused, the SHA-256 named, chip untouched" \
    eval 'rc_is 1 && says "does not match its SHA-256" "$T/dmg/stderr" && untouched'
# a fuse past 0xff with the file's checksum made right again: the header's own check
damaged; python3 - "$J.journal" <<'PY'
import hashlib, sys
d = open(sys.argv[1], "rb").read()[:-69].replace(b"\nfuses 3 ff de fd\n", b"\nfuses 3 ff 1de fd\n")
open(sys.argv[1], "wb").write(d + b"end " + hashlib.sha256(d).hexdigest().encode() + b"\n")
PY
emu "$T/dmg" -p m328p -U flash:w:"$T/b.bin":r
check "journal with a fuse past 0xff: refused as not understood" \
    eval 'rc_is 1 && says "not a journal this ftisp understands" "$T/dmg/stderr" && untouched'
# The raw copy beside the journal is for a restore by hand, not what the
# chip gets back: changed or gone, the journal's copy restores the chip.
damaged; printf '\x00' | dd of="$J.eeprom.bin" bs=1 seek=100 conv=notrunc 2>/dev/null; printf 'x' >>"$J.eeprom.bin"
emu "$T/dmg" -p m328p -U flash:w:"$T/b.bin":r
check "raw copy damaged: the journal's copy restores the chip, flash written" \
    eval 'rc_is 0 && cmp -s "$T/dmg/eeprom.bin" "$T/ee.bin" && cmp -s "$T/dmg/fuses.bin" <(printf "\xff\xde\xfd") && same_at "$T/dmg/flash.bin" "$T/b.bin" 0'
check "raw copy damaged: journal and copy removed" eval '[ ! -e "$J.journal" ] && [ ! -e "$J.eeprom.bin" ]'
# ... and when the chip is refused, the raw copy the message names is
# written again from the journal first
rm -rf "$XDG_STATE_HOME"; cp -r "$T/state.interrupted" "$XDG_STATE_HOME"; rm "$J.eeprom.bin"
rm -rf "$T/other"; mkdir -p "$T/other"; randbin "$T/other/eeprom.bin" 1024 34
printf '\xff\xd9\xfd' >"$T/other/fuses.bin"
emu "$T/other" -p m328p -U flash:w:"$T/b.bin":r
check "raw copy gone, another chip: refused (exit 9), the raw copy it names written again" \
    eval 'rc_is 9 && grep -q "eeprom:w:$J.eeprom.bin:r" "$T/other/stderr" && cmp -s "$J.eeprom.bin" "$T/ee.bin"'

# Journals of the earlier format ("ftisp-journal 1": text naming a separate
# copy, the only copy) are still read: finished on the chip, and their copy
# refused when it is not the one recorded.
v1_journal() { python3 - "$J.journal" <<'PY'
import sys
p = sys.argv[1]
d = open(p, "rb").read()
i = d.index(b"\ndata\n") + 6
head = d[:i - 5].decode().splitlines()
size = int([l for l in head if l.startswith("eeprom ")][0].split()[1])
raw = p[:-len(".journal")] + ".eeprom.bin"
open(raw, "wb").write(d[i:i + size])
lines = ["ftisp-journal 1"] + [l for l in head[1:] if not l.startswith(("# The EEPROM", "# on the line"))]
open(p, "w").write("\n".join(lines) + "\ncopy " + raw + "\n")
PY
}
damaged; v1_journal
check "format 1: written as earlier versions did" eval 'head -1 "$J.journal" | grep -qx "ftisp-journal 1" && grep -qx "copy $J.eeprom.bin" "$J.journal"'
emu "$T/dmg" -p m328p -U flash:w:"$T/b.bin":r
check "format 1: the re-run finishes it: EEPROM and fuses as before, flash written, journal and copy removed" \
    eval 'rc_is 0 && says "finishing what an interrupted run left" "$T/dmg/stderr" && cmp -s "$T/dmg/eeprom.bin" "$T/ee.bin" &&
          cmp -s "$T/dmg/fuses.bin" <(printf "\xff\xde\xfd") && same_at "$T/dmg/flash.bin" "$T/b.bin" 0 &&
          [ ! -e "$J.journal" ] && [ ! -e "$J.eeprom.bin" ]'
damaged; v1_journal; printf 'x' >>"$J.eeprom.bin"
emu "$T/dmg" -p m328p -U flash:w:"$T/b.bin":r
check "format 1, copy one byte longer: refused (exit 1), sizes named" \
    eval 'rc_is 1 && says "holds more than 1024 bytes where the journal says 1024" "$T/dmg/stderr"'
check "format 1, copy one byte longer: chip untouched" untouched
damaged; v1_journal; printf '\x00' | dd of="$J.eeprom.bin" bs=1 seek=100 conv=notrunc 2>/dev/null
emu "$T/dmg" -p m328p -U flash:w:"$T/b.bin":r
check "format 1, copy changed: refused, the SHA-256 named" eval 'rc_is 1 && says "does not match the journal.s SHA-256" "$T/dmg/stderr" && untouched'

# A new board with an erased EEPROM and the same fuses: with EESAVE the
# interrupted chip's EEPROM was never erased, so this is another chip.
rm -rf "$XDG_STATE_HOME"; cp -r "$T/state.interrupted" "$XDG_STATE_HOME"
rm -rf "$T/new"; mkdir -p "$T/new"; printf '\xff\xde\xfd' >"$T/new/fuses.bin"
emu "$T/new" -p m328p -U flash:w:"$T/b.bin":r
check "new blank board: refused, exit status 9, EEPROM left erased" \
    eval 'rc_is 9 && [ -z "$(tr -d "\377" <"$T/new/eeprom.bin")" ]'

# No place for the copy: refused before anything changes.
setup
: >"$T/a-file"   # a directory cannot be made under a file, even by root
HOME=$T/a-file XDG_STATE_HOME= emu "$T/c" -p m328p -U flash:w:"$T/a.bin":r
check "no place for the copy: exit status 9" rc_is 9
check "no place for the copy: chip untouched" \
    eval 'cmp -s "$T/c/eeprom.bin" "$T/ee.bin" && cmp -s "$T/c/fuses.bin" <(printf "\xff\xde\xfd") && [ "$(stat_of "$T/c/stats.json" "instructions[\"chip_erase\"]")" = 0 ]'

# A part without EESAVE (ATmega163): the copy goes to disk, is named, and
# is written back and verified.
rm -rf "$T/m163" "$XDG_STATE_HOME"; mkdir -p "$T/m163"; head -c 512 "$T/ee.bin" >"$T/m163/eeprom.bin"
FTEMU_PART=m163 emu "$T/m163" -p m163 --json -U flash:w:"$T/a.bin":r
check "no EESAVE: exit 0" rc_is 0
check "no EESAVE: EEPROM written back" cmp -s "$T/m163/eeprom.bin" <(head -c 512 "$T/ee.bin")
check "no EESAVE: the message names the copy" says "EEPROM copied to $XDG_STATE_HOME/ftisp/FTEMU001-m163-1e9402.eeprom.bin" "$T/m163/stderr"
check "no EESAVE: --json says rewritten" grep -q '"eeprom_kept":"rewritten"' "$T/m163/stdout"
# ... and pulled while writing it back: the re-run finishes the restore.
for n in 60 120 200; do
    rm -rf "$T/m163" "$XDG_STATE_HOME"; mkdir -p "$T/m163"; head -c 512 "$T/ee.bin" >"$T/m163/eeprom.bin"
    FTEMU_PART=m163 FTEMU_FAULT=unplug_after=$n emu "$T/m163" -p m163 -U flash:w:"$T/a.bin":r
    r1=$rc
    FTEMU_PART=m163 emu "$T/m163" -p m163 -U flash:w:"$T/a.bin":r
    check "no EESAVE, pulled after $n transfers (exit $r1): re-run restores EEPROM and writes flash" \
        eval 'rc_is 0 && cmp -s "$T/m163/eeprom.bin" <(head -c 512 "$T/ee.bin") && same_at "$T/m163/flash.bin" "$T/a.bin" 0'
done
# Two EEPROM reads that disagree (one bit flipped on MISO in the first): the
# journal written for the first read while the second one checks it is
# replaced by one holding the bytes two reads agreed on.
setup
FTEMU_TRACE=1 emu "$T/c" -p m328p -U flash:w:"$T/a.bin":r
first=$(grep '^ftemu: t=' "$T/c/stderr" | grep -n ' A0 ' | head -1 | cut -d: -f1)   # the first EEPROM read instruction
flip=$((4 * (first - 1 + 100) + 3))   # its data byte at address 0x64 (the byte after the second is the one shifted out)
found=""
for n in $(seq 40 2 160); do
    setup
    FTEMU_FAULT=miso_flip=$flip,unplug_after=$n emu "$T/c" -p m328p -v -U flash:w:"$T/a.bin":r
    if grep -q "EESAVE is programmed (hfuse 0xd6 instead of 0xde)" "$T/c/stderr"; then found=$n; break; fi
done
check "reads disagree: said, and pulled mid-erase with EESAVE programmed" \
    eval '[ -n "$found" ] && says "EEPROM: two reads differ at 0x0064" "$T/c/stderr"'
journal_copy() { python3 -c "import sys; d=open(sys.argv[1],'rb').read(); i=d.index(b'\ndata\n')+6; sys.stdout.buffer.write(d[i:i+1024])" "$1"; }
check "reads disagree: the journal and the raw copy hold the EEPROM as it is" \
    eval 'cmp -s <(journal_copy "$J.journal") "$T/ee.bin" && cmp -s "$J.eeprom.bin" "$T/ee.bin"'
emu "$T/c" -p m328p -U flash:w:"$T/a.bin":r
check "reads disagree: the re-run finishes, EEPROM and fuses as before" \
    eval 'rc_is 0 && cmp -s "$T/c/eeprom.bin" "$T/ee.bin" && cmp -s "$T/c/fuses.bin" <(printf "\xff\xde\xfd") && [ ! -e "$J.journal" ]'

# An EEPROM write after the erase in the same run (it waits until the
# journal's removal is on disk: a journal back after a power loss would put
# the old copy over it): written, nothing left behind; also without EESAVE.
randbin "$T/ee2.bin" 1024 35
python3 -c "import sys; sys.stdout.buffer.write(b'\xff' * 512)" >"$T/blank512.bin"
setup
emu "$T/c" -p m328p -U flash:w:"$T/a.bin":r -U eeprom:w:"$T/ee2.bin":r
check "kept, then the EEPROM written in the same run: exit 0, EEPROM written, flash written, no journal" \
    eval 'rc_is 0 && cmp -s "$T/c/eeprom.bin" "$T/ee2.bin" && same_at "$T/c/flash.bin" "$T/a.bin" 0 && [ -z "$(ls -A "$XDG_STATE_HOME/ftisp")" ]'
rm -rf "$T/m163" "$XDG_STATE_HOME"; mkdir -p "$T/m163"; head -c 512 "$T/ee.bin" >"$T/m163/eeprom.bin"
FTEMU_PART=m163 emu "$T/m163" -p m163 -U flash:w:"$T/a.bin":r -U eeprom:w:"$T/blank512.bin":r
check "no EESAVE, written back, then erased by the same run's EEPROM write: exit 0, EEPROM erased, no journal" \
    eval 'rc_is 0 && cmp -s "$T/m163/eeprom.bin" "$T/blank512.bin" && [ -z "$(ls -A "$XDG_STATE_HOME/ftisp")" ]'
finish
