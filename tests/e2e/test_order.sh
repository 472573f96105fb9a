#!/bin/bash
# -U operations run in the order given, except fuse writes (first) and lock
# writes (last); the automatic erase comes just before the flash write, so a
# backup read given first sees the old flash. The -D hint in a flash verify
# error appears only when -D was given and a 0 bit would have to become 1.
. "$(dirname "$0")/lib.sh"
export FTEMU_HOST_TIME=0
jq_ok() { python3 -c "import json,sys; j=json.loads(open(sys.argv[1]).read()); sys.exit(0 if eval(sys.argv[2]) else 1)" "$@"; }

# Reads come out in the order asked, fuses and lock included.
FTEMU_FUSES=62,d9,ff FTEMU_LOCK=0xfc emu "$T/c" -p m328p -U lock:r:-:h -U signature:r:-:h -U lfuse:r:-:h
check "reads: exit 0" rc_is 0
check "reads: lock, signature, lfuse in the order given" \
    [ "$(tr '\n' ' ' <"$T/c/stdout")" = "0xfc 0x1e,0x95,0x0f 0x62 " ]

# A backup read given before a flash write reads the old flash.
randbin "$T/old.bin" 2000 1
randbin "$T/new.bin" 2000 2
emu "$T/c" -p m328p -U flash:w:"$T/old.bin":r
emu "$T/c" -p m328p -U flash:r:"$T/backup.bin":r -U flash:w:"$T/new.bin":r
check "backup then write: exit 0" rc_is 0
check "backup then write: the backup holds the old flash" cmp -s "$T/backup.bin" "$T/old.bin"
check "backup then write: the chip holds the new flash" same_at "$T/c/flash.bin" "$T/new.bin" 0

# The two exceptions: a fuse write given last runs first, a lock write given
# first runs last; reads around them keep their places.
rm -rf "$T/f"
emu "$T/f" -p m328p --json -U lock:w:0x3f:m -U flash:r:"$T/r1.bin":r -U flash:w:"$T/new.bin":r \
    -U lfuse:r:"$T/lf.txt":h -U lfuse:w:0xe2:m
check "exceptions: exit 0" rc_is 0
check "exceptions: lfuse write first, lock write last, the rest as given" jq_ok "$T/f/stdout" \
    "[(o['memory'],o['op']) for o in j['operations']]==[('lfuse','write'),('flash','read'),('flash','write'),('lfuse','read'),('lock','write')]"
check "exceptions: the lfuse read given before the write sees the new value (writes first)" \
    grep -qx 0xe2 "$T/lf.txt"

# -D hint.
randbin "$T/x.bin" 512 7
emu "$T/c" -p m328p -U flash:v:"$T/x.bin":r
check "a verify mismatch without -D: exit 8" rc_is 8
check "... and no -D hint" eval '! grep -q -- "drop -D" "$T/c/stderr"'
emu "$T/c" -p m328p -D -U flash:w:"$T/x.bin":r
check "a write over old flash with -D: exit 8" rc_is 8
check "... the -D hint: a 0 bit would have to become 1" says "drop -D" "$T/c/stderr"
emu "$T/c" -p m328p -U flash:w:"$T/x.bin":r
check "the same write without -D: exit 0" rc_is 0

finish
