#!/bin/bash
# Every extension of the table of formats (src/image/image_format.c) round
# trips: flash read into x.EXT from a chip holding random bytes, written from
# x.EXT onto a fresh chip, and that chip's flash equals the first. An
# extension whose format ftisp cannot write (ELF) is refused before the chip
# is touched, naming the formats it can write.
. "$(dirname "$0")/lib.sh"
export FTEMU_HOST_TIME=0
unset FTEMU_FAULT FTEMU_FUSES FTEMU_PART FTEMU_FLASH FTEMU_EEPROM
# the rows' extension strings: ".hex .ihx ...", one word each
exts=$(sed -n '/ formats\[\] = {/,/^};/p' "$ROOT/src/image/image_format.c" | grep -o '"\.[a-z0-9 .]*"' | tr -d '"' | tr ' ' '\n')
check "the extension table is found (${exts//$'\n'/ })" test "$(wc -w <<<"$exts")" -ge 10

randbin "$T/src.bin" 32768 31
python3 - "$T/src.bin" <<'EOF'
import sys
d = bytearray(open(sys.argv[1], "rb").read())
d[20000:] = b"\xff" * (len(d) - 20000)   # a sketch-sized image, erased after it
d[100:130] = b"\xff" * 30                 # and a hole of 0xFF inside
open(sys.argv[1], "wb").write(d)
EOF
for e in $exts; do
    d=$T/r$e; mkdir -p "$d"
    cp "$T/src.bin" "$d/flash.bin"
    emu "$d" -c ft232h -p m328p -U "flash:r:$T/x$e"
    if [ "$e" = .elf ]; then
        rc_is 2 && says "elf" "$d/stderr" && [ ! -e "$T/x$e" ] &&
            ok "$e: reading into an ELF file is refused before the chip is touched" ||
            notok "$e: read into ELF: exit $rc: $(tail -1 "$d/stderr")"
        continue
    fi
    if ! rc_is 0; then
        notok "$e: read: exit $rc: $(tail -1 "$d/stderr")"
        continue
    fi
    w=$T/w$e; mkdir -p "$w"
    emu "$w" -c ft232h -p m328p -U "flash:w:$T/x$e"
    rc_is 0 && cmp -s "$w/flash.bin" "$T/src.bin" && ok "$e: read, written back, flash equal" ||
        notok "$e: written back: exit $rc, flash $(cmp "$w/flash.bin" "$T/src.bin" 2>&1 | head -1)"
done
finish
