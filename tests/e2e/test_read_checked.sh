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
finish
