#!/bin/bash
# make install into a temporary DESTDIR and PREFIX puts every file in place,
# the installed program finds the installed parts.conf on its own (no
# FTISP_PARTS), the installed man page and completion work, and
# make uninstall takes it all away again.
cd "${FTISP_ROOT:-$(dirname "$0")/../..}" || exit 2
root=$PWD
failures=0
ok()     { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; failures=$((failures + 1)); }
check()  { local what=$1; shift; if "$@"; then ok "$what"; else not_ok "$what"; fi; }

build=${BUILD:-$root/build}
if [ ! -x "$build/ftisp" ]; then
    not_ok "$build/ftisp is built (make $build/ftisp): nothing to install"
    exit 1
fi

tmp=$(mktemp -d /tmp/ftisp-install.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
destdir=$tmp/stage
prefix=/opt/ftisp-test
top=$destdir$prefix

# Install the binary as built (-o: never rebuild it here, whatever the flags
# of this build directory were).
mk() {
    make -C "$root" --no-print-directory -o "$build/ftisp" \
        BUILD="$build" DESTDIR="$destdir" PREFIX="$prefix" "$@"
}
mk install >"$tmp/install.log" 2>&1
rc=$?
check "make install DESTDIR=... PREFIX=$prefix exits 0" test $rc -eq 0
[ $rc -eq 0 ] || sed 's/^/# /' "$tmp/install.log"

# every file, where the Makefile says, identical to its source
declare -A files=(
    [bin/ftisp]=$build/ftisp
    [share/ftisp/parts.conf]=data/parts.conf
    [share/man/man1/ftisp.1]=man/ftisp.1
    [lib/udev/rules.d/60-ftisp.rules]=data/60-ftisp.rules
    [share/bash-completion/completions/ftisp]=completions/ftisp.bash
    [share/zsh/site-functions/_ftisp]=completions/_ftisp
    [share/fish/vendor_completions.d/ftisp.fish]=completions/ftisp.fish
)
for f in "${!files[@]}"; do
    if [ ! -f "$top/$f" ]; then
        not_ok "installed $prefix/$f"
    elif ! cmp -s "$top/$f" "${files[$f]}"; then
        not_ok "installed $prefix/$f is a copy of ${files[$f]}"
    else
        ok "installed $prefix/$f"
    fi
done
check "installed ftisp is executable" test -x "$top/bin/ftisp"
mode=$(stat -c %a "$top/share/ftisp/parts.conf" 2>/dev/null)
check "parts.conf is installed mode 644 (got $mode)" test "$mode" = 644
unexpected=$(cd "$destdir" && find . -type f | sed 's|^\./||' |
             grep -v -x -F "$(for f in "${!files[@]}"; do echo "${prefix#/}/$f"; done)")
check "nothing else is installed${unexpected:+ (also: $unexpected)}" test -z "$unexpected"

# The installed program, run from where it was installed, with no help from
# the environment or the build tree.
run() { env -u FTISP_PARTS -u FTISP_ROOT "$top/bin/ftisp" "$@"; }
cd "$tmp" || exit 2
out=$(run --version 2>&1)
check "installed ftisp --version says 0.1.0 (got: ${out:0:60})" grep -q '0\.1\.0' <<<"$out"
out=$(run -p '?' 2>"$tmp/parts.err"); rc=$?
check "installed ftisp -p ? exits 0 without FTISP_PARTS (rc $rc: $(head -c 200 "$tmp/parts.err"))" test $rc -eq 0
check "installed ftisp -p ? lists m328p (ATmega328P 1e950f)" \
    grep -qiE '^m328p[[:space:]]+ATmega328P[[:space:]]+(0x)?1e[ :]?95[ :]?0f' <<<"$out"
n=$(grep -c . <<<"$out")
check "installed ftisp -p ? lists as many parts as parts.conf has ($n)" \
    test "$n" -eq "$(grep -c '^part ' "$root/data/parts.conf")"
# FTISP_PARTS still wins over the installed database
awk '$0 == "part m328p" {on = 1; $0 = "part zz1"} on {print} on && /^end/ {exit}' \
    "$root/data/parts.conf" >"$tmp/one.conf"
out=$(FTISP_PARTS=$tmp/one.conf "$top/bin/ftisp" -p '?' 2>&1)
check "FTISP_PARTS replaces the installed database" \
    bash -c 'grep -q "^zz1" <<<"$1" && ! grep -q "^m328p" <<<"$1"' _ "$out"
cd "$root" || exit 2

# the installed man page renders
if command -v mandoc >/dev/null; then
    check "installed man page renders with NAME ftisp" \
        bash -c 'mandoc -T ascii "$1" | grep -q "ftisp"' _ "$top/share/man/man1/ftisp.1"
fi
if command -v man >/dev/null; then
    out=$(MANPATH=$top/share/man man -P cat ftisp 2>/dev/null | col -b)
    check "man finds the installed page through MANPATH" grep -q 'EXIT STATUS' <<<"$out"
fi

# the installed bash completion completes parts from the installed program
out=$(env -u FTISP_PARTS PATH="$top/bin:$PATH" bash -c '
    source "$1" || exit 1
    COMP_WORDS=(ftisp -p m32); COMP_CWORD=2; _ftisp
    printf "%s\n" "${COMPREPLY[@]}"' _ "$top/share/bash-completion/completions/ftisp" 2>&1)
check "installed bash completion offers m328p for -p m32 (got: $(tr '\n' ' ' <<<"$out" | head -c 80))" \
    grep -qx m328p <<<"$out"

# the udev rule: the three FTDI MPSSE chips, plugdev, uaccess, and only
# lines of the form KEY=="v", KEY+="v", ... (udev's grammar)
rule=$top/lib/udev/rules.d/60-ftisp.rules
for pid in 6014 6010 6011; do
    check "udev rule covers 0403:$pid with MODE 0660, GROUP plugdev, uaccess" \
        grep -qE "ATTRS?\{idVendor\}==\"0403\", *ATTRS?\{idProduct\}==\"$pid\".*MODE=\"0660\".*GROUP=\"plugdev\".*TAG\+=\"uaccess\"" "$rule"
done
bad=$(grep -vE '^[[:space:]]*(#|$)' "$rule" |
      grep -vE '^[A-Z_]+(\{[A-Za-z_]+\})?(==|!=|=|\+=)"[^"]*"(, *[A-Z_]+(\{[A-Za-z_]+\})?(==|!=|=|\+=|:=)"[^"]*")*$')
check "udev rule lines are all KEY op \"value\" lists${bad:+ (bad: $bad)}" test -z "$bad"
if command -v udevadm >/dev/null && udevadm verify --help >/dev/null 2>&1; then
    check "udevadm verify accepts the rule" udevadm verify --resolve-names=never "$rule"
fi

# AVRDUDE_LINK=1 adds bin/avrdude -> ftisp, which speaks avrdude
mk install AVRDUDE_LINK=1 >"$tmp/install2.log" 2>&1
check "make install AVRDUDE_LINK=1 links bin/avrdude to ftisp" \
    test "$(readlink "$top/bin/avrdude")" = ftisp
out=$(env -u FTISP_PARTS "$top/bin/avrdude" -? 2>&1 >/dev/null; "$top/bin/avrdude" -v 2>&1)
check "installed avrdude -v says Avrdude version 8.2" grep -q '^Avrdude version 8.2' <<<"$out"

# make uninstall removes every file again
mk uninstall >"$tmp/uninstall.log" 2>&1
check "make uninstall exits 0" test $? -eq 0
left=$(cd "$destdir" && find . -type f | sed 's|^\./||')
check "make uninstall leaves no files${left:+ (left: $left)}" test -z "$left"
check "make uninstall removes $prefix/share/ftisp" test ! -d "$top/share/ftisp"

[ "$failures" -eq 0 ]
