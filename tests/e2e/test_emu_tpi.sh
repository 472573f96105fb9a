#!/bin/bash
# The emulator's TPI target (tests/emu/emu_tpi.c, the `protocol tpi` parts
# of data/parts.conf): Debian's avrdude 7.1 (-c ft232h, libftdi 0.20
# through libemu0) reads the signature, writes and verifies flash and the
# configuration byte of an ATtiny10 and the other TPI parts; the probe
# (tests/emu/probes/ftemu_tpi_probe.c, libftdi1) checks the datasheet rules:
# a parity error is ignored until a BREAK, no NVM without the key, a TPICLK
# over 2 MHz garbles, flash bits only go 1 -> 0 without an erase, an NVM
# access while busy is lost, RSTDISBL locks TPI out; and the faults.
# Records avrdude's modeled time for 1 KiB on t10 in $BUILD/emu/avrdude-tpi-times.txt.
# Env: BUILD (abs build dir), FTISP_ROOT. Prints ok / not ok lines.
. "$(dirname "$0")/lib.sh"
set -u
LIB0=$BUILD/emu/libftemu0.so
PROBE=$BUILD/emu/probes/ftemu_tpi_probe
for f in "$EMU" "$LIB0" "$PROBE"; do
    [ -e "$f" ] || { notok "$f missing (make BUILD=$BUILD emu)"; finish; }
done
export FTEMU_HOST_TIME=0

# json FILE KEY: the first number after "KEY": in FILE
json() { grep -o "\"$2\": [0-9.]*" "$1" | head -1 | awk '{print $2}'; }

# probe OUT PART ARGS...: the probe on the emulator; output in OUT/stdout
probe() {
    local out=$1 part=$2; shift 2
    rm -rf "$out" && mkdir -p "$out"
    FTEMU_OUT=$out FTEMU_PART=$part LD_PRELOAD=$EMU timeout 60 "$PROBE" "$@" >"$out/stdout" 2>"$out/stderr"
    rc=$?
}

# dude OUT PART ARGS...: avrdude -c ft232h on the emulator; log in OUT/log
dude() {
    local out=$1 part=$2; shift 2
    rm -rf "$out" && mkdir -p "$out"
    (cd "$T" && FTEMU_OUT=$out FTEMU_PART=$part LD_PRELOAD=$LIB0 timeout 120 \
        avrdude -c ft232h -P usb -p "$part" "$@" >"$out/log" 2>&1)
    rc=$?
}

no_errors() { # stats.json: no TPI error, garbled bit or NVM access while busy
    local s=$1/stats.json
    [ "$(json "$s" parity)" = 0 ] && [ "$(json "$s" frame)" = 0 ] && [ "$(json "$s" collision)" = 0 ] &&
        [ "$(json "$s" garbled_bits)" = 0 ] && [ "$(json "$s" nvm_while_busy)" = 0 ]
}

# ---- the probe: datasheet rules ----
probe "$T/sig" t10 sig
check "probe: TPIIR 0x80, NVMEN after the key, signature 1e9003 at 1 MHz" \
    grep -qz 'iir=80.tpisr=02.sig=1e9003.iir=80' "$T/sig/stdout"
probe "$T/sig14" t10 sig 14
check "probe: TPICLK exactly 2 MHz (divisor 14) works, no garbled bit" \
    eval 'grep -q sig=1e9003 "$T/sig14/stdout" && [ "$(json "$T/sig14/stats.json" garbled_bits)" = 0 ]'
probe "$T/sig13" t10 sig 13
check "probe: TPICLK 2.14 MHz (divisor 13) garbles what the target samples: no answer" \
    eval 'grep -q "iir=none" "$T/sig13/stdout" && ! grep -q sig=1e9003 "$T/sig13/stdout" &&
          [ "$(json "$T/sig13/stats.json" garbled_bits)" -gt 0 ]'
probe "$T/par" t10 parity
check "probe: bad parity -> ignored (even a good frame) until a BREAK, then answers" \
    grep -qz 'iir=80.after_bad=none.ignored=none.after_break=80' "$T/par/stdout"
check "probe: stats count 1 parity error, 1 ignored frame, 1 BREAK" \
    eval '[ "$(json "$T/par/stats.json" parity)" = 1 ] && [ "$(json "$T/par/stats.json" frames_ignored)" = 1 ] &&
          [ "$(json "$T/par/stats.json" breaks)" = 1 ]'
FTEMU_FLASH= probe "$T/nokey" t10 nokey
check "probe: without SKEY, NVMEN 0, the signature reads 000000, erase and write do nothing" \
    grep -qz 'tpisr=00.sig=000000.nvmcsr=00.tpisr=02.word0=ffff' "$T/nokey/stdout"
check "probe: NVM accesses without the key counted" \
    eval '[ "$(json "$T/nokey/stats.json" nvm_without_key)" -gt 0 ] && [ "$(json "$T/nokey/stats.json" word_writes)" = 0 ]'
probe "$T/twice" t10 twice
check "probe: a second word write without erase only clears bits (0x0FF0 then 0xF00F -> 0x0000)" \
    grep -qz 'word0=0ff0.word0=0000' "$T/twice/stdout"
probe "$T/busy" t10 busy
check "probe: reading flash while NVMBSY returns noise; after the wait the word is there" \
    eval '! head -1 "$T/busy/stdout" | grep -q word0=1234 && sed -n 2p "$T/busy/stdout" | grep -q word0=1234 &&
          [ "$(json "$T/busy/stats.json" nvm_while_busy)" -gt 0 ]'
probe "$T/col" t10 collide
check "probe: a start bit sent during the guard time is a collision: ignored until a BREAK" \
    eval 'grep -qz "during_guard=none.ignored=none.after_break=80" "$T/col/stdout" &&
          [ "$(json "$T/col/stats.json" collision)" = 1 ]'
probe "$T/rd" t10 rstdisbl
check "probe: RSTDISBL programmed, RESET released: the target never answers again" \
    eval 'grep -qz "config=fe.iir_after_release=none" "$T/rd/stdout" && [ "$(json "$T/rd/stats.json" rstdisbl_blocked)" -ge 1 ]'
check "probe: fuses.bin is the one configuration byte" \
    eval '[ "$(xxd -p "$T/rd/fuses.bin")" = fe ]'

# ---- faults ----
FTEMU_FAULT=no_target probe "$T/nt" t10 sig
check "fault no_target: nothing answers (SDI reads SDO through the resistor)" grep -q 'iir=none' "$T/nt/stdout"
FTEMU_FAULT=miso_flip=1:0 probe "$T/mf" t10 sig
check "fault miso_flip=1:0: the first frame the target sends has bit 0 flipped (parity error seen)" \
    grep -qz 'iir=parity.tpisr=02' "$T/mf/stdout"
FTEMU_FAULT=unplug_after=8 probe "$T/up" t10 sig
check "fault unplug_after=8: the probe fails" eval '[ "$rc" -ne 0 ]'

# ---- avrdude 7.1 ----
if ! command -v avrdude >/dev/null 2>&1; then
    notok "avrdude is not installed"
    finish
fi
dude "$T/a1" t10
check "avrdude -p t10: device signature 0x1e9003" grep -q 'signature = 0x1e9003' "$T/a1/log"
randbin "$T/img.bin" 1024 7
dude "$T/a2" t10 -U "flash:w:$T/img.bin:r"
check "avrdude -p t10: 1 KiB flash written and verified" \
    eval '[ "$rc" = 0 ] && grep -q "1024 bytes of flash verified" "$T/a2/log"'
check "avrdude -p t10: the emulated flash holds the file" cmp -s "$T/img.bin" "$T/a2/flash.bin"
check "avrdude -p t10: no TPI error, garbled bit or access while busy" no_errors "$T/a2"
secs=$(json "$T/a2/stats.json" total)
echo "# avrdude 7.1 -c ft232h -p t10, 1 KiB write+verify: ${secs} s modeled (FTEMU_HOST_TIME=0)"
mkdir -p "$BUILD/emu" && echo "t10 flash 1KiB write+verify avrdude-7.1 ${secs}" >"$BUILD/emu/avrdude-tpi-times.txt"
dude "$T/a3" t10 -U fuse:w:0xfb:m -U fuse:r:"$T/fuse.txt":h
check "avrdude -p t10: configuration byte written 0xfb, verified and read back" \
    eval '[ "$rc" = 0 ] && grep -qx 0xfb "$T/fuse.txt" && [ "$(xxd -p "$T/a3/fuses.bin")" = fb ]'
FTEMU_FUSES=fe dude "$T/a4" t10
check "avrdude -p t10 with RSTDISBL programmed: no answer (12 V needed)" \
    eval '[ "$rc" != 0 ] && [ "$(json "$T/a4/stats.json" rstdisbl_blocked)" -ge 1 ]'
FTEMU_FAULT=no_target dude "$T/a5" t10
check "avrdude -p t10 with no target: fails" eval '[ "$rc" != 0 ]'
for p in t4:1e8f0a:512 t5:1e8f09:512 t9:1e9008:1024 t20:1e910f:2048 t40:1e920e:4096 t102:1e900c:1024 t104:1e900b:1024; do
    IFS=: read -r id sig size <<<"$p"
    randbin "$T/$id.bin" "$size" 3
    dude "$T/$id" "$id" -U "flash:w:$T/$id.bin:r"
    check "avrdude -p $id: signature 0x$sig, $size bytes of flash written and verified" \
        eval 'grep -q "signature = 0x$sig" "$T/$id/log" && grep -q "$size bytes of flash verified" "$T/$id/log" &&
              cmp -s "$T/$id.bin" "$T/$id/flash.bin" && no_errors "$T/$id"'
done
finish
