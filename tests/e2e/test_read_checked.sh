#!/bin/bash
# A read to a file is read until two reads agree; -V reads it once.
. "$(dirname "$0")/lib.sh"
export FTEMU_HOST_TIME=0 FTEMU_FUSES=ff,de,fd
randbin "$T/chip.bin" 32768 7
export FTEMU_FLASH=$T/chip.bin
reads() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['instructions']['read_flash'])" "$1/stats.json"; }

emu "$T/a" -p m328p -U "flash:r:$T/a.bin:r"
check "a checked read exits 0" rc_is 0
check "a checked read reads the flash twice (65536 byte reads)" [ "$(reads "$T/a")" -eq 65536 ]

emu "$T/b" -p m328p -V -U "flash:r:$T/b.bin:r"
check "-V: the read exits 0" rc_is 0
check "-V: the flash is read once (32768 byte reads)" [ "$(reads "$T/b")" -eq 32768 ]
check "-V: the file is the same as a checked read's" cmp -s "$T/a.bin" "$T/b.bin"

check "the file holds the chip's flash" cmp -s "$T/a.bin" "$T/chip.bin"
FTEMU_FAULT=miso_flip=5000 emu "$T/d" -p m328p -U "flash:r:$T/d.bin:r"
check "a flipped bit during a checked read: exit 0 with the right file" \
    sh -c "[ $rc -eq 0 ] && cmp -s '$T/chip.bin' '$T/d.bin'"
# A verify reads what the file sets, skipping long gaps: a serial number at
# the end of a short image costs a few bytes, not a read of the blank flash.
head -c 100 "$T/chip.bin" >"$T/start.bin"
tail -c 4 "$T/chip.bin" >"$T/end.bin"
# gaphex NAME: an Intel HEX of start.bin's first 16 bytes at 0 and end.bin at 0x7ffc
gaphex() {
    python3 - "$T" "$1" <<'PY'
import sys
t, name = sys.argv[1], sys.argv[2]
def rec(addr, data):
    body = bytes([len(data), addr >> 8, addr & 255, 0]) + data
    return ":" + body.hex().upper() + "%02X" % (-sum(body) & 255) + "\n"
with open(t + "/" + name, "w") as f:
    f.write(rec(0, open(t + "/start.bin", "rb").read()[:16]) + rec(0x7FFC, open(t + "/end.bin", "rb").read()) + ":00000001FF\n")
PY
}
gaphex gap.hex
emu "$T/g" -p m328p -U "flash:v:$T/gap.hex:i"
check "a verify across a 32 KiB gap exits 0" rc_is 0
check "it reads the 20 bytes the file sets, not the gap ($(reads "$T/g") byte reads)" [ "$(reads "$T/g")" -le 64 ]
printf '\x00' | dd of="$T/end.bin" bs=1 seek=3 conv=notrunc 2>/dev/null
gaphex gap2.hex
emu "$T/g2" -p m328p -U "flash:v:$T/gap2.hex:i"
check "a difference after the gap is still found (exit 8, at 0x7fff)" sh -c "[ $rc -eq 8 ] && grep -q '0x7fff' '$T/g2/stderr'"
finish
