#!/bin/bash
# Programmer entries from -C files and ~/.avrduderc (avrdude.conf syntax),
# and avrdude's FTDI MPSSE boards: ids, USB ids, serial, channel, RESET,
# buffer and LED pins as the emulated adapter sees them.
. "$(dirname "$0")/lib.sh"
export HOME=$T/home XDG_CONFIG_HOME=
mkdir -p "$HOME"

cat >"$T/my.conf" <<'CONF'
# a box of our own
programmer parent "ft232h"
    id = "mybox";
    desc = "our production box";
    usbsn = "FT1ZX9QK";
    reset = 4;
    buff = ~7;
;
CONF
FTEMU_ADAPTERS=ft232h:FT1ZX9QK FTEMU_RESET_PIN=AD4 FTEMU_PINLOG=$T/pins1 \
    emu "$T/a" -C +"$T/my.conf" -c mybox -p m328p -U eeprom:w:1,2:m
check "-C +file programmer entry: exit 0" rc_is 0
check "entry's RESET AD4 reached the chip" cmp -s <(head -c 2 "$T/a/eeprom.bin") <(printf '\x01\x02')
check "buff = ~7: AD7 driven low while working" grep -q "^[0-7]. [89a-f]" "$T/pins1"
FTEMU_ADAPTERS=ft232h:OTHER1 FTEMU_RESET_PIN=AD4 emu "$T/b" -C "$T/my.conf" -c mybox -p m328p -U eeprom:r:-:h
check "usbsn picks the adapter: another serial is no adapter (4)" rc_is 4

# ~/.avrduderc with default_programmer; -N ignores it
cat >"$HOME/.avrduderc" <<'CONF'
default_programmer = "mybox";
programmer parent "ft232h" id = "mybox"; usbsn = "FT1ZX9QK"; reset = 4; buff = ~7; ;
CONF
FTEMU_ADAPTERS=ft232h:FT1ZX9QK FTEMU_RESET_PIN=AD4 emu "$T/c" -p m328p -U eeprom:w:3:m
check "~/.avrduderc default_programmer used without -c: exit 0" rc_is 0
FTEMU_ADAPTERS=ft232h:FT1ZX9QK FTEMU_RESET_PIN=AD4 emu "$T/d" -N -c mybox -p m328p
check "-N: ~/.avrduderc not read, mybox unknown (2)" rc_is 2
check "-N: message says unknown programmer" says "unknown programmer" "$T/d/stderr"
rm "$HOME/.avrduderc"

# entries ftisp cannot drive, and broken entries: read, judged only if selected
cat >"$T/other.conf" <<'CONF'
programmer
    id = "usbasp2";
    type = "usbasp";
    usbvid = 0x16c0;
;
programmer parent "2232h" id = "bad"; reset = 1; ;
CONF
emu "$T/e" -C "$T/other.conf" -c bad -p m328p
check "broken entry selected: input error (3)" rc_is 3
check "broken entry named by file:line" says "other.conf:6: reset = 1" "$T/e/stderr"
emu "$T/e" -C "$T/other.conf" -c usbasp2 -p m328p
check "non-FTDI programmer (beside a broken one): usage error (2)" rc_is 2
check "says which type it is" says 'type "usbasp", a USBasp' "$T/e/stderr"
check "says which types ftisp drives" says 'ftisp drives programmer types "avrftdi"' "$T/e/stderr"
# a built-in ftdi_syncbb board is driven: with only an FT232H on the bus it
# finds no FT232R (exit 4), rather than refusing the programmer
emu "$T/e" -c arduino-ft232r -p m328p
check "ftdi_syncbb built in and driven: no FT232R found, exit 4" rc_is 4
! says "not supported" "$T/e/stderr" && ok "ftdi_syncbb: not refused as unsupported" || notok "ftdi_syncbb: not refused as unsupported"

# real avrdude.conf files (tests/data/avrdude-conf): avrdude 8.2's, Debian's
# 7.1, an Arduino core's 6.x; -C FILE and -C +FILE, the usbasp judged
for f in "$ROOT"/tests/data/avrdude-conf/*.conf; do
    n=$(basename "$f")
    emu "$T/r" -C "$f" -c ft232h -p m328p -U eeprom:r:-:h
    check "-C $n -c ft232h: exit 0" rc_is 0
    FTEMU_ADAPTERS=ft2232h:H2 emu "$T/r" -C +"$f" -c 2232h -p m328p -U eeprom:r:-:h
    check "-C +$n -c 2232h: exit 0" rc_is 0
    emu "$T/r" -C "$f" -c usbasp -p m328p
    check "-C $n -c usbasp: usage error (2) naming the type" sh -c "[ $rc = 2 ] && grep -q 'type \"usbasp\"' '$T/r/stderr'"
done
# -C FILE is read before ~/.avrduderc, -C +FILE after (avrdude 8's order)
printf 'programmer parent "ft232h" id = "ordr"; reset = 4; ;\n' >"$T/main.conf"
printf 'programmer parent "ft232h" id = "ordr"; reset = 5; ;\n' >"$HOME/.avrduderc"
printf 'programmer parent "ft232h" id = "ordr"; reset = 6; ;\n' >"$T/plus.conf"
FTEMU_RESET_PIN=AD5 emu "$T/o" -C +"$T/plus.conf" -C "$T/main.conf" -c ordr -p m328p -U eeprom:r:-:h
check "-C +FILE after ~/.avrduderc: RESET AD5 is not the one used (AD6)" says "does not answer" "$T/o/stderr"
FTEMU_RESET_PIN=AD5 emu "$T/o" -C "$T/main.conf" -c ordr -p m328p -U eeprom:r:-:h
check "~/.avrduderc after -C FILE: RESET AD5 used" rc_is 0
rm "$HOME/.avrduderc"

# avrdude's boards: tigard is channel B with RESET on BD5
FTEMU_ADAPTERS=ft2232h:TIG001 FTEMU_RESET_PIN=AD5 emu "$T/t" -c tigard -p m328p -U eeprom:w:7:m
check "tigard (channel B, RESET BD5): exit 0" rc_is 0
check "tigard wrote the channel-B target" cmp -s <(head -c 1 "$T/t/TIG001-B/eeprom.bin") <(printf '\x07')
# 2232hio: buffer ~AD4 and four LEDs (~AC3 err, ~AC4 vfy, ~AC5 pgm, ~AC6 rdy)
FTEMU_ADAPTERS=ft2232h:H1 FTEMU_PINLOG=$T/pins2 emu "$T/h" -c 2232hio -p m328p -U eeprom:w:1:m
check "2232hio: exit 0" rc_is 0
check "2232hio: buffer AD4 driven low" grep -q "^.. 1b " "$T/pins2"
check "2232hio: LEDs start off (AC3-AC6 high)" grep -q " 78 78$" "$T/pins2"
check "2232hio: rdy+pgm+vfy lit while verifying" grep -q " 08 78$" "$T/pins2"
check "2232hio: only rdy lit at the end" sh -c "grep -v '00 00$' '$T/pins2' | tail -1 | grep -q ' 38 78$'"
FTEMU_ADAPTERS=ft2232h:H1 FTEMU_PINLOG=$T/pins3 FTEMU_FAULT=no_target emu "$T/h2" -c 2232hio -p m328p
check "2232hio: error LED lit on failure" grep -q " [0-7]0 78$\| 30 78$" "$T/pins3"

"$FTISP" -c '?' >"$T/list" 2>&1
for id in ft232h 2232h 4232h tigard 2232hio avrisp-u jtagkey ktlink flyswatter2 digilent-hs2 dryrun; do
    check "-c ? lists $id" grep -q "^$id " "$T/list"
done
finish
