#!/bin/bash
# Called by the name avrdude (a link), ftisp speaks avrdude 8.2 for what
# tools parse: the signature line, bars, "N bytes of flash written/verified",
# "avrdude done.  Thank you.", exit status 1 on any failure, raw binary for
# a read of one memory whatever the file's name. Under its own name nothing
# changes.
. "$(dirname "$0")/lib.sh"
ln -s "$FTISP" "$T/avrdude"
export FTEMU_HOST_TIME=0
randbin "$T/f.bin" 924 3
bin2hex "$T/f.bin" "$T/f.hex"

FTISP=$T/avrdude emu "$T/a" -C "$ROOT/tests/data/avrdude-conf/avrdude-7.1-debian.conf" -v -V -patmega328p \
    -cft232h -Pusb -Uflash:w:"$T/f.hex":i
check "IDE upload through the link: exit 0" rc_is 0
check "flash holds the file" same_at "$T/a/flash.bin" "$T/f.bin" 0
check "-v header names avrdude's version" says "^Avrdude version 8.2 (ftisp" "$T/a/stderr"
check "Device signature = 0x1e950f" says "^avrdude: Device signature = 0x1e950f (probably m328p)" "$T/a/stderr"
check "Writing bar of avrdude's shape" says "^Writing | #\{50\} | 100% [0-9.]*s$" "$T/a/stderr"
check "924 bytes of flash written" says "^avrdude: 924 bytes of flash written$" "$T/a/stderr"
check "avrdude done.  Thank you." says "^avrdude done.  Thank you.$" "$T/a/stderr"
check "no ftisp: lines" sh -c "! grep -q '^ftisp:' '$T/a/stderr'"
# avrdude 8.2's -v header, as the IDE's console shows it
check "-v: the -C file is the system wide configuration file" \
    says "^System wide configuration file is .*/avrdude-7.1-debian.conf$" "$T/a/stderr"
check "-v: the user configuration file" says "^User configuration file " "$T/a/stderr"
check "-v: Using port" says "^Using port            : usb$" "$T/a/stderr"
check "-v: Using programmer" says "^Using programmer      : ft232h$" "$T/a/stderr"
check "-v: AVR part" says "^AVR part              : ATmega328P$" "$T/a/stderr"
check "-v: Programmer type" says "^Programmer type       : avrftdi$" "$T/a/stderr"
check "-v: Description from the -C file's entry" \
    says "^Description           : FT232H based generic programmer$" "$T/a/stderr"
check "-v: the pins" sh -c "grep -q '^  RESET  = 3$' '$T/a/stderr' && grep -q '^  SCK    = 0$' '$T/a/stderr' \
    && grep -q '^  SDO    = 1$' '$T/a/stderr' && grep -q '^  SDI    = 2$' '$T/a/stderr'"
check "-v: AVR device initialized, before the signature" \
    sh -c "grep -A1 '^AVR device initialized and ready to accept instructions$' '$T/a/stderr' | grep -q 'Device signature'"
check "-v: header in avrdude's order" sh -c "grep -n '^Using port\|^Using programmer\|^AVR part\|^Programmer type\|^AVR device' \
    '$T/a/stderr' | cut -d: -f2 | sed 's/ *$//' | tr '\n' / | grep -qx 'Using port/Using programmer/AVR part/Programmer type/AVR device initialized and ready to accept instructions/'"

FTISP=$T/avrdude emu "$T/a" -p m328p -c ft232h -U flash:v:"$T/f.hex":i -U flash:r:"$T/back.hex"
check "verify and read: exit 0" rc_is 0
check "924 bytes of flash verified" says "^avrdude: 924 bytes of flash verified$" "$T/a/stderr"
check "read of one memory to .hex is raw binary (avrdude 8)" cmp -s <(head -c 924 "$T/back.hex") "$T/f.bin"

FTISP=$T/avrdude emu "$T/b" -p m328p -c usbasp
check "unknown programmer: exit 1" rc_is 1
check "error line says avrdude error" says "^avrdude error: " "$T/b/stderr"
FTEMU_FAULT=no_target FTISP=$T/avrdude emu "$T/c" -p m328p -c ft232h -U flash:w:"$T/f.hex"
check "no target: exit 1" rc_is 1
FTISP=$T/avrdude emu "$T/d" -p m328p -c ft232h -U hfuse:w:0x5e:m
check "fuse guard stays (RSTDISBL): exit 1" rc_is 1
check "the refusal names the option that permits it" says "allow" "$T/d/stderr"
fuse_kept() { [ ! -e "$T/d/fuses.bin" ] || cmp -s <(head -c 2 "$T/d/fuses.bin" | tail -c 1) <(printf '\xd9'); }
check "the fuse was not written" fuse_kept

# test-avrdude's checks: `config` assignments print nothing (avrdude is
# silent), and -l empties the log file first (avrdude opens it with "w")
FTISP=$T/avrdude emu "$T/g" -qq -p m328p -c ft232h -T "config eesave=0; config eesave=1; config eesave"
check "config assignments: only the query's line on stdout" \
    sh -c "[ \"\$(cat '$T/g/stdout')\" = 'config eesave=ee_erased # 1' ]"
FTISP=$T/avrdude emu "$T/g" -qq -p m328p -c ft232h -T "config eesave=ee*erased"
check "config to the value it has: no 'already' line" test ! -s "$T/g/stdout"
emu "$T/g" -qq -p m328p -c ft232h -T "config eesave=ee*erased"
check "ftisp at -qq: no 'already' line either" test ! -s "$T/g/stdout"
emu "$T/g" -p m328p -c ft232h -T "config eesave=ee*erased"
check "ftisp: says the fuse has that value already" says "^config eesave: hfuse already 0xd9" "$T/g/stdout"
echo "stale lines" >"$T/g.log"
FTISP=$T/avrdude emu "$T/g" -qq -l "$T/g.log" -p m328p -c ft232h -T "write flash 0 0x0c 0x94"
check "-l empties the log first; a quiet run leaves it empty" test ! -s "$T/g.log"

# one erase per run (test-avrdude's m2560 dryrun lines): -U, -T, -U writing
# flash in different places end with all three on the chip
randbin "$T/h.bin" 500 4
bin2hex "$T/h.bin" "$T/h.hex" 0x1000
FTISP=$T/avrdude emu "$T/h" -qq -p m328p -c ft232h -U flash:w:"$T/f.hex":i -T "write flash 0x7e00 0x11 0x22" \
    -U flash:w:"$T/h.hex":i
check "-U -T -U: exit 0" rc_is 0
check "-U -T -U: the first file is kept" same_at "$T/h/flash.bin" "$T/f.bin" 0
check "-U -T -U: the second file is there" same_at "$T/h/flash.bin" "$T/h.bin" 4096
check "-U -T -U: the terminal's bytes are kept" cmp -s <(od -An -tx1 -j 0x7e00 -N 2 "$T/h/flash.bin") <(echo " 11 22")
FTISP=$T/avrdude emu "$T/h" -qq -p m328p -c ft232h -e -U flash:w:"$T/f.hex":i -T "write flash 0x7e00 0x33" \
    -U flash:w:"$T/h.hex":i
check "-e -U -T -U: one erase, all three kept" sh -c "cmp -s -n 924 '$T/h/flash.bin' '$T/f.bin' && \
    [ \"\$(od -An -tx1 -j 0x7e00 -N 2 '$T/h/flash.bin')\" = ' 33 ff' ]"

# under its own name: ftisp's messages and exit codes
emu "$T/e" -p m328p -c usbasp
check "ftisp: unknown programmer exits 2" rc_is 2
emu "$T/e" -v -p m328p -c ft232h -U flash:v:"$T/f.hex":i
check "ftisp -v: no avrdude header" sh -c "! grep -q '^Using port\|^AVR part\|^AVR device' '$T/e/stderr'"
emu "$T/a" -p m328p -c ft232h -U flash:r:"$T/own.hex"
check "ftisp: a .hex read is Intel HEX" grep -q "^:10000000" "$T/own.hex"
finish
