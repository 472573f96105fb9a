#!/bin/bash
# Sweep: one bit flipped on MISO (the emulator's miso_flip=N:BIT) at a dense
# sample of SPI bytes and bit numbers, over a flash write (signature, fuses,
# the EEPROM kept through the erase, page writes and their polls, verify) and
# over reads of flash and EEPROM to files. Never exit 0 with wrong data: a
# write that exits 0 leaves the chip right, a read that exits 0 wrote the
# chip's true contents; a failed write is finished by a plain re-run.
. "$(dirname "$0")/sweep_lib.sh"
sweep_setup

fresh
emu "$T/c" -p m328p -U flash:w:"$T/new.hex"
check "flip sweep: clean write exits 0" rc_is 0
wbytes=$(stat_of "$T/c/stats.json" "spi_bytes")
cp "$T/c/flash.bin" "$T/want_read_flash.bin"
python3 -c "import sys; d=open(sys.argv[1],'rb').read().rstrip(b'\xff'); open(sys.argv[2],'wb').write(d)" \
    "$T/init/flash.bin" "$T/want_read.bin"
fresh
emu "$T/c" -p m328p -U flash:r:"$T/f.bin":r -U eeprom:r:"$T/e.bin":r
check "flip sweep: clean read exits 0" rc_is 0
rbytes=$(stat_of "$T/c/stats.json" "spi_bytes")

# Positions: every instruction's answer byte in the first instructions
# (signature, fuses, lock), then answer bytes spread over the whole run; the
# bit number walks 0..7 (bit 0 is RDY/BSY in a poll's answer). A few runs
# flip two bits at once.
positions() { # total count early
    python3 - "$1" "$2" "$3" "$STRIDE" <<'PY'
import sys
total, count, early, stride = map(int, sys.argv[1:])
out = [(n, (n // 4) % 8) for n in range(3, 4 * early, 4)]
step = max(4, (total // count) // 4 * 4)
out += [(n, (n // step) % 8) for n in range(4 * early + 3, total, step)]
out += [(n + 1, 0) for n in range(4 * early + 3, total, step * 4)]   # the byte after
out = out[::stride]
for n, b in out:
    print(f"miso_flip={n}:{b}")
for n in range(600, total, total // 6):
    print(f"miso_flip={n}:0,miso_flip={n + 64}:3")
PY
}

# One flip in the first read of signature, fuses, lock and calibration
# (the answers of instructions 1-8 after Programming Enable) is outvoted by
# two later reads that agree: every such run ends in exit 0 with the chip
# right, not in "hfuse read 0x5e, then 0xde" at every clock (issue 19).
runs=0 good=0 bad=""
for k in $(seq 1 8); do
    for b in $(seq 0 7); do
        [ $(((k * 8 + b) % STRIDE)) -eq 0 ] || continue
        fresh
        FTEMU_FAULT=miso_flip=$((4 * k + 3)):$b emu "$T/c" -p m328p -U flash:w:"$T/new.hex"
        runs=$((runs + 1))
        if rc_is 0 && chip_right; then good=$((good + 1)); else bad="$bad $((4 * k + 3)):$b(exit $rc)"; fi
    done
done
echo "# first-read flips: $runs runs, exit 0 and right $good${bad:+; not at$(echo $bad | cut -d" " -f1-12)}"
check "first-read flips: all $runs end in exit 0 with the chip right" [ "$good" -eq "$runs" ]

runs=0 correct=0 reported=0 silent=0 unfinished=0 bad=""
while read -r f; do
    fresh
    FTEMU_FAULT=$f emu "$T/c" -p m328p -U flash:w:"$T/new.hex"
    runs=$((runs + 1))
    if [ "$rc" -eq 0 ]; then
        if chip_right; then correct=$((correct + 1)); else silent=$((silent + 1)); bad="$bad $f"; fi
        continue
    fi
    reported=$((reported + 1))
    emu "$T/c" -p m328p -U flash:w:"$T/new.hex"
    rc_is 0 && chip_right || { unfinished=$((unfinished + 1)); bad="$bad $f(rerun)"; }
done < <(positions "$wbytes" 320 100)
echo "# flip sweep, write: $wbytes SPI bytes; runs $runs, exit 0 and right $correct, reported failures" \
    "$reported, silent losses $silent, not finished by a re-run $unfinished${bad:+ at$(echo $bad | cut -d" " -f1-20)}"
check "flip sweep, write: $runs runs, no exit 0 with a wrong chip" [ "$silent" -eq 0 ]
check "flip sweep, write: every failure finished by a plain re-run" [ "$unfinished" -eq 0 ]

runs=0 correct=0 reported=0 silent=0 bad=""
while read -r f; do
    fresh
    rm -f "$T/f.bin" "$T/e.bin"
    FTEMU_FAULT=$f emu "$T/c" -p m328p -U flash:r:"$T/f.bin":r -U eeprom:r:"$T/e.bin":r
    runs=$((runs + 1))
    if [ "$rc" -ne 0 ]; then reported=$((reported + 1)); continue; fi
    if cmp -s "$T/f.bin" "$T/want_read.bin" && cmp -s "$T/e.bin" "$T/init/eeprom.bin" && chip_untouched; then
        correct=$((correct + 1))
    else
        silent=$((silent + 1)); bad="$bad $f"
    fi
done < <(positions "$rbytes" 70 30)
echo "# flip sweep, read: $rbytes SPI bytes; runs $runs, exit 0 and right $correct, reported failures" \
    "$reported, silent losses $silent${bad:+ at$(echo $bad | cut -d" " -f1-20)}"
check "flip sweep, read: $runs runs, no exit 0 with a wrong file" [ "$silent" -eq 0 ]
[ "$STRIDE" -eq 1 ] || echo "# sampled (sanitizer build or make test): every ${STRIDE}th position only"
finish
