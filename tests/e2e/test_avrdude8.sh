#!/bin/bash
# avrdude 8's command line: -v alone, long names, options ignored on an FTDI
# adapter, -x help.
. "$(dirname "$0")/lib.sh"

"$FTISP" -v >"$T/v.out" 2>"$T/v.err"
rc=$?
check "-v alone exits 0" rc_is 0
check "-v alone prints the version" grep -q "ftisp version" "$T/v.err"

"$FTISP" -x help >"$T/x.out" 2>&1
rc=$?
check "-x help exits 0" rc_is 0
check "-x help lists channel=" grep -q "channel=A|B" "$T/x.out"

export FTEMU_FUSES=ff,de,fd
emu "$T/c" -v -p m328p -E reset,vcc -i 10 -r -O --noverify-memory -U lfuse:r:"$T/l.txt":h
check "ignored options accepted: exit 0" rc_is 0
check "-v prints the version first" sh -c "head -1 '$T/c/stderr' | grep -q 'ftisp version'"
check "-v names the ignored -E" says -- "-E ignored" "$T/c/stderr"
check "-v names the ignored -i" says -- "-i ignored" "$T/c/stderr"
check "the read happened" grep -qx 0xff "$T/l.txt"
finish
