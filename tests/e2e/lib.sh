# Shared by the end-to-end scripts: run the real ftisp binary against the
# emulated adapter and check what ended up in the emulated chip.
ROOT=${FTISP_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BUILD=${BUILD:-$ROOT/build}
FTISP=${FTISP:-$BUILD/ftisp}
EMU=$BUILD/emu/libftemu.so
export FTISP_PARTS=${FTISP_PARTS:-$ROOT/data/parts.conf}
export ASAN_OPTIONS=${ASAN_OPTIONS:-verify_asan_link_order=0}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
# the EEPROM journal and copy (ftisp(1) FILES) stay inside the test's directory
export XDG_STATE_HOME=$T/state
# Debian's python3 (tools/deps installs it, with python3-jsonschema) before
# any other in PATH: a version manager's shim (pyenv) costs 0.3 s a call
[ -x /usr/bin/python3 ] && [ "$(command -v python3)" != /usr/bin/python3 ] && PATH=/usr/bin:$PATH
failures=0

ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; failures=$((failures + 1)); }
check() { # check "description" command...
    local what=$1; shift
    if "$@"; then ok "$what"; else notok "$what"; fi
}
finish() { [ "$failures" -eq 0 ]; exit $?; }

# emu DIR [ftisp args...]: one run on a target whose state lives in DIR
# (loaded from DIR's dumps when present, dumped back at exit). Sets $rc and
# leaves stderr in DIR/stderr, stdout in DIR/stdout.
emu() {
    local dir=$1; shift
    mkdir -p "$dir"
    LD_PRELOAD=$EMU FTEMU_OUT=$dir FTEMU_STATE=$dir timeout 60 "$FTISP" "$@" \
        >"$dir/stdout" 2>"$dir/stderr"
    rc=$?
}

# randbin FILE SIZE [SEED]: deterministic random bytes
randbin() {
    python3 -c "import random,sys; r=random.Random(int(sys.argv[3])); sys.stdout.buffer.write(bytes(r.randrange(256) for _ in range(int(sys.argv[2]))))" \
        "$1" "$2" "${3:-1}" >"$1"
}

# bin2hex BIN HEX [OFFSET]: an Intel HEX of BIN placed at OFFSET, written
# by srec_cat (not by ftisp, so a shared mistake cannot pass)
bin2hex() {
    srec_cat "$1" -binary -offset "${3:-0}" -o "$2" -intel -address-length=4 >/dev/null
}

# same_at DUMP FILE OFFSET: the dump holds FILE's bytes at OFFSET
same_at() {
    cmp -s -i "$3:0" -n "$(stat -c %s "$2")" "$1" "$2"
}

# rc_is N: the last run exited N
rc_is() { [ "$rc" -eq "$1" ]; }
says() { grep -q "$@"; }
