#!/bin/bash
# The documentation stands on its own and its examples run: the manual is
# clean under mandoc's lint, every relative link in the Markdown files
# resolves to a file inside the repository, nothing points at files outside
# it, and the shell examples of the README and the manual parse in a POSIX
# shell (dash), not only in bash.
cd "${FTISP_ROOT:-$(dirname "$0")/../..}" || exit 2
ROOT=$PWD
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
failures=0
ok()    { echo "ok - $*"; }
notok() { echo "not ok - $*"; failures=$((failures + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else notok "$what"; fi; }

# -- the manual ---------------------------------------------------------
for m in man/*.1; do
    lint=$(mandoc -T lint -W warning "$m" 2>&1)
    if [ -z "$lint" ]; then ok "$m: mandoc -T lint clean"; else notok "$m: mandoc -T lint: $lint"; fi
done

# -- links --------------------------------------------------------------
# Markdown links [text](target) whose target is not a URL or an anchor.
mdfiles=$(git ls-files '*.md' 2>/dev/null || find . -name '*.md' -not -path './build*')
for md in $mdfiles; do
    dir=$(dirname "$md")
    n=0; bad=""
    while IFS= read -r target; do
        case "$target" in http://*|https://*|mailto:*|'#'*) continue ;; esac
        path=${target%%#*}
        [ -n "$path" ] || continue
        n=$((n + 1))
        full=$(realpath -m "$dir/$path")
        case "$full/" in "$ROOT"/*) ;; *) bad="$bad $target(outside)"; continue ;; esac
        [ -e "$full" ] || bad="$bad $target"
    done < <(grep -o '\](\([^)]*\))' "$md" | sed 's/^](\(.*\))$/\1/')
    if [ -z "$bad" ]; then ok "$md: its $n relative links resolve inside the repository"
    else notok "$md: links that do not resolve:$bad"; fi
done
check "README.md names no file outside the repository (shared/...)" \
    sh -c "! grep -n 'shared/\|REFERENCE\.md' README.md"

# -- shell examples parse in a POSIX shell ------------------------------
# README: the ```sh blocks
awk '/^```sh$/ {on=1; n++; next} /^```$/ {on=0} on {print > (dir "/readme-" n ".sh")}' dir="$T" README.md
for f in "$T"/readme-*.sh; do
    [ -f "$f" ] || { notok "README.md has a shell example"; break; }
    check "README.md $(basename "$f"): dash -n parses it" dash -n "$f"
done
# the manual: the literal blocks of EXAMPLES that are shell (not the
# Makefile, not PROGRAMMERS' avrdude.conf entries), and every .Dl "$ command"
# line; \e is mandoc's backslash
awk '/^\.Sh/ {sh=$0} /^\.Ss/ {sect=$0}
     /^\.Bd -literal/ && sh ~ /PROGRAMMERS/ {next}   # avrdude.conf entries, not shell
     /^\.Bd -literal/ {on=1; n++; next} /^\.Ed/ {on=0}
     on && sect !~ /Makefile/ {print > (dir "/man-" n ".sh")}' dir="$T" man/ftisp.1
sed -n 's/^\.Dl \$ //p' man/ftisp.1 >"$T/man-dl.sh"
for f in "$T"/man-*.sh; do
    sed -i 's/\\e/\\/g; s/\\-/-/g; s/\\&//g' "$f"
    check "man/ftisp.1 $(basename "$f" .sh): dash -n parses it" dash -n "$f"
done
# POSIX read takes -r only (dash also knows -p, so running under dash
# would not catch it)
for f in README.md man/ftisp.1; do
    check "$f: read takes no option but -r (POSIX)" sh -c "! grep -Eq '(^|[ ;(])read( -r)* -[a-qs-zA-Z]' '$f'"
done
# The production loops really run under dash (dash -n alone would pass a
# bash-only `read -p`): ftisp and jq stubbed, one board, then end of input.
for f in "$T"/readme-1.sh "$T"/man-2.sh; do
    mkdir -p "$T/run" && cd "$T/run" || exit 2
    printf '\n' | dash -c 'ftisp() { echo "{\"result\":\"ok\"}"; }; jq() { cat >/dev/null; }; . "$1"' dash "$f" \
        >"$T/run/out" 2>&1
    rc=$?
    cd "$ROOT" || exit 2
    check "$(basename "$f" .sh): the production loop runs under dash (one board: PASS)" \
        sh -c "[ $rc -eq 0 ] && grep -q PASS '$T/run/out' && ! grep -qi 'illegal\|not found' '$T/run/out'"
    rm -rf "$T/run"
done
# -- make demo's script leaves no temporary directory behind --------------
BUILD=${BUILD:-$ROOT/build}
if [ -x "$BUILD/ftisp" ] && [ -f "$BUILD/emu/libftemu.so" ]; then
    mkdir -p "$T/tmp"
    TMPDIR=$T/tmp FTEMU_HOST_TIME=0 ASAN_OPTIONS=${ASAN_OPTIONS:-verify_asan_link_order=0} \
        timeout 120 tests/demo/run "$BUILD" >"$T/demo.out" 2>&1
    rc=$?
    check "the demo runs (exit 0)" test "$rc" -eq 0
    check "the demo flashed and verified the example" grep -q 'verifying flash' "$T/demo.out"
    check "the demo removed its temporary directory" test -z "$(ls -A "$T/tmp")"
else
    notok "$BUILD/ftisp and the emulator are built (make all)"
fi
[ "$failures" -eq 0 ]
