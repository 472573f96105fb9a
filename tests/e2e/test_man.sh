#!/bin/bash
# The manual: mandoc finds nothing to complain about, and it documents every
# option, memory, format, --allow word, -x key and exit status of the CLI
# spec. Where the built ftisp exists, its --help and its lists (-c ?) must
# not name anything the manual leaves out.
cd "${FTISP_ROOT:-$(dirname "$0")/../..}" || exit 2
man=man/ftisp.1
failures=0
ok()     { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; failures=$((failures + 1)); }
check()  { local what=$1; shift; if "$@"; then ok "$what"; else not_ok "$what"; fi; }

if [ ! -f "$man" ]; then
    not_ok "$man exists"
    exit 1
fi
if ! command -v mandoc >/dev/null; then
    not_ok "mandoc is installed (tools/deps test)"
    exit 1
fi

# 1. lint. Warnings and errors must be absent; style messages too, except
# those that depend on which other manuals this machine has installed.
lint=$(mandoc -T lint -W style "$man" 2>&1 |
       grep -v -e 'referenced manual not found' -e 'mandoc\.db')
if [ -z "$lint" ]; then ok "mandoc -T lint is clean"; else not_ok "mandoc -T lint: $lint"; fi
mandoc -T lint -W warning "$man" >/dev/null 2>&1
check "mandoc -T lint -W warning exits 0" test $? -eq 0

text=$(mandoc -T ascii "$man" | col -b)
if [ -z "$text" ]; then not_ok "the page renders"; exit 1; fi

# Quotes (Ql, Dq) each closed before the next opens: a quote macro followed
# by others on one line nests them, so the page shows a quote in a quote.
quotes=$(mandoc -T utf8 "$man" | col -b | LC_ALL=C.UTF-8 grep -o '[‘’“”]' | tr -d '\n' |
         sed -e 's/‘’//g; s/“”//g')
check "the rendered page has no quote inside another${quotes:+ (left: $quotes)}" test -z "$quotes"

# The rendered text of one section (headings are unindented capitals).
section() {
    awk -v want="$1" '
        /^[A-Z][A-Z ]*$/ { on = ($0 == want); next }
        on' <<<"$text"
}
# Whether a word (an option, a keyword) appears on its own in some text.
has_word() {
    local re
    re=$(printf '%s' "$1" | sed -e 's/[][\.*^$+?(){}|/]/\\&/g')
    grep -qE -- "(^|[^[:alnum:]_-])${re}([^[:alnum:]_-]|\$)" <<<"$2"
}

# 2. sections the page promises
for s in NAME SYNOPSIS DESCRIPTION OPTIONS MEMORIES FORMATS "FUSE SAFETY" CLOCK \
         "EXIT STATUS" ENVIRONMENT FILES EXAMPLES "SEE ALSO"; do
    if grep -qx "$s" <<<"$text"; then ok "section $s"; else not_ok "section $s is missing"; fi
done

# the station's own form of the command line is in SYNOPSIS too
missing=""
syn=$(section SYNOPSIS)
for o in --loop --poll --serial --serial-file --serial-cmd --serial-reuse --patch-cmd; do
    has_word "$o" "$syn" || missing="$missing $o"
done
check "SYNOPSIS shows the station options${missing:+ (missing:$missing)}" test -z "$missing"

# 3. every option of the spec, in OPTIONS
opts=$(section OPTIONS)
missing=""
for o in -p --part -c --programmer -P --port -B --bitclock -b --baud -U --memory \
         -e --erase -D --noerase -A --keep-ff -V --noverify -F --force -n --dry-run -q -qq -v \
         -l --logfile -C --config -x --fck --allow --json -h --help --version; do
    has_word "$o" "$opts" || missing="$missing $o"
done
check "OPTIONS documents every option${missing:+ (missing:$missing)}" test -z "$missing"

# avrdude 8's options, memory names, formats, terminal commands, programmers
missing=""
for o in -t --terminal -T --command -N --noconfig --quell --verbose --keep-trailing-0xff --test-memory \
         --noverify-memory -E -i -O -r --exitspecs --isp-clock-delay --osccal --reconnect dryrun; do
    has_word "$o" "$opts" || missing="$missing $o"
done
check "OPTIONS documents avrdude 8's options${missing:+ (missing:$missing)}" test -z "$missing"
missing=""
mems=$(section MEMORIES)
for w in fuses fuse0 fuse1 fuse2 lockbits all ALL etc ee sig 0x810000 0x820000 0x830000 0x840000; do
    has_word "$w" "$mems" || missing="$missing $w"
done
check "MEMORIES documents aliases, lists and flat addresses${missing:+ (missing:$missing)}" test -z "$missing"
check "FORMATS documents :I" grep -qE '^[[:space:]]+I[[:space:]]' <<<"$(section FORMATS)"
missing=""
term=$(section TERMINAL)
for w in dump read write erase save backup restore verify flush abort config sig part verbose quell help quit; do
    grep -qE "^[[:space:]]+$w( |\$)" <<<"$term" || missing="$missing $w"
done
check "TERMINAL documents every command${missing:+ (missing:$missing)}" test -z "$missing"
missing=""
progs=$(section PROGRAMMERS)
for w in usbsn usbdev usbvid usbpid buff rdyled errled pgmled vfyled default_programmer default_bitclock \
         tigard 2232h 4232h; do
    has_word "$w" "$progs" || missing="$missing $w"
done
check "PROGRAMMERS documents entry keys and boards${missing:+ (missing:$missing)}" test -z "$missing"

# 4. values users type
missing=""
for w in ft232h um232h c232hm ft2232h ft4232h avrftdi usb channel=A channel=B \
         clock rstdisbl dwen lock all Hz kHz MHz; do
    has_word "$w" "$opts" || missing="$missing $w"
done
for p in usb:serial usb:vid:pid usb:vid:pid:serial usb:bus/dev reset= buff=; do
    grep -qF -- "$p" <<<"$opts" || missing="$missing $p"
done
check "OPTIONS names every programmer, port form, -x key and --allow word${missing:+ (missing:$missing)}" test -z "$missing"

missing=""
mems=$(section MEMORIES)
for m in flash eeprom lfuse hfuse efuse fuse lock signature calibration; do
    has_word "$m" "$mems" || missing="$missing $m"
done
check "MEMORIES lists every memory${missing:+ (missing:$missing)}" test -z "$missing"

missing=""
fmts=$(section FORMATS)
for f in a i s r e m d h o b; do
    has_word "$f" "$fmts" || missing="$missing $f"
done
check "FORMATS lists every format letter${missing:+ (missing:$missing)}" test -z "$missing"

missing=""
json=$(grep -A40 -- '--json' <<<"$opts")
for k in ftisp adapter description usb_serial part signature sck_hz target_hz operations \
         memory op file format bytes sha256 verified seconds result error exit_status \
         interrupted not_run unchanged dry_run fuses lock clock signal state; do
    has_word "$k" "$json" || missing="$missing $k"
done
check "--json documents every member${missing:+ (missing:$missing)}" test -z "$missing"

# 5. exit statuses: 0..9 each with a line of its own in EXIT STATUS, and
# every status the code defines (include/ftisp/err.h) is among them.
exits=$(section "EXIT STATUS")
missing=""
codes=$(sed -n 's/^[[:space:]]*FT_[A-Z_]* = \([0-9][0-9]*\),.*/\1/p' include/ftisp/err.h 2>/dev/null)
# FT_E_INTERRUPTED (128) is not itself an exit status: a signal exits 128 + its number
codes=$(grep -vx 128 <<<"$codes")
for n in 0 1 2 3 4 5 6 7 8 9 129 130 143 $codes; do
    grep -qE "^[[:space:]]+$n[[:space:]]+[A-Z]" <<<"$exits" || missing="$missing $n"
done
check "EXIT STATUS documents every status${missing:+ (missing:$missing)}" test -z "$missing"
n=$(grep -cE '^[[:space:]]+[0-9]+[[:space:]]+[A-Z]' <<<"$exits")
check "EXIT STATUS documents no status beyond 0-9 and 129, 130, 143 ($n entries)" test "$n" -eq 13

# 6. environment, files, examples, see also
check "ENVIRONMENT documents FTISP_PARTS" has_word FTISP_PARTS "$(section ENVIRONMENT)"
files=$(section FILES)
check "FILES names parts.conf and the udev rule" \
    grep -q 'share/ftisp/parts.conf' <<<"$files"
check "FILES names 60-ftisp.rules" grep -q '60-ftisp.rules' <<<"$files"
ex=$(section EXAMPLES)
check "EXAMPLES has a Makefile flash target" grep -qE '^[[:space:]]+flash:' <<<"$ex"
check "EXAMPLES has a production loop with --json and -P usb:" \
    bash -c 'grep -q -- "--json" <<<"$1" && grep -q -- "-P usb:" <<<"$1"' _ "$ex"
check "SEE ALSO names avrdude(1)" grep -q 'avrdude(1)' <<<"$(section "SEE ALSO")"

# 7. against the program itself, when it is built
if [ -n "${FTISP:-}" ] && [ -x "$FTISP" ]; then
    help=$("$FTISP" --help 2>&1); rc=$?
    check "ftisp --help exits 0" test $rc -eq 0
    missing=""
    for o in $(grep -oE -- '--[a-z][a-z0-9-]*' <<<"$help" | sort -u); do
        has_word "$o" "$opts" || missing="$missing $o"
    done
    check "every long option in --help is in the manual${missing:+ (missing:$missing)}" test -z "$missing"
    ids=$("$FTISP" -c '?' 2>/dev/null | awk 'NF && $1 !~ /^#/ {print $1}')
    check "ftisp -c ? lists programmers" test -n "$ids"
    missing=""
    for id in $ids; do has_word "$id" "$opts" || missing="$missing $id"; done
    check "every programmer ftisp -c ? lists is in the manual${missing:+ (missing:$missing)}" test -z "$missing"
else
    echo "# ${FTISP:-build/ftisp} not built: --help and -c ? not compared with the manual"
fi

[ "$failures" -eq 0 ]
