#!/bin/bash
# Debian's avrdude 7.1 (libftdi 0.20 over libusb-0.1) programming the
# emulated FT232H + AVR through the emulator's libusb-0.1 front end
# ($BUILD/emu/libftemu0.so): flash, EEPROM and fuses written, read back and
# verified on an ATmega328P and an ATmega2560, and the emulator's own dumps
# (FTEMU_OUT) compared with the files. Also records avrdude's modeled times
# for the benchmark (in $BUILD/emu/avrdude-times.txt).
# Env: BUILD (abs build dir), FTISP_ROOT. Prints ok / not ok lines.
set -u
ROOT=${FTISP_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-$ROOT/build}
LIB=$BUILD/emu/libftemu0.so
export FTISP_PARTS=${FTISP_PARTS:-$ROOT/data/parts.conf}
failures=0
ok()     { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; failures=$((failures + 1)); }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if ! command -v avrdude >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ] && apt-get install -y avrdude >"$tmp/apt.log" 2>&1; then
        ok "installed avrdude with apt-get"
    else
        not_ok "avrdude is not installed and could not be installed (apt-get install -y avrdude needs root)"
        exit 1
    fi
fi
if [ ! -f "$LIB" ]; then
    not_ok "emulator library $LIB missing (make BUILD=$BUILD emu)"
    exit 1
fi

# A sanitized build of the library needs the sanitizer runtimes loaded
# first, since avrdude itself is not sanitized.
PRELOAD=$LIB
if nm -D "$LIB" 2>/dev/null | grep -q ' U __asan_init\| U __ubsan_handle'; then
    for rt in libubsan.so libasan.so; do
        f=$(${CC:-cc} -print-file-name=$rt 2>/dev/null)
        [ -f "$f" ] && PRELOAD="$f $PRELOAD"
    done
    # avrdude's own leaks are not ours to report
    export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0:verify_asan_link_order=0"
fi

# Runs avrdude on the emulator with dumps going to $out, killed after
# limit seconds (avrdude's data polling has no time limit of its own);
# remaining args are avrdude's. Leaves the log in $tmp/log.
emu_avrdude() { # out part-env limit avrdude-args...
    local out=$1 part=$2 limit=$3
    shift 3
    rm -rf "$out" && mkdir -p "$out"
    FTEMU_OUT=$out FTEMU_PART=$part LD_PRELOAD=$PRELOAD \
        timeout "$limit" avrdude -c ft232h -P usb "$@" >"$tmp/log" 2>&1
}

# Random bytes with a last byte that is not 0xFF (avrdude drops trailing
# 0xFF of flash when it reads to a file).
make_image() { # file size
    head -c "$2" /dev/urandom >"$1"
    printf '\x5a' | dd of="$1" bs=1 seek=$(($2 - 1)) conv=notrunc status=none
}

# The dump holds the file at offset 0 and erased (0xFF) bytes after it.
dump_matches() { # file dump
    local n m
    n=$(stat -c %s "$1")
    [ -f "$2" ] || return 1
    m=$(stat -c %s "$2")
    [ "$m" -ge "$n" ] || return 1
    cmp -s -n "$n" "$1" "$2" || return 1
    [ "$m" -eq "$n" ] || [ -z "$(tail -c +$((n + 1)) "$2" | tr -d '\377' | head -c 1)" ]
}

show_log() { { cat "$tmp/log"; echo; } | tr '\r' '\n' | sed 's/^/#   /' | tail -25; }

# The total modeled seconds from stats.json ("modeled_s": {"total": x, ...}).
modeled_total() { # json
    sed -n 's/.*"modeled_s"[^{]*{[^}]*"total"[[:space:]]*:[[:space:]]*\([0-9.eE+-]*\).*/\1/p' "$1" | head -1
}

# One part: flash + EEPROM + fuses written and verified in one avrdude run,
# read back in the same run, then checked against the emulator's dumps.
check_part() { # avrdude-part emu-part flash-bytes eeprom-bytes efuse-mask
    local p=$1 ep=$2 fsz=$3 esz=$4 d=$tmp/$1
    mkdir -p "$d"
    make_image "$d/flash.bin" "$fsz"
    make_image "$d/eeprom.bin" "$esz"

    # The fuses the target has now, to change only harmless bits (SUT0,
    # EESAVE, BODLEVEL0) and keep its clock and SPI enable as they are.
    if ! emu_avrdude "$d/out0" "$ep" 60 -p "$p" -U lfuse:r:"$d/l0":h -U hfuse:r:"$d/h0":h \
            -U efuse:r:"$d/e0":h; then
        not_ok "$p: avrdude reads the fuses"; show_log; return
    fi
    ok "$p: avrdude reads the fuses"
    local l h e
    l=$(($(cat "$d/l0") ^ 0x10)); h=$(($(cat "$d/h0") ^ 0x08)); e=$(($(cat "$d/e0") ^ 0x01))
    printf '%02x%02x%02x' "$l" "$h" "$e" >"$d/fuses.want"

    # EEPROM and fuses in one run, flash in another: a failure in one
    # leaves the other's result standing.
    if emu_avrdude "$d/oute" "$ep" 120 -p "$p" -U eeprom:w:"$d/eeprom.bin":r \
            -U lfuse:w:"$l":m -U hfuse:w:"$h":m -U efuse:w:"$e":m \
            -U eeprom:r:"$d/eeprom.rd":r \
            -U lfuse:r:"$d/l1":h -U hfuse:r:"$d/h1":h -U efuse:r:"$d/e1":h; then
        ok "$p: avrdude writes, verifies and reads EEPROM ($esz B) and fuses"
        cmp -s "$d/eeprom.bin" "$d/eeprom.rd" && ok "$p: EEPROM read back by avrdude equals the file" ||
            not_ok "$p: EEPROM read back by avrdude equals the file"
        [ "$(($(cat "$d/l1"))),$(($(cat "$d/h1"))),$(($(cat "$d/e1")))" = "$l,$h,$e" ] &&
            ok "$p: fuses read back by avrdude are the ones written" ||
            not_ok "$p: fuses read back ($(cat "$d/l1" "$d/h1" "$d/e1" | tr '\n' ' ')) are $l $h $e"
        dump_matches "$d/eeprom.bin" "$d/oute/eeprom.bin" && ok "$p: emulator's EEPROM dump equals the file" ||
            not_ok "$p: emulator's EEPROM dump equals the file"
        local got
        got=$(od -An -tx1 -N3 "$d/oute/fuses.bin" 2>/dev/null | tr -d ' \n')
        [ "$got" = "$(cat "$d/fuses.want")" ] && ok "$p: emulator's fuse dump is $got" ||
            not_ok "$p: emulator's fuse dump is '$got', wanted $(cat "$d/fuses.want")"
    else
        not_ok "$p: avrdude writes, verifies and reads EEPROM and fuses"; show_log
    fi

    local t0=$SECONDS
    if emu_avrdude "$d/outf" "$ep" $((60 + fsz / 1024)) -p "$p" -U flash:w:"$d/flash.bin":r \
            -U flash:r:"$d/flash.rd":r; then
        ok "$p: avrdude writes, verifies and reads flash ($fsz B, $((SECONDS - t0)) s real)"
    else
        not_ok "$p: avrdude writes, verifies and reads flash ($fsz B)"; show_log; return
    fi
    grep -q "$fsz bytes of flash verified" "$tmp/log" && ok "$p: avrdude verified $fsz bytes of flash" ||
        { not_ok "$p: avrdude says it verified the flash"; show_log; }
    cmp -s "$d/flash.bin" "$d/flash.rd" && ok "$p: flash read back by avrdude equals the file" ||
        not_ok "$p: flash read back by avrdude equals the file"
    dump_matches "$d/flash.bin" "$d/outf/flash.bin" && ok "$p: emulator's flash dump equals the file" ||
        not_ok "$p: emulator's flash dump equals the file"
}

check_part m328p m328p 32768 1024
# 136 KiB: past the 128 KiB boundary (Load Extended Address) without the
# real minutes that avrdude's per-byte polling of all 1024 pages costs here.
# make test (FTISP_QUICK) leaves the 2560 and the timings to make check
[ -n "${FTISP_QUICK:-}" ] || check_part m2560 m2560 139264 4096

# A flash byte that differs from the file must make avrdude's verify fail:
# the chain really compares.
d=$tmp/bad; mkdir -p "$d"
make_image "$d/a.bin" 4096
cp "$d/a.bin" "$d/b.bin"
byte=$(od -An -tu1 -j1000 -N1 "$d/a.bin" | tr -d ' ')
printf "$(printf '\\%03o' $((byte ^ 1)))" | dd of="$d/b.bin" bs=1 seek=1000 conv=notrunc status=none
if FTEMU_FLASH=$d/a.bin emu_avrdude "$d/out" m328p 60 -p m328p -U flash:v:"$d/a.bin":r; then
    ok "avrdude verifies flash preloaded into the emulator (FTEMU_FLASH)"
    FTEMU_FLASH=$d/a.bin emu_avrdude "$d/out2" m328p 60 -p m328p -U flash:v:"$d/b.bin":r &&
        not_ok "avrdude's verify catches a flash byte that differs" ||
        ok "avrdude's verify catches a flash byte that differs"
else
    not_ok "avrdude verifies flash preloaded into the emulator (FTEMU_FLASH)"; show_log
fi

# A device that vanishes mid-run: libusb-0.1 calls fail with ENODEV and
# avrdude stops with that error instead of hanging or carrying on.
if FTEMU_FAULT=unplug_after=40 emu_avrdude "$tmp/gone" m328p 60 -p m328p -U eeprom:r:"$tmp/gone.bin":r; then
    not_ok "avrdude fails when the adapter is unplugged mid-run"
else
    grep -q 'No such device' "$tmp/log" && ok "avrdude fails with ENODEV when the adapter is unplugged mid-run" ||
        { not_ok "avrdude fails with ENODEV when the adapter is unplugged mid-run"; show_log; }
fi

# The emulator enforces SCK <= fck/4: a factory-fresh part (1 MHz) cannot
# follow 2 MHz, and avrdude must say so rather than write garbage.
if emu_avrdude "$tmp/fast" m328p 60 -p m328p -B 2MHz; then
    not_ok "avrdude at -B 2MHz fails on a 1 MHz (factory-fused) target"
else
    grep -q 'not responding to program enable' "$tmp/log" &&
        ok "avrdude at -B 2MHz fails on a 1 MHz (factory-fused) target" ||
        { not_ok "avrdude at -B 2MHz fails on a 1 MHz target with a clear message"; show_log; }
fi

# Modeled times for the benchmark: the whole avrdude command, as a user
# would time it, from the emulator's stats.json, on an Arduino-Uno-like
# target (fuses FF DE FD, 16 MHz crystal) so that -B 2MHz is legal.
times=$BUILD/emu/avrdude-times.txt
if [ -n "${FTISP_QUICK:-}" ]; then
    echo "# make test: the timings are left to make check"
    [ "$failures" -eq 0 ]
    exit
fi
: >"$times.new"
timed() { # label avrdude-args...
    local label=$1
    shift
    if FTEMU_FUSES=ff,de,fd emu_avrdude "$tmp/t" m328p 60 -p m328p "$@"; then
        local s
        s=$(modeled_total "$tmp/t/stats.json")
        if [ -n "$s" ]; then
            ok "modeled time, $label: $s s"
            echo "$label: $s s" >>"$times.new"
        else
            not_ok "modeled time, $label: no modeled time in stats.json"
        fi
    else
        not_ok "avrdude $label"; show_log
    fi
}
make_image "$tmp/f32k.bin" 32768
make_image "$tmp/e1k.bin" 1024
timed "m328p 32 KiB flash write+verify, default clock" -U flash:w:"$tmp/f32k.bin":r
timed "m328p 32 KiB flash write+verify, -B 2MHz" -B 2MHz -U flash:w:"$tmp/f32k.bin":r
FTEMU_FLASH=$tmp/f32k.bin timed "m328p 32 KiB flash read, default clock" -U flash:r:"$tmp/rd.bin":r
FTEMU_FLASH=$tmp/f32k.bin timed "m328p 32 KiB flash read, -B 2MHz" -B 2MHz -U flash:r:"$tmp/rd.bin":r
timed "m328p 1 KiB EEPROM write+verify, default clock" -U eeprom:w:"$tmp/e1k.bin":r
timed "m328p 1 KiB EEPROM write+verify, -B 2MHz" -B 2MHz -U eeprom:w:"$tmp/e1k.bin":r
mv "$times.new" "$times"

[ "$failures" -eq 0 ]
