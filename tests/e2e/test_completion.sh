#!/bin/bash
# Shell completion: with completions/ftisp.bash sourced, the completion
# function offers part ids (from `ftisp -p ?`), programmers and the pieces of
# -U. Called the way bash calls it: with COMP_WORDS/COMP_CWORD set, and with
# COMP_LINE/COMP_POINT as well, since readline splits -U flash:w:x at ':'.
cd "${FTISP_ROOT:-$(dirname "$0")/../..}" || exit 2
failures=0
ok()     { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; failures=$((failures + 1)); }

comp=completions/ftisp.bash
if ! bash -n "$comp"; then
    not_ok "$comp parses"
    exit 1
fi
ok "$comp parses"

# `ftisp` on PATH is the one under test; FTISP_PARTS (from run-tests) names
# the database it reads.
have_ftisp=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ -n "${FTISP:-}" ] && [ -x "$FTISP" ]; then
    ln -s "$FTISP" "$tmp/ftisp"
    have_ftisp=1
fi
export PATH="$tmp:$PATH"

# shellcheck source=/dev/null
source "$comp"
if [ "$(complete -p ftisp 2>/dev/null)" = "complete -F _ftisp ftisp" ]; then
    ok "sourcing registers _ftisp for ftisp"
else
    not_ok "sourcing registers _ftisp for ftisp: $(complete -p ftisp 2>&1)"
fi

# words: the command line up to the cursor, the last word being completed
by_words() {
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=()
    unset COMP_LINE COMP_POINT
    _ftisp ftisp "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
    printf '%s\n' "${COMPREPLY[@]}"
}
# line: as typed; split into words the way readline does (':' and '=' break)
by_line() {
    COMP_LINE=$1; COMP_POINT=${#1}; COMPREPLY=()
    local IFS=$' \t\n'
    # shellcheck disable=SC2206
    COMP_WORDS=($(sed -e 's/\([:=]\)/ \1 /g' <<<"$1"))
    [[ $1 == *[[:space:]:=] ]] && COMP_WORDS+=("")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    _ftisp ftisp "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
    printf '%s\n' "${COMPREPLY[@]}"
}
# offers WHAT CMD...: the candidates include WHAT
offers() {
    local what=$1; shift
    local got; got=$("$@")
    if grep -qxF -- "$what" <<<"$got"; then
        ok "'${*:2}<TAB>' offers $what"
    else
        not_ok "'${*:2}<TAB>' offers $what; got: $(tr '\n' ' ' <<<"$got")"
    fi
}
# only PREFIX CMD...: at least one candidate and all start with PREFIX
only() {
    local prefix=$1; shift
    local got; got=$("$@")
    if [ -n "$got" ] && ! grep -vq -- "^$prefix" <<<"$got"; then
        ok "'${*:2}<TAB>' offers only words starting with $prefix"
    else
        not_ok "'${*:2}<TAB>' offers only words starting with $prefix; got: $(tr '\n' ' ' <<<"$got")"
    fi
}

# parts: they come from the built program
if [ $have_ftisp -eq 1 ]; then
    list=$(ftisp -p '?' 2>/dev/null | awk '{print $1}')
    if grep -qx m328p <<<"$list"; then ok "ftisp -p ? lists m328p first in its line"
    else not_ok "ftisp -p ? lists m328p first in its line"; fi
    offers m328p by_words ftisp -p m32
    only m32 by_words ftisp -p m32
    offers t85 by_words ftisp -p t
    offers m2560 by_words ftisp --part m25
    offers m328p by_line "ftisp -p m32"
    offers m328p by_line "ftisp --part=m32"
    offers -pm328p by_words ftisp -pm32
    # full names too, case aside, as -p takes them (issue 19)
    offers atmega328p by_words ftisp -p atmega3
    only atmega3 by_words ftisp -p atmega3
    offers ATmega328P by_words ftisp -p ATmega32
    only ATmega32 by_words ftisp -p ATmega32
    offers ATMEGA328P by_words ftisp -p ATMEGA32
    offers M328p by_words ftisp -p M32
    offers atmega2560 by_line "ftisp --part=atmega25"
    # aliases (the fourth column on of -p ?), from a parts file that has one
    if [ -n "${FTISP_PARTS:-}" ] && [ -r "$FTISP_PARTS" ]; then
        awk '$0 == "part m328p" {on = 1} on {print} on && /^ *name/ {print "    alias uno328"} on && /^end/ {exit}' \
            "$FTISP_PARTS" >"$tmp/alias.conf"
        FTISP_PARTS=$tmp/alias.conf offers UNo328 by_words ftisp -p UN
        FTISP_PARTS=$tmp/alias.conf offers uno328 by_words ftisp -p un
    fi
else
    echo "# ${FTISP:-build/ftisp} not built: part completion not tested"
fi

# programmers
offers ft232h by_words ftisp -c ft
offers ft2232h by_words ftisp -c ft
only ft by_words ftisp -c ft
offers um232h by_words ftisp --programmer u
offers ft4232h by_line "ftisp -c ft4"
if [ $have_ftisp -eq 1 ]; then
    ids=$(ftisp -c '?' 2>/dev/null | awk 'NF && $1 !~ /^#/ {print $1}')
    if [ -z "$ids" ]; then
        not_ok "ftisp -c ? lists programmers"
    else
        got=$(by_words ftisp -c '')
        missing=""
        for id in $ids; do grep -qxF -- "$id" <<<"$got" || missing="$missing $id"; done
        if [ -z "$missing" ]; then ok "every programmer of ftisp -c ? is completed"
        else not_ok "programmers ftisp -c ? lists but completion lacks:$missing"; fi
    fi
fi

# -U: memory, then operation, then file, then format
offers flash: by_words ftisp -U fl
only flash: by_words ftisp -U fl
offers eeprom: by_words ftisp -U e
offers efuse: by_words ftisp --memory e
offers flash:w: by_words ftisp -U flash:
offers flash:r: by_words ftisp -U flash:
offers flash:w:README.md by_words ftisp -U flash:w:READ
offers flash:w:main.hex:i by_words ftisp -U flash:w:main.hex:
offers flash:w:main.hex:e by_words ftisp -U flash:w:main.hex:e
# as readline splits it, only the piece after the last ':' is replaced
offers w: by_line "ftisp -U flash:"
offers README.md by_line "ftisp -U flash:w:READ"
offers i by_line "ftisp -U flash:w:main.hex:"
offers flash: by_line "ftisp -U fl"
# -U FILE alone means flash:w:FILE
offers README.md by_words ftisp -U READ

# options and option values
offers --noverify by_words ftisp --nov
offers --json by_words ftisp --js
offers -U by_words ftisp -
offers rstdisbl by_line "ftisp --allow="
offers clock,dwen by_line "ftisp --allow=clock,d"
offers channel=B by_words ftisp -x ch
offers usb: by_words ftisp -P us
offers README.md by_words ftisp -C READ

# avrdude 8: aliases, lists, :I, -T commands, long names, board ids
offers fuses: by_words ftisp -U fu
offers ALL: by_words ftisp -U A
offers flash:r:x.hex:I by_words ftisp -U flash:r:x.hex:
offers config by_words ftisp -T con
offers --terminal by_words ftisp --term
offers --keep-trailing-0xff by_words ftisp --keep-t
offers tigard by_words ftisp -c ti
offers dryrun by_words ftisp -c dr

# the other shells' files at least parse, and fish's completes a memory
if command -v zsh >/dev/null; then
    if zsh -n completions/_ftisp; then ok "completions/_ftisp parses (zsh -n)"
    else not_ok "completions/_ftisp parses (zsh -n)"; fi
    # the real completion system on a terminal: a part's full name in any case
    if [ $have_ftisp -eq 1 ]; then
        cat >"$tmp/zsh.keys" <<EOF
send PS1='> '; fpath=($PWD/completions \$fpath); autoload -Uz compinit; compinit -u -D; echo READY\\n
wait \\nREADY
send ftisp -p atmega328p\\t
send \\x01print -r -- RESULT: \\n
wait \\nRESULT: .*\\n
send ftisp -p ATMEGA328PB\\t
send \\x01print -r -- RESULT2: \\n
wait \\nRESULT2: .*\\n
send exit\\n
EOF
        got=$(timeout 30 python3 tests/e2e/ptykeys.py "$tmp/zsh.keys" -- zsh -f | grep -a '^RESULT')
        if grep -qx 'RESULT: ftisp -p ATmega328P' <<<"$got" && grep -qx 'RESULT2: ftisp -p ATmega328PB' <<<"$got"; then
            ok "zsh completes -p atmega328p and ATMEGA328PB to the full names"
        else
            not_ok "zsh completes -p atmega328p and ATMEGA328PB to the full names; got: $(tr '\n' ' ' <<<"$got")"
        fi
    fi
else
    echo "# zsh not installed: completions/_ftisp not checked"
fi
if command -v fish >/dev/null; then
    if fish -n completions/ftisp.fish; then ok "completions/ftisp.fish parses (fish -n)"
    else not_ok "completions/ftisp.fish parses (fish -n)"; fi
    got=$(fish -c 'source completions/ftisp.fish; complete -C "ftisp -U fl"; complete -C "ftisp -c ft2"' 2>&1 | cut -f1)
    if grep -qx 'flash:' <<<"$got" && grep -qx ft2232h <<<"$got"; then
        ok "fish completes -U fl to flash: and -c ft2 to ft2232h"
    else
        not_ok "fish completes -U fl to flash: and -c ft2 to ft2232h; got: $(tr '\n' ' ' <<<"$got")"
    fi
    if [ $have_ftisp -eq 1 ]; then
        got=$(fish -c 'source completions/ftisp.fish; complete -C "ftisp -p m32"' 2>&1 | cut -f1)
        if grep -qx m328p <<<"$got"; then ok "fish completes -p m32 to m328p"
        else not_ok "fish completes -p m32 to m328p; got: $(tr '\n' ' ' <<<"$got")"; fi
        got=$(fish -c 'source completions/ftisp.fish; complete -C "ftisp -p atmega3"; complete -C "ftisp -p ATmega32"' 2>&1 | cut -f1)
        if [ "$(grep -cx ATmega328P <<<"$got")" -eq 2 ]; then ok "fish completes -p atmega3 and ATmega32 to ATmega328P"
        else not_ok "fish completes -p atmega3 and ATmega32 to ATmega328P; got: $(tr '\n' ' ' <<<"$got" | head -c 300)"; fi
    fi
else
    echo "# fish not installed: completions/ftisp.fish not checked"
fi

chk() { local what=$1; shift; if "$@"; then ok "$what"; else not_ok "$what"; fi; }
# Every long option of the table of options (as --help prints it) is in each
# shell's completion, in that shell's form.
longs=$("${FTISP:-build/ftisp}" --help | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u)
for o in $longs; do
    n=${o#--}
    grep -qE -- "(^| )--$n(=| |\$)" "completions/ftisp.bash" || missing_b="$missing_b $o"
    grep -qE -- "--$n(=|\[|\}|,)" "completions/_ftisp" || missing_z="$missing_z $o"
    grep -qE -- "-l $n( |\$)" "completions/ftisp.fish" || missing_f="$missing_f $o"
done
chk "bash completes every long option of --help${missing_b:+ (missing:$missing_b)}" test -z "$missing_b"
chk "zsh completes every long option of --help${missing_z:+ (missing:$missing_z)}" test -z "$missing_z"
chk "fish completes every long option of --help${missing_f:+ (missing:$missing_f)}" test -z "$missing_f"

[ "$failures" -eq 0 ]
