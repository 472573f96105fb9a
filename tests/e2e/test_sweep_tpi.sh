#!/bin/bash
# The fault sweeps on TPI (an ATtiny10 on the emulated FT232H): the cable
# pulled after a USB transfer of a flash write, one bit flipped in a frame
# the target sends (miso_flip=N:BIT counts TPI frames) over a write and over
# a read to a file, and Ctrl-C (signal_after=N:INT) at points of a write.
# The invariant: never exit 0 with wrong data (a write leaves the chip right,
# a read wrote the chip's true contents); a failure after the chip was
# touched says what to do; a plain re-run finishes. FTISP_QUICK=1 samples
# each sweep (about 30 points of the unplug sweep); otherwise every transfer.
. "$(dirname "$0")/sweep_lib.sh"
export FTEMU_PART=t10

mkdir -p "$T/init"
randbin "$T/init/flash.bin" 1024 31
python3 -c "import sys; d=bytearray(open(sys.argv[1],'rb').read()); d[600:]=b'\xff'*(1024-600); open(sys.argv[1],'wb').write(d)" "$T/init/flash.bin"
printf '\xff' >"$T/init/fuses.bin"
printf '\xff' >"$T/init/lock.bin"
randbin "$T/new.bin" 1024 32
bin2hex "$T/new.bin" "$T/new.hex"
tfresh() { rm -rf "$T/c" "$XDG_STATE_HOME"; cp -r "$T/init" "$T/c"; }
tright() { cmp -s "$T/c/flash.bin" "$T/new.bin" && cmp -s "$T/c/fuses.bin" "$T/init/fuses.bin"; }
tuntouched() { cmp -s "$T/c/flash.bin" "$T/init/flash.bin" && cmp -s "$T/c/fuses.bin" "$T/init/fuses.bin"; }
write() { emu "$T/c" -p t10 -U flash:w:"$T/new.hex"; }

tfresh
write
check "tpi sweeps: clean write exits 0 with the chip right" eval 'rc_is 0 && tright'
total=$(stat_of "$T/c/stats.json" "transfers_out + transfers_in")
wframes=$(stat_of "$T/c/stats.json" "tpi['frames_out']")

# run_write FAULT: one faulty write, then (if it failed) a plain re-run
run_write() {
    tfresh
    FTEMU_FAULT=$1 write
    runs=$((runs + 1))
    if [ "$rc" -eq 0 ]; then
        if tright; then correct=$((correct + 1)); else silent=$((silent + 1)); bad="$bad $1"; fi
        return
    fi
    reported=$((reported + 1))
    tuntouched || grep -q "^ftisp: chip: \|run the same command again" "$T/c/stderr" ||
        { unfinished=$((unfinished + 1)); bad="$bad $1(msg)"; }
    write
    if rc_is 0 && tright; then correct=$((correct + 1)); else unfinished=$((unfinished + 1)); bad="$bad $1(rerun)"; fi
}
summary() { # NAME
    echo "# $1: runs $runs, right in the end $correct, reported failures $reported, silent losses $silent," \
        "not finished $unfinished${bad:+ at$(echo $bad | cut -d" " -f1-16)}"
    check "$1: $runs runs, no exit 0 with a wrong chip" [ "$silent" -eq 0 ]
    check "$1: every failure said what to do and a re-run finished" [ "$unfinished" -eq 0 ]
}

# ---- unplug after transfer n ----
# FTISP_QUICK (make test) and the sanitizer build: N points of each sweep,
# spread over it; make check's plain build: 100 unplug points (a 1 KiB write
# is some 1600 transfers, a round trip per word: every one would take CI
# past its time), every one of the first 24 frames flipped, 40 write and 20
# read flips spread over the rest
if [ -n "${FTISP_QUICK:-}" ] || [ "$STRIDE" -gt 1 ]; then q_unplug=12 q_early=4 q_flips=10 q_reads=6
else q_unplug=100 q_early=1 q_flips=40 q_reads=20; fi
step=1
[ "$q_unplug" -gt 0 ] && step=$((total / q_unplug + 1))
runs=0 correct=0 reported=0 silent=0 unfinished=0 bad=""
for ((n = 1; n <= total; n += step)); do
    run_write "unplug_after=$n"
done
summary "tpi unplug sweep ($total transfers, every ${step}th)"
check "tpi unplug sweep: no journal left behind" [ -z "$(ls -A "$XDG_STATE_HOME/ftisp" 2>/dev/null)" ]

# ---- one flipped bit in a frame the target sends, during a write ----
# the first frames (identification, NVMEN, signature, configuration, lock,
# calibration) one by one, then frames spread over the polls and the verify
fstep=$((wframes / q_flips + 1))
runs=0 correct=0 reported=0 silent=0 unfinished=0 bad=""
for ((n = 1; n <= 24; n += q_early)); do
    run_write "miso_flip=$n:$((n % 8))"
done
for ((n = 25; n <= wframes; n += fstep)); do
    run_write "miso_flip=$n:$((n % 8))"
done
summary "tpi flip sweep, write ($wframes frames from the target)"

# ---- one flipped bit during a read to a file ----
tfresh
emu "$T/c" -p t10 -U flash:r:"$T/r.bin":r
check "tpi flip sweep: clean read exits 0 and holds the chip's flash" \
    eval 'rc_is 0 && cmp -s "$T/r.bin" <(python3 -c "import sys; sys.stdout.buffer.write(open(sys.argv[1],\"rb\").read().rstrip(b\"\\xff\"))" "$T/init/flash.bin")'
cp "$T/r.bin" "$T/want_read.bin"
rframes=$(stat_of "$T/c/stats.json" "tpi['frames_out']")
runs=0 good=0 reported=0 silent=0 bad=""
for ((n = 1; n <= rframes; n += rframes / q_reads + 1)); do
    tfresh
    rm -f "$T/r.bin"
    FTEMU_FAULT=miso_flip=$n:$((n % 8)) emu "$T/c" -p t10 -U flash:r:"$T/r.bin":r
    runs=$((runs + 1))
    if [ "$rc" -eq 0 ]; then
        if cmp -s "$T/r.bin" "$T/want_read.bin"; then good=$((good + 1)); else silent=$((silent + 1)); bad="$bad $n"; fi
    else
        reported=$((reported + 1))
    fi
    tuntouched || { silent=$((silent + 1)); bad="$bad $n(chip)"; }
done
echo "# tpi flip sweep, read ($rframes frames): runs $runs, exit 0 and right $good, reported failures $reported," \
    "wrong $silent${bad:+ at$(echo $bad | cut -d" " -f1-16)}"
check "tpi flip sweep, read: $runs runs, never exit 0 with a wrong file, the chip untouched" [ "$silent" -eq 0 ]
check "tpi flip sweep, read: one flipped answer bit is read again: every run exits 0" [ "$good" -eq "$runs" ]

# ---- Ctrl-C after transfer n ----
runs=0 correct=0 reported=0 silent=0 unfinished=0 bad=""
for k in 1 2 3 5 8 13 21 34 55 89; do
    n=$((total * k / 90 + 1))
    [ -n "${FTISP_QUICK:-}" ] && [ $((k % 3)) -ne 0 ] && [ "$k" -ne 89 ] && continue
    run_write "signal_after=$n:INT"
done
summary "tpi Ctrl-C sweep"
finish
