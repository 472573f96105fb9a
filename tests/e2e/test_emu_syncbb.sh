#!/bin/bash
# The emulated FT232R / FT-X in bit-bang mode (tests/emu/emu_syncbb.c):
# the chip's rules checked with tests/emu/probes/ftemu_syncbb_probe (libftdi1),
# and Debian's avrdude 7.1 (libftdi 0.x over libusb-0.1) programming an Uno's
# ATmega328P through `-c arduino-ft232r` and `-c ft232r`. Records avrdude's
# modeled time for a 30 KiB write + verify in $BUILD/emu/syncbb-times.txt.
# Env: BUILD (abs build dir), FTISP_ROOT. Prints ok / not ok lines.
. "$(dirname "$0")/lib.sh"
B=$BUILD/emu
P=$B/probes/ftemu_syncbb_probe
export FTEMU_HOST_TIME=0
unset FTEMU_FAULT FTEMU_FUSES FTEMU_STATE FTEMU_PART FTEMU_SYNCBB_PINS FTEMU_SYNCBB_MAX_HZ FTEMU_BOARDS
export FTEMU_ADAPTERS=ft232r:A1234567
if [ ! -x "$P" ] || [ ! -f "$B/libftemu.so" ] || [ ! -f "$B/libftemu0.so" ]; then
    notok "emulator not built ($B): run make emu"; finish
fi
run() { LD_PRELOAD=$B/libftemu.so FTEMU_OUT=$T/out "$P" "$@" 2>"$T/err"; }
stat() { python3 -c "import json,sys; d=json.load(open('$T/out/stats.json')); print(eval(sys.argv[1]))" "$1"; }
is() { # name expected actual
    if [ "$2" = "$3" ]; then ok "$1"; else notok "$1: expected '$2', got '$3'"; sed 's/^/#   /' "$T/err"; fi
}

# ---- the chip, through libftdi1 ----
is "sync mode: one sample per byte, each taken before its byte is applied" \
   "samples 300 first 17 lag-by-one 299/299 same-byte 0 more 0" "$(run samples 300)"
is "samples counted in stats" "300 300" "$(stat "d['bitbang']['bytes'], d['bitbang']['samples']" | tr -d '(,)')"
# byte clock = 16 x (3 MHz / divisor), capped at 3 MHz
is "divisor 312.5 (0x4138, 9600 baud): 153.6 kHz bytes" "bytes 60 period_ns 6510.4" "$(run rate 0x4138 0)"
is "divisor 26: 16 x 115384.6 baud" "bytes 60 period_ns 541.7" "$(run rate 26 0)"
is "divisor 100.375 (fraction code 4: bit 16 in wIndex)" "bytes 60 period_ns 2091.2" "$(run rate 100 1)"
is "divisor 0 (3 MBaud): capped at 3 MHz" "bytes 60 period_ns 333.3" "$(run rate 0 0)"
is "FTEMU_SYNCBB_MAX_HZ=6000000 raises the cap" "bytes 60 period_ns 166.7" "$(FTEMU_SYNCBB_MAX_HZ=6000000 run rate 0 0)"
is "libftdi's ftdi_set_baudrate(9600) in bit-bang: x4 by libftdi, x16 by the chip" \
   "bytes 60 period_ns 1627.6" "$(run ratelib 9600)"
is "FT232R: 256-byte sample FIFO full stops the engine until the host reads" \
   "applied 256 then 100 resumed-after-read yes" "$(run stall)"
[ "$(stat "d['bitbang']['stalls']")" -ge 1 ] && ok "stall counted" || notok "stall not counted"
is "FT231X: 512-byte sample FIFO holds all 356" "applied 356 then 0 resumed-after-read no" \
   "$(PROBE_PID=0x6015 FTEMU_ADAPTERS=ft231x:X1 run stall)"
is "writing on without reading: the 4th 128-byte write times out" "write 4 failed -1" "$(run overflow)"
is "write timeout counted" "1" "$(stat "d['violations']['write_timeouts']")"
is "IN transfer: 64-byte packets, 2 status bytes + 62 data each" "in 104 [01 60] [01 60]" "$(run status 100)"
is "USB packets counted (2 out, 2 in)" "2 2" "$(stat "d['usb_packets']['out'], d['usb_packets']['in']" | tr -d '(,)')"
is "async mode: READ_PINS shows the last byte, nothing sampled" "async pins 15 samples 0" "$(run async)"
is "MPSSE refused (ignored, nothing answers)" "mpsse rc 0 reply 0" "$(run mpsse)"
is "MPSSE request counted as unsupported" "1" "$(stat "d['violations']['unsupported_calls']")"
is "FT230X: D4-D7 absent (read 1, drive nothing)" "samples 10 first 17 lag-by-one 5/9 same-byte 0 more 0" \
   "$(PROBE_PID=0x6015 FTEMU_ADAPTERS=ft230x:X2 run samples 10)"

# ---- SCK made of bytes: the target's phase rule ----
is "ISP at 153.6 kHz bytes on a factory 1 MHz part" "sync yes
signature 1e 95 0f" "$(run sig 0x4138)"
is "ISP at 3 MHz bytes (333 ns phases) on a factory 1 MHz part: garbled" "sync no" "$(run sig 0 | head -1)"
[ "$(stat "d['violations']['garbled_sck_bytes']")" -gt 0 ] && ok "garbled SCK bytes counted" || notok "garbled SCK bytes not counted"
is "ISP at 3 MHz bytes on an Uno (16 MHz crystal)" "sync yes
signature 1e 95 0f" "$(FTEMU_FUSES=ff,de,fd run sig 0)"
is "...with no garbled byte" "0" "$(stat "d['violations']['garbled_sck_bytes']")"
# miso_flip counts the target's SPI bytes as on the FT232H (emu_avr.c): the
# same N flips the same ISP byte on either adapter (here signature byte 0)
is "miso_flip=7:7 flips signature byte 0 bit 7, as on the FT232H" "signature 9e 95 0f" \
   "$(FTEMU_FUSES=ff,de,fd FTEMU_FAULT=miso_flip=7:7 run sig 0 | tail -1)"
is "...and the FT232H probe sees the same flip" "signature 9e 95 0f" \
   "$(FTEMU_ADAPTERS=ft232h:FTEMU001 FTEMU_FUSES=ff,de,fd FTEMU_FAULT=miso_flip=7:7 LD_PRELOAD=$B/libftemu.so $B/probes/ftemu_probe sig 2>/dev/null | tail -1)"
is "no_target: MISO pulled up, no sync" "sync no" "$(FTEMU_FAULT=no_target run sig 0x4138 | head -1)"
is "FTEMU_SYNCBB_PINS=4,0,2,1: the arduino-ft232r wiring no longer reaches the target" "sync no" \
   "$(FTEMU_SYNCBB_PINS=4,0,2,1 run sig 0x4138 | head -1)"
is "FTEMU_SYNCBB_PINS=~7,5,6,3: RESET through an inverter (held high: never programs)" "sync no" \
   "$(FTEMU_SYNCBB_PINS='~7,5,6,3' run sig 0x4138 | head -1)"
out=$(FTEMU_SYNCBB_PINS=7,5,6 run samples 1 2>&1)
[ $? -eq 70 ] && ok "malformed FTEMU_SYNCBB_PINS stops the program (exit 70)" || notok "malformed FTEMU_SYNCBB_PINS accepted"
is "FTEMU_BOARDS: board gone after 10 ms, no sync" "sync no" "$(FTEMU_BOARDS=A1234567:0-0.01 run sig 0x4138 | head -1)"
is "FTEMU_BOARDS: board in for 10 s, sync" "sync yes" "$(FTEMU_BOARDS=A1234567:0-10 run sig 0x4138 | head -1)"
FTEMU_FAULT=signal_after=3:TERM run sig 0x4138 >/dev/null 2>&1
is "signal_after=3:TERM ends the probe by SIGTERM" "143" "$?"
out=$(FTEMU_FAULT=unplug_after=3 run sig 0x4138 2>&1)
[ $? -ne 0 ] && ok "unplug_after=3: the probe fails" || notok "unplug_after=3: the probe went on ($out)"

# ---- avrdude 7.1 (libftdi 0.x, libusb-0.1) ----
if ! command -v avrdude >/dev/null 2>&1; then
    notok "avrdude is not installed"; finish
fi
cd "$T" || exit 2
avr() { # out limit avrdude-args... (env set by the caller)
    local out=$1 limit=$2
    shift 2
    rm -rf "$out" && mkdir -p "$out"
    FTEMU_OUT=$out LD_PRELOAD=$B/libftemu0.so timeout "$limit" avrdude "$@" >"$T/log" 2>&1
}
showlog() { tr '\r' '\n' <"$T/log" | tail -15 | sed 's/^/#   /'; }
total() { python3 -c "import json; print(json.load(open('$1'))['modeled_s']['total'])"; }
python3 -c "import random; r=random.Random(7); open('$T/f30k.bin','wb').write(bytes(r.randrange(256) for _ in range(30719)) + b'\x5a')"
python3 -c "import random; r=random.Random(8); open('$T/f4k.bin','wb').write(bytes(r.randrange(256) for _ in range(4095)) + b'\x5a')"

for prog in arduino-ft232r ft232r; do
    pins=7,5,6,3
    [ $prog = ft232r ] && pins=4,0,2,1
    export FTEMU_SYNCBB_PINS=$pins FTEMU_FUSES=ff,de,fd
    if avr "$T/a" 120 -c $prog -p m328p -U signature:r:"$T/sig.hex":i -U flash:w:"$T/f4k.bin":r \
           -U lfuse:r:"$T/lf":h -U hfuse:r:"$T/hf":h -U efuse:r:"$T/ef":h &&
       grep -q "4096 bytes of flash verified" "$T/log"; then
        ok "avrdude -c $prog (pins $pins): signature, 4 KiB flash written and verified, fuses read"
    else
        notok "avrdude -c $prog (pins $pins) failed"; showlog
    fi
    is "avrdude -c $prog: fuses read back" "0xff 0xde 0xfd" "$(cat "$T/lf" "$T/hf" "$T/ef" 2>/dev/null | tr '\n' ' ' | sed 's/ $//')"
    grep -q "device signature = 0x1e950f" "$T/log" && ok "avrdude -c $prog: signature 0x1e950f" || notok "avrdude -c $prog: signature"
    cmp -s -n 4096 "$T/f4k.bin" "$T/a/flash.bin" && ok "avrdude -c $prog: the emulator's flash holds the file" \
        || notok "avrdude -c $prog: flash dump differs"
    is "avrdude -c $prog: no garbled SCK byte, nothing sent while busy" "0 0" \
       "$(python3 -c "import json; v=json.load(open('$T/a/stats.json'))['violations']; print(v['garbled_sck_bytes'], v['sent_while_busy'])")"
done

export FTEMU_SYNCBB_PINS=7,5,6,3 FTEMU_FUSES=ff,de,fd
if avr "$T/w" 600 -c arduino-ft232r -p m328p -U flash:w:"$T/f30k.bin":r && grep -q "30720 bytes of flash verified" "$T/log" &&
   cmp -s -n 30720 "$T/f30k.bin" "$T/w/flash.bin"; then
    t=$(total "$T/w/stats.json")
    ok "avrdude -c arduino-ft232r: 30 KiB written and verified in $t s modeled ($(python3 -c "print(round($t/30,2))") s/KiB)"
    echo "avrdude 7.1 -c arduino-ft232r m328p (Uno fuses) 30 KiB flash write+verify: $t s modeled" >"$B/syncbb-times.txt"
    python3 -c "import sys; t=float(sys.argv[1]); sys.exit(0 if 1.5 <= t/30 <= 6 else 1)" "$t" &&
        ok "30 KiB at 1.5..6 s per KiB, as users report for real FT232R boards (~3 s/KiB)" ||
        notok "30 KiB took $t s modeled: far from the ~3 s/KiB users report"
else
    notok "avrdude 30 KiB write + verify failed"; showlog
fi

unset FTEMU_FUSES
if avr "$T/f" 60 -c arduino-ft232r -p m328p -U lfuse:r:-:h; then
    notok "avrdude's default clock on a factory 1 MHz part worked (its 3 MHz bytes are too fast)"
else
    ok "avrdude's default (-b 150000 -> 3 MHz bytes) on a factory 1 MHz part: not responding, as SCK is too fast"
fi
if avr "$T/f" 60 -c arduino-ft232r -p m328p -b 4800 -U lfuse:r:-:h && grep -q "^0x62" "$T/log"; then
    ok "avrdude -b 4800 (307 kHz bytes) on a factory 1 MHz part reads lfuse 0x62"
else
    notok "avrdude -b 4800 on a factory part failed"; showlog
fi
if FTEMU_ADAPTERS=ft232r:A1234567 FTEMU_FAULT=unplug_after=30 avr "$T/u" 60 -c arduino-ft232r -p m328p \
       -U flash:r:"$T/r.bin":r; then
    notok "avrdude survived an unplug"
else
    ok "unplug_after=30: avrdude fails ($(tr '\r' '\n' <"$T/log" | grep -m1 -i error | cut -c1-70))"
fi
finish
