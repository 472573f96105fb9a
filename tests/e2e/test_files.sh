#!/bin/bash
# Output files stay whole: a read goes to a temporary file in the same
# directory, flushed and renamed over the target only when complete; a
# failure leaves the old file byte for byte and no temporary file behind. A
# path that cannot be created is refused before the chip is touched.
. "$(dirname "$0")/lib.sh"
export FTEMU_HOST_TIME=0
stat_is() {
    python3 -c "import json,sys; j=json.load(open(sys.argv[1]+'/stats.json'))
for k in sys.argv[2].split('.'): j=j[k]
sys.exit(0 if j==eval(sys.argv[3]) else 1)" "$@"
}
only() { # only DIR NAME...: DIR holds exactly these names (no temporary files)
    local dir=$1; shift
    [ "$(ls -A "$dir" | sort | tr '\n' ' ')" = "$(printf '%s\n' "$@" | sort | tr '\n' ' ')" ]
}

randbin "$T/a.bin" 4000 5
emu "$T/c" -p m328p -U flash:w:"$T/a.bin":r
check "setup: flash written" rc_is 0

mkdir "$T/out"
randbin "$T/out/old.hex" 777 9
cp "$T/out/old.hex" "$T/keep.hex"
chmod 640 "$T/out/old.hex"

# The cable pulled at several points of the read: the old file stays.
bad=0
for n in 20 60 120 200; do
    FTEMU_FAULT=unplug_after=$n emu "$T/c" -p m328p -U flash:r:"$T/out/old.hex"
    if [ "$rc" -ne 5 ] || ! cmp -s "$T/out/old.hex" "$T/keep.hex" || ! only "$T/out" old.hex; then
        bad=$((bad + 1))
        echo "# unplug after $n: exit $rc" >&2
        ls -A "$T/out" >&2
    fi
done
check "a read that fails leaves the old file byte-identical, no temporary file" [ "$bad" -eq 0 ]

# A full disk while writing the file (a file size limit stands in for it).
cp "$T/keep.hex" "$T/out/old.hex"
(trap '' XFSZ; ulimit -f 4; emu "$T/c" -p m328p -U flash:r:"$T/out/old.hex"; exit $rc)
rc=$?
check "a file that cannot be written whole: exit 1" rc_is 1
check "... the old file byte-identical" cmp -s "$T/out/old.hex" "$T/keep.hex"
check "... no temporary file" only "$T/out" old.hex

emu "$T/c" -p m328p -U flash:r:"$T/out/old.hex":r
check "a read that completes replaces the file" cmp -s "$T/out/old.hex" "$T/a.bin"
check "... keeping its permissions" [ "$(stat -c %a "$T/out/old.hex")" = 640 ]
check "... and leaves no temporary file" only "$T/out" old.hex

emu "$T/c" -p m328p -U flash:r:"$T/out/new.hex"
check "a new file is created" rc_is 0
check "... with the umask's permissions" [ "$(stat -c %a "$T/out/new.hex")" = "$(printf '%o' $((0666 & ~$(umask))))" ]

rm -rf "$T/bad"
emu "$T/bad" -p m328p -U flash:w:"$T/a.bin":r -U flash:r:/nonexistent/x.hex
check "a read into a missing directory: exit 2" rc_is 2
check "... named in the message" says "/nonexistent/x.hex: cannot create" "$T/bad/stderr"
check "... before the adapter is opened" eval '[ ! -e "$T/bad/stats.json" ] || stat_is "$T/bad" transfers_out 0'
emu "$T/bad" -p m328p -U flash:r:"$T/out"
check "a read into a directory: exit 2" rc_is 2
check "... said so" says "is a directory" "$T/bad/stderr"

# Standard output is exempt: written as it comes.
emu "$T/c" -p m328p -U lfuse:r:-:h
check "standard output still works" says "^0x" "$T/c/stdout"

finish
