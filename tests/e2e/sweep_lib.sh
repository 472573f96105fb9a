# Shared by the fault sweeps (test_sweep_*.sh): a chip with data to lose, a
# fresh copy of it per run, and the check that it ended up right.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
export FTEMU_HOST_TIME=0
unset FTEMU_FUSES FTEMU_FAULT FTEMU_PART FTEMU_EEPROM FTEMU_FLASH

# Under the sanitizer build each run is several times slower: the sweeps
# take every STRIDE-th point there (said in their output). make test
# (FTISP_QUICK=1) samples every 11th point, spread over the whole run: a
# different sample than every 5th, so the two builds together cover more.
STRIDE=1
case "$BUILD" in *san*) STRIDE=${SWEEP_SAN_STRIDE:-5} ;; esac
[ -n "${FTISP_QUICK:-}" ] && STRIDE=${SWEEP_QUICK_STRIDE:-11}

# An ATmega328P on a 16 MHz board (ff de fd: EESAVE not programmed) holding
# old firmware and a full EEPROM; the new firmware to write.
sweep_setup() {
    mkdir -p "$T/init"
    randbin "$T/init/flash.bin" 32768 21
    python3 -c "import sys; d=bytearray(open(sys.argv[1],'rb').read()); d[8192:]=b'\xff'*(32768-8192); open(sys.argv[1],'wb').write(d)" "$T/init/flash.bin"
    randbin "$T/init/eeprom.bin" 1024 22
    printf '\xff\xde\xfd' >"$T/init/fuses.bin"
    printf '\xff' >"$T/init/lock.bin"
    randbin "$T/new.bin" "${SWEEP_FLASH_BYTES:-4096}" 23
    bin2hex "$T/new.bin" "$T/new.hex"
    python3 -c "import sys; d=open(sys.argv[1],'rb').read(); open(sys.argv[2],'wb').write(d+b'\xff'*(32768-len(d)))" \
        "$T/new.bin" "$T/want_flash.bin"
}

fresh() { rm -rf "$T/c" "$XDG_STATE_HOME"; cp -r "$T/init" "$T/c"; }

# The chip holds the new firmware, and EEPROM, fuses and lock as before.
chip_right() {
    cmp -s "$T/c/flash.bin" "$T/want_flash.bin" && cmp -s "$T/c/eeprom.bin" "$T/init/eeprom.bin" &&
        cmp -s "$T/c/fuses.bin" "$T/init/fuses.bin" && cmp -s "$T/c/lock.bin" "$T/init/lock.bin"
}

# The chip as it was: nothing written (for runs that only read).
chip_untouched() {
    cmp -s "$T/c/flash.bin" "$T/init/flash.bin" && cmp -s "$T/c/eeprom.bin" "$T/init/eeprom.bin" &&
        cmp -s "$T/c/fuses.bin" "$T/init/fuses.bin"
}

# transfers and SPI bytes of a clean run (from the emulator's stats)
stat_of() { python3 -c "import json,sys; s=json.load(open(sys.argv[1])); print(eval(sys.argv[2], {}, s))" "$1" "$2"; }
