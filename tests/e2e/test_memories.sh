#!/bin/bash
# EEPROM, fuses, lock, holes, input formats, -V, -A, stdin/stdout.
. "$(dirname "$0")/lib.sh"
export FTEMU_FUSES=ff,de,fd

# EEPROM: write, verify, read in every format.
randbin "$T/e.bin" 1024 4
bin2hex "$T/e.bin" "$T/e.hex"
emu "$T/c" -p m328p -U eeprom:w:"$T/e.hex"
check "eeprom: 1 KiB write exits 0" rc_is 0
check "eeprom: emulated EEPROM equals the file" same_at "$T/c/eeprom.bin" "$T/e.bin" 0
emu "$T/c" -p m328p -U eeprom:r:"$T/e.back":r
check "eeprom: raw read-back equals the file" cmp -s "$T/e.back" "$T/e.bin"

# Holes keep the chip's bytes: a sparse EEPROM file changes only its bytes.
printf ':020010005AA5EF\n:00000001FF\n' >"$T/sparse.hex"
emu "$T/c" -p m328p -U eeprom:w:"$T/sparse.hex"
check "eeprom holes: exit 0" rc_is 0
python3 - "$T/e.bin" "$T/want.bin" <<'PY'
import sys
b = bytearray(open(sys.argv[1], 'rb').read()); b[0x10] = 0x5a; b[0x11] = 0xa5
open(sys.argv[2], 'wb').write(b)
PY
check "eeprom holes: every other byte kept" cmp -s "$T/c/eeprom.bin" "$T/want.bin"

# Holes with -D: flash bytes outside the file stay as the chip had them.
randbin "$T/f.bin" 2048 5
bin2hex "$T/f.bin" "$T/f.hex"
emu "$T/c" -p m328p -U flash:w:"$T/f.hex"
printf ':021000001122BB\n:00000001FF\n' >"$T/patch.hex"
emu "$T/c" -p m328p -e -U flash:w:"$T/f.hex"
emu "$T/c" -p m328p -D -U flash:w:"$T/patch.hex"
check "flash -D patch into erased area: exit 0" rc_is 0
check "flash -D patch: old bytes kept" same_at "$T/c/flash.bin" "$T/f.bin" 0
printf '\x11\x22' >"$T/patch.bin"
check "flash -D patch: new bytes there" same_at "$T/c/flash.bin" "$T/patch.bin" $((0x1000))

# Fuses (safe bit changes) and lock, in immediate and byte-list forms.
emu "$T/c" -p m328p -U hfuse:w:0xd6:m -U efuse:w:0xfc:m
check "fuses: BOOTSZ/EESAVE and BODLEVEL writes exit 0" rc_is 0
check "fuses: dump holds ff d6 fc" cmp -s "$T/c/fuses.bin" <(printf '\xff\xd6\xfc')
emu "$T/c" -p m328p -U hfuse:r:"$T/h.txt":h -U lfuse:r:"$T/l.txt":d -U efuse:r:-:b
check "fuses read in h, d, b" rc_is 0
check "hfuse as hex" grep -qx "0xd6" "$T/h.txt"
check "lfuse as decimal" grep -qx "255" "$T/l.txt"
check "efuse as binary on stdout" grep -qx "0b11111100" "$T/c/stdout"
emu "$T/c" -p m328p -U lock:w:0xef:m
check "lock: boot lock bits (no lock-out) exit 0" rc_is 0
check "lock: dump holds 0xef" cmp -s "$T/c/lock.bin" <(printf '\xef')
emu "$T/c" -p m328p --allow=lock -U lock:w:0xec:m
check "lock: LB bits with --allow=lock" rc_is 0
emu "$T/c" -p m328p -e
check "chip erase clears the lock bits" cmp -s "$T/c/lock.bin" <(printf '\xff')

# Input formats: ELF, S-record, raw, Intel HEX, auto-detected, from stdin.
D=$ROOT/tests/data/firmware
if [ -f "$D/prog.elf" ]; then
    for f in prog.elf prog.hex prog.srec; do
        emu "$T/fmt" -p m328p -U flash:w:"$D/$f"
        check "format auto-detected: $f" rc_is 0
    done
    emu "$T/fmt" -p m328p -U flash:w:"$D/prog.bin":r
    check "format r: prog.bin" rc_is 0
    emu "$T/fmt" -p m328p -U flash:v:"$D/prog.elf":e
    check "ELF verifies against what the other formats wrote" rc_is 0
    LD_PRELOAD=$EMU FTEMU_OUT=$T/fmt FTEMU_STATE=$T/fmt "$FTISP" -p m328p -U flash:v:-:i <"$D/prog.hex" 2>/dev/null
    check "standard input as a file" [ $? -eq 0 ]
else
    notok "tests/data/firmware/prog.elf missing"
fi

# -V reads nothing back.
emu "$T/c" -p m328p -e -V -U flash:w:"$T/f.hex"
check "-V: exit 0" rc_is 0
check "-V: no flash read instructions reached the chip" /usr/bin/python3 -c \
    "import json,sys; sys.exit(json.load(open('$T/c/stats.json'))['instructions']['read_flash'] != 0)"

# The low fuse: CKOUT is not a clock-source change.
emu "$T/c" -p m328p -U lfuse:w:0xbf:m
check "lfuse: CKOUT write exits 0" rc_is 0
check "lfuse: dump holds 0xbf" cmp -s -n 1 "$T/c/fuses.bin" <(printf '\xbf')

# -l: messages go to the log file, not to standard error.
emu "$T/c" -p m328p -l "$T/log.txt" -U lfuse:r:"$T/l2.txt":h
check "-l: exit 0" rc_is 0
check "-l: the log holds the run's messages" says "ATmega328P" "$T/log.txt"
check "-l: standard error stays empty" [ ! -s "$T/c/stderr" ]

# A Makefile flash target written for avrdude works with AVRDUDE=ftisp.
mkdir -p "$T/mk/bin"
cat >"$T/mk/bin/ftisp" <<SH
#!/bin/sh
LD_PRELOAD=$EMU FTEMU_OUT=$T/mk FTEMU_STATE=$T/mk exec $FTISP "\$@"
SH
chmod +x "$T/mk/bin/ftisp"
cat >"$T/mk/Makefile" <<'MK'
AVRDUDE ?= avrdude
MCU = m328p
PROGRAMMER = -c ft232h
flash: main.hex
	$(AVRDUDE) $(PROGRAMMER) -p $(MCU) -U flash:w:$<:i
MK
cp "$T/f.hex" "$T/mk/main.hex"
(cd "$T/mk" && PATH=$T/mk/bin:$PATH make -s flash AVRDUDE=ftisp) >"$T/mk/out" 2>&1
check "Makefile flash target with AVRDUDE=ftisp" same_at "$T/mk/flash.bin" "$T/f.bin" 0

finish
