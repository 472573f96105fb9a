#!/bin/bash
# The emulator finds its chip database the way ftisp does, so any program
# runs on it from any directory with no setting: next to the library
# (build/emu/ -> ../../data/parts.conf), else the source tree it was built
# from. FTISP_PARTS, which the other tests set, is unset here.
. "$(dirname "$0")/lib.sh"
unset FTISP_PARTS FTISP_ROOT
export FTEMU_HOST_TIME=0 FTEMU_FUSES=ff,de,fd
cd "$T" || exit 2

randbin "$T/a.bin" 4096 7
bin2hex "$T/a.bin" "$T/a.hex"
emu "$T/c" -p m328p -U flash:w:a.hex
check "from another directory, FTISP_PARTS unset: ftisp writes flash (exit 0)" rc_is 0
check "... and the emulated flash holds the file" same_at "$T/c/flash.bin" "$T/a.bin" 0
check "... with no complaint about the part database" sh -c "! grep -q 'part database' '$T/c/stderr'"

# A library copied into <root>/build/emu/ reads <root>/data/parts.conf: a
# part only that copy of the database knows proves which file was read.
mkdir -p "$T/root/build/emu" "$T/root/data" "$T/lone"
cp "$EMU" "$T/root/build/emu/" && cp "$EMU" "$T/lone/"
sed 's/^part m328p$/part zz328p/' "$ROOT/data/parts.conf" >"$T/root/data/parts.conf"
run_with() { # LIBRARY PART: ftisp's diagnosis on an emulated PART
    mkdir -p "$T/d"
    LD_PRELOAD=$1 FTEMU_PART=$2 FTEMU_OUT=$T/d timeout 60 "$FTISP" -p m328p >"$T/d/stdout" 2>"$T/d/stderr"
    rc=$?
}
run_with "$T/root/build/emu/libftemu.so" zz328p
check "a library in <root>/build/emu/ reads <root>/data/parts.conf" rc_is 0
run_with "$T/lone/libftemu.so" zz328p
check "a library elsewhere does not see that database" sh -c "[ $rc -ne 0 ] && grep -q 'unknown part \"zz328p\"' '$T/d/stderr'"
run_with "$T/lone/libftemu.so" m328p
check "... and falls back to the source tree's data/parts.conf" rc_is 0

# Another libftdi program: Debian's avrdude through the libusb-0.1 front end.
if command -v avrdude >/dev/null && [ -f "$BUILD/emu/libftemu0.so" ]; then
    mkdir -p "$T/av"
    LD_PRELOAD=$BUILD/emu/libftemu0.so FTEMU_OUT=$T/av timeout 120 \
        avrdude -c ft232h -p m328p -U lfuse:r:-:h >"$T/av/stdout" 2>"$T/av/stderr"
    rc=$?
    check "avrdude on the emulator from another directory reads lfuse (exit 0)" rc_is 0
    check "... and gets the emulated chip's value 0xff" grep -qx 0xff "$T/av/stdout"
else
    notok "avrdude and libftemu0.so present (tools/deps test installs avrdude)"
fi
finish
