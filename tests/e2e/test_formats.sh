#!/bin/bash
# The format letters. --help shows them from the table of formats
# (src/image/image_format.c); every other list of them must name exactly
# those: the bash, zsh and fish completions, the manual's FORMATS, the JSON
# schema's "format" and -U's message for an unknown letter. And each letter
# does what the table says: a read into a file and a verify against it for
# every letter a read may name, the letters a read refuses (input only)
# named by that refusal's list of the others, and the terminal's save and
# verify for each letter it can write (on a chip in host memory, -c dryrun).
# (Extensions: tests/unit/test_formats.c and test_roundtrip.sh.)
. "$(dirname "$0")/lib.sh"
cd "$ROOT" || exit 2

# letters, one a line, sorted (so that lists compare as sets, duplicates shown)
norm() { tr ' ,' '\n\n' | sed -e '/^$/d' | LC_ALL=C sort; }
same() { # same WHAT LETTERS: the letters (any separators) are --help's
    local got; got=$(norm <<<"$2" | tr '\n' ' ')
    if [ "$got" = "$want" ]; then ok "$1 lists exactly --help's letters"
    else notok "$1 lists exactly --help's letters: --help: $want; $1: $got"; fi
}

help=$("$FTISP" --help 2>&1)
letters=$(sed -n 's/.*FMT \([^;]*\);.*/\1/p' <<<"$help")
check "--help lists the format letters ($letters)" test "$(wc -w <<<"$letters")" -ge 11
want=$(norm <<<"$letters" | tr '\n' ' ')

# -U's message for a letter that is no format
"$FTISP" -c dryrun -p m328p -U "flash:r:$T/x:q" >/dev/null 2>"$T/err"
same "-U's unknown-format message" "$(sed -n 's/.*expected one of \(.*\)$/\1/p' "$T/err")"

# bash: the completion function itself, as bash calls it
# shellcheck source=/dev/null
source completions/ftisp.bash
COMP_WORDS=(ftisp -U flash:w:main.hex:); COMP_CWORD=2; COMPREPLY=()
unset COMP_LINE COMP_POINT
_ftisp ftisp flash:w:main.hex: -U
same "bash completion of -U flash:w:main.hex:" "$(printf '%s\n' "${COMPREPLY[@]}" | sed 's/^flash:w:main\.hex://')"

# zsh: the fmts array ('i:Intel HEX' ...)
same "zsh completion (completions/_ftisp fmts)" \
    "$(sed -n '/fmts=(/,/)$/p' completions/_ftisp | grep -o "'[[:alpha:]]:" | tr -d "':")"

# fish: by fish itself when it is installed, else the list in the file
if command -v fish >/dev/null; then
    got=$(fish -c 'source completions/ftisp.fish; complete -C "ftisp -U flash:w:main.hex:"' 2>&1 |
          cut -f1 | sed -n 's/^flash:w:main\.hex://p')
    same "fish completion of -U flash:w:main.hex:" "$got"
else
    same "fish completion (completions/ftisp.fish)" "$(sed -n 's/^ *for fmt in //p' completions/ftisp.fish)"
fi

# the manual: the tags of FORMATS (.It Cm i, .It Cm d , h , o , b)
same "ftisp(1) FORMATS" "$(sed -n '/^\.Sh FORMATS/,/^\.Sh /p' man/ftisp.1 | sed -n 's/^\.It Cm //p')"

# the JSON schema's description of "format": "... (a, i, I, ...), ..."
same "the JSON schema's format" \
    "$(grep -o '"the format letter[^"]*"' tests/data/ftisp-result.schema.json | sed -n 's/^[^(]*(\([^)]*\)).*/\1/p')"

# Each letter on the emulated adapter and chip: EEPROM bytes written and
# read into a file with the letter, then (a second run: a file is read
# before the chip is touched) verified against the file with the letter.
input_only="" writable=""
for l in $letters; do
    f=$T/e_$l
    [ "$l" = a ] && f=$T/e_a.hex   # a: the name chooses (Intel HEX here)
    emu "$T/c_$l" -p m328p -U eeprom:w:0x12,0x34,0x56,0x78,0x9a:m -U "eeprom:r:$f:$l"
    if [ "$rc" -eq 2 ] && grep -q "format $l is for input only; use " "$T/c_$l/stderr"; then
        input_only="$input_only $l"
        writable=$(sed -n 's/.*is for input only; use \(.*\)$/\1/p' "$T/c_$l/stderr" | sed 's/ or /, /')
        [ -e "$f" ] && notok ":$l: refused for a read, yet $f was written"
        continue
    fi
    [ "$rc" -eq 0 ] && emu "$T/c_$l" -p m328p -U "eeprom:v:$f:$l"
    if [ "$rc" -eq 0 ] && [ -s "$f" ]; then ok ":$l: EEPROM read into a file, then verified against it"
    else notok ":$l: EEPROM read into a file, then verified against it: exit $rc: $(tail -1 "$T/c_$l/stderr")"; fi
done
check "the formats a read refuses:$input_only" test -n "$input_only"
check "$T/e_a.hex (:a, named .hex) is Intel HEX" grep -q '^:00000001FF' "$T/e_a.hex"
# every letter is a default (a), input only, or one the refusal offers
same "the formats a read can write, as its refusal names them, with a and the refused" \
    "a $input_only $writable"

# the terminal: save with each letter it can write, then verify against it
run() { "$FTISP" -c dryrun -p m328p "$@" >"$T/out" 2>"$T/err"; rc=$?; }
for l in $(tr -d ',' <<<"$writable"); do
    f=$T/t_$l
    run -T "write eeprom 0 0x21 0x43 0x65" -T "save eeprom 0 3 $f:$l" -T "verify eeprom $f:$l"
    if [ "$rc" -eq 0 ] && grep -q "eeprom verified against $f" "$T/out"; then
        ok "terminal: save and verify with :$l"
    else
        notok "terminal: save and verify with :$l: exit $rc: $(tail -1 "$T/err")"
    fi
done
for l in $input_only; do
    run -T "save eeprom 0 3 $T/t_$l:$l"
    rc_is 2 && says "cannot write .* files: expected one of" "$T/err" &&
        ok "terminal: save with :$l is refused" ||
        notok "terminal: save with :$l is refused: exit $rc: $(tail -1 "$T/err")"
done
finish
