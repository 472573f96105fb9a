#!/bin/bash
# The benchmark (tests/bench/run) in its smoke form: every scenario S1..S7
# once with 4 KiB images and no avrdude, on the emulator. Checks that each
# run succeeded (exit status, emulator dumps) and that a table came out; no
# timing is asserted here (make bench is where the figures are read).
# Env: BUILD (abs build dir), FTISP_ROOT. Prints ok / not ok lines.
set -u
ROOT=${FTISP_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-$ROOT/build}
export ASAN_OPTIONS=${ASAN_OPTIONS:-verify_asan_link_order=0}
failures=0
ok()     { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; failures=$((failures + 1)); }

# make test leaves the benchmark's smoke run to make check
if [ -n "${FTISP_QUICK:-}" ]; then
    echo "# make test: bench --smoke is left to make check"
    exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=$tmp/results.md

if /usr/bin/python3 "$ROOT/tests/bench/run" "$BUILD" --smoke --out="$out" \
        >"$tmp/stdout" 2>"$tmp/stderr"; then
    ok "bench --smoke runs every scenario without a failed run"
else
    not_ok "bench --smoke exits 0"
    sed 's/^/#   /' "$tmp/stdout" "$tmp/stderr" | tail -40
fi
[ -s "$out" ] && ok "bench --smoke writes its table" || not_ok "bench --smoke writes its table"
for s in S1 S2 S3 S4 S5 S6 S7; do
    line=$(grep "^| $s | ftisp |" "$out" 2>/dev/null)
    if [ -z "$line" ]; then
        not_ok "$s: ftisp row in the table"
    elif echo "$line" | grep -q FAILED; then
        not_ok "$s: ftisp row: $line"
    elif echo "$line" | grep -Eq '\| [0-9]+\.[0-9]{3} \| [0-9]+\.[0-9]{3} \|'; then
        ok "$s: ftisp row has modeled seconds and a floor"
    else
        not_ok "$s: ftisp row lacks figures: $line"
    fi
done
for s in "S8 | on" "S8 | off" "S9 | 1" "S9 | 2"; do
    line=$(grep "^| $s |" "$out" 2>/dev/null)
    if [ -n "$line" ] && ! echo "$line" | grep -q FAILED; then ok "$s: station row"
    else not_ok "$s: station row: ${line:-missing}"; fi
done
grep -q '^| S1 | [0-9.]* |' "$out" && ok "host cost row for S1" || not_ok "host cost row for S1"
grep -q '^| `ftisp --version` |' "$out" && ok "start-up time row" || not_ok "start-up time row"
grep -q '^| S7 | ftisp |' "$tmp/stdout" &&
    ok "bench prints the table" || not_ok "bench prints the table"

# A failed run must show as FAILED, not as a figure: an emulated target
# that never answers makes every ftisp run fail.
if FTEMU_FAULT=no_target /usr/bin/python3 "$ROOT/tests/bench/run" "$BUILD" --smoke \
        --out="$tmp/bad.md" >"$tmp/bad.out" 2>&1; then
    not_ok "bench exits non-zero when the runs fail"
else
    grep -q '^| S1 | ftisp |.*FAILED' "$tmp/bad.md" && ok "a failing run is marked FAILED" ||
        { not_ok "a failing run is marked FAILED"; tail -20 "$tmp/bad.out" | sed 's/^/#   /'; }
fi
[ "$failures" -eq 0 ]
