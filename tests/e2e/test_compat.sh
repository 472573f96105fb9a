#!/bin/bash
# The compatibility corpus (tests/compat/commands.txt): each avrdude command
# line, run by ftisp called as `avrdude` (a link here) on the emulated Uno,
# checked for its exit status, the chip's memories and the files written.
# Prints the count: same / different for a listed reason / refused.
. "$(dirname "$0")/lib.sh"
LIST=${COMPAT_LIST:-$ROOT/tests/compat/commands.txt}
ln -s "$FTISP" "$T/avrdude"
export FTEMU_HOST_TIME=0 FTEMU_FUSES=ff,de,fd HOME=$T/home XDG_CONFIG_HOME=
mkdir -p "$HOME"
F=$ROOT/tests/data/firmware
cp "$F/prog.bin" "$T/f.bin"
bin2hex "$T/f.bin" "$T/f.hex"
srec_cat "$T/f.bin" -binary -o "$T/f.srec" -motorola >/dev/null
randbin "$T/e.bin" 64 11
bin2hex "$T/e.bin" "$T/e.hex"
randbin "$T/boot.bin" 500 12
bin2hex "$T/boot.bin" "$T/boot.hex" 0x7e00
randbin "$T/ee0.bin" 1024 13     # the EEPROM each run starts with
printf 'programmer parent "ft232h" id = "myft"; ;\n' >"$T/extra.conf"
CONF=$ROOT/tests/data/avrdude-conf/avrdude-7.1-debian.conf
CONF8=$ROOT/tests/data/avrdude-conf/avrdude-8.2.conf

# no dumps: the adapter was never opened, the chip is as it started
fuse_is() { # fuse_is DIR INDEX HEX
    if [ -e "$1/fuses.bin" ]; then
        [ "$(od -An -tx1 -j "$2" -N1 "$1/fuses.bin" | tr -d ' ')" = "$3" ]
    else
        [ "$(cut -d, -f$(($2 + 1)) <<<"$FTEMU_FUSES")" = "$3" ]
    fi
}
lock_is() { [ ! -e "$1/lock.bin" ] && [ "$2" = ff ] || [ "$(od -An -tx1 -N1 "$1/lock.bin" | tr -d ' ')" = "$2" ]; }
erased() { cmp -s <(head -c "$(stat -c %s "$1")" /dev/zero | tr '\0' '\377') "$1"; }

one_check() { # one_check DIR CHECK
    local d=$1 c=$2 k=${2%%=*} v=${2#*=}
    case $c in
    -) return 0 ;;
    flash=hex) same_at "$d/flash.bin" "$T/f.bin" 0 ;;
    flash=erased|flash=kept) erased "$d/flash.bin" ;;
    flash=boot) same_at "$d/flash.bin" "$T/boot.bin" $((0x7e00)) ;;
    eeprom=kept) cmp -s "$d/eeprom.bin" "$T/ee0.bin" ;;
    eeprom=erased) erased "$d/eeprom.bin" ;;
    eeprom=eep) same_at "$d/eeprom.bin" "$T/e.bin" 0 ;;
    eeprom=bonjour) cmp -s <(head -c 8 "$d/eeprom.bin") <(printf 'Bonjour\0') ;;
    lfuse=*) fuse_is "$d" 0 "$v" ;;
    hfuse=*) fuse_is "$d" 1 "$v" ;;
    efuse=*) fuse_is "$d" 2 "$v" ;;
    lock=*) lock_is "$d" "$v" ;;
    out=raw) [ -e "$T/out" ] && [ "$(head -c 1 "$T/out")" != ":" ] ;;
    out=ihex) grep -q "^:" "$T/out" ;;
    out=dec) grep -qx "[0-9]*" "$T/out" ;;
    out=hexlist) grep -q "^0x" "$T/out" ;;
    err~*) grep -q -- "${c#err~}" "$d/stderr" ;;
    *) echo "# unknown check $c"; return 1 ;;
    esac
}

same=0 diff=0 refused=0 n=0
while IFS= read -r line; do
    case $line in ''|'#'*) continue ;; esac
    expect=${line%% | *}; rest=${line#* | }
    checks=${rest%% | *}; rest=${rest#* | }
    source=${rest%% | *}; args=${rest#* | }
    n=$((n + 1))
    d=$T/run$n
    mkdir -p "$d"
    cp "$T/ee0.bin" "$d/eeprom.bin"
    rm -f "$T/out"
    args=${args//\{hex\}/$T/f.hex}; args=${args//\{bin\}/$T/f.bin}; args=${args//\{srec\}/$T/f.srec}
    args=${args//\{elf\}/$F/prog.elf}; args=${args//\{eep\}/$T/e.hex}; args=${args//\{out\}/$T/out}
    args=${args//\{boot\}/$T/boot.hex}; args=${args//\{conf\}/$CONF}; args=${args//\{conf8\}/$CONF8}
    args=${args//\{extra\}/$T/extra.conf}
    eval "set -- $args"
    # leading FTEMU_*=VALUE words set up the emulator for this line only
    sets=()
    while [[ $1 == FTEMU_*=* ]]; do sets+=("$1"); export "${1?}"; shift; done
    FTISP=$T/avrdude emu "$d" "$@"
    for s in "${sets[@]}"; do unset "${s%%=*}"; done
    want=0
    case $expect in refused:*) want=1 ;; esac
    good=true why=""
    [ "$rc" -eq "$want" ] || { good=false; why="exit $rc, expected $want"; }
    IFS=, read -ra cs <<<"$checks"
    for c in "${cs[@]}"; do
        one_check "$d" "$c" || { good=false; why="$why${why:+; }$c failed"; }
    done
    if [ "$expect" != same ] && [ "$good" = true ]; then
        # a difference or refusal must be one the man page lists
        check "ftisp(1) lists ${expect#*:}" grep -q "^.It Sy ${expect#*:}" "$ROOT/man/ftisp.1"
    fi
    if $good; then
        ok "$n $expect: $source"
        case $expect in same) same=$((same + 1)) ;; diff:*) diff=$((diff + 1)) ;; *) refused=$((refused + 1)) ;; esac
    else
        notok "$n $expect: $source: avrdude $args ($why)"
        sed 's/^/#   /' "$d/stderr" | tail -5
    fi
done <"$LIST"
echo "# corpus: $n command lines: $same same, $diff different for a listed reason, $refused refused with reason"
check "the corpus has at least 60 command lines" [ "$n" -ge 60 ]
finish
