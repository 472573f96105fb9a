# bash completion for ftisp(1)
#
# Self-contained: it needs only bash, not the bash-completion helpers, so it
# also works when sourced from ~/.bashrc on a minimal system.
#
# Readline splits words at ':' and '=' (COMP_WORDBREAKS), which would cut
# `-U flash:w:main.hex` into five words. The current argument is therefore
# rebuilt from COMP_LINE when bash provides it, candidates are made for the
# whole argument, and the part readline is not replacing is cut off again.

_ftisp_memories="flash eeprom lfuse hfuse efuse fuse lock signature calibration
sram io prodsig sigrow sernum
ee sig fuses fuse0 fuse1 fuse2 lockbits all ALL etc config"
_ftisp_programmers="ft232h um232h c232hm ft2232h ft4232h avrftdi 2232h 4232h 2232hio tigard avrisp-u
jtagkey o-link openmoko lm3s811 tumpa tumpa-b ktlink digilent-hs2 flyswatter2 dryrun"
_ftisp_formats="a i I s r e m d h o b"
_ftisp_terminal="dump read write erase save backup restore verify flush abort config sig part verbose quell help quit"
_ftisp_allow="clock rstdisbl dwen lock all"
_ftisp_options="-p --part -c --programmer -P --port -B --bitclock -b --baud
-U --memory -e --erase -D --noerase -A --keep-ff -V --noverify -F --force -n --dry-run
-q --quiet -v -l --logfile -C --config -x --extended --fck --allow= --json -h --help --version
--loop --poll= --serial= --serial-file= --serial-cmd= --serial-reuse --patch-cmd=
-T --command -t --terminal -N --noconfig --quell --verbose --keep-trailing-0xff --test-memory --test
--noverify-memory -E --exitspecs -i --isp-clock-delay -O --osccal -r --reconnect"

# The programmer ids, from the ftisp being completed (it reads ~/.avrduderc).
_ftisp_programmer_ids()
{
    local prog=${1:-ftisp}
    command -v -- "$prog" >/dev/null 2>&1 || prog=ftisp
    { "$prog" -c '?' 2>/dev/null | awk 'NF {print $1}'; printf '%s\n' $_ftisp_programmers; } | sort -u
}

# Every name -p takes, from the ftisp being completed (it may be
# ./build/ftisp): `-p ?` gives the id, the full name, three signature bytes,
# then any aliases.
_ftisp_parts()
{
    local prog=${1:-ftisp}
    command -v -- "$prog" >/dev/null 2>&1 || prog=ftisp
    "$prog" -p '?' 2>/dev/null | awk 'NF && $1 !~ /^#/ {print $1; print $2; for (i = 6; i <= NF; i++) print $i}'
}

# The words of list (one a line) that start with cur, case aside as -p
# takes them: what was typed is kept, the rest follows in its case (lower
# case when cur is), so that every candidate starts with cur.
_ftisp_caseless()
{
    local cur=$1 w lc=${1,,}
    while IFS= read -r w; do
        [[ -n $w ]] || continue
        if [[ $w == "$cur"* ]]; then
            printf '%s\n' "$w"
        elif [[ ${w,,} == "$lc"* ]]; then
            w=${w:${#cur}}
            [[ $cur == "$lc" ]] && w=${w,,}
            printf '%s\n' "$cur$w"
        fi
    done | sort -u
}

# Prints the candidates for the argument `cur` of option `opt`, one a line.
_ftisp_arg()
{
    local opt=$1 cur=$2 prog=$3 w mem rest op file IFS=$' \t\n'
    case $opt in
    -p|--part)
        _ftisp_parts "$prog" | _ftisp_caseless "$cur" ;;
    -c|--programmer)
        compgen -W "$(_ftisp_programmer_ids "$prog")" -- "$cur" ;;
    -T|--command)
        compgen -W "$_ftisp_terminal" -- "$cur" ;;
    -P|--port)
        compgen -W "usb usb: usb:all ?" -- "$cur" ;;
    -x)
        compgen -W "reset= buff= channel=A channel=B led_pass= led_fail= led_busy= help" -- "$cur" ;;
    --allow)
        # a comma list: complete the last element, keep the ones before
        local done=${cur%"${cur##*,}"}
        for w in $_ftisp_allow; do
            [[ ,$done, == *,$w,* ]] && continue
            [[ $done$w == "$cur"* ]] && printf '%s\n' "$done$w"
        done ;;
    -l|--logfile|-C|--config|--serial-file)
        compgen -f -- "$cur" ;;
    -U|--memory)
        case $cur in
        *:*:*:*)
            rest=${cur%:*}
            for w in $_ftisp_formats; do
                [[ $rest:$w == "$cur"* ]] && printf '%s\n' "$rest:$w"
            done ;;
        *:*:*)
            mem=${cur%%:*}; rest=${cur#*:}; op=${rest%%:*}; file=${rest#*:}
            compgen -f -- "$file" | while IFS= read -r w; do
                printf '%s\n' "$mem:$op:$w"
            done ;;
        *:*)
            mem=${cur%%:*}
            for op in r w v; do
                [[ $mem:$op: == "$cur"* ]] && printf '%s\n' "$mem:$op:"
            done ;;
        *)
            for w in $_ftisp_memories; do
                [[ $w: == "$cur"* ]] && printf '%s\n' "$w:"
            done
            # `-U FILE` alone writes FILE to flash
            compgen -f -- "$cur" ;;
        esac ;;
    esac
}

_ftisp()
{
    local cur prev words=() line trim c
    if [[ -n ${COMP_LINE-} ]]; then
        line=${COMP_LINE:0:${COMP_POINT:-${#COMP_LINE}}}
        read -r -a words <<<"$line"
        [[ $line == *[[:space:]] || ${#words[@]} -eq 0 ]] && words+=("")
    else
        words=("${COMP_WORDS[@]:0:COMP_CWORD+1}")
    fi
    cur=${words[${#words[@]}-1]}
    prev=
    [[ ${#words[@]} -ge 2 ]] && prev=${words[${#words[@]}-2]}

    local opt= arg=$cur
    case $cur in
    --*=*)
        opt=${cur%%=*}; arg=${cur#*=} ;;
    -[pcPBbUlCxT]?*)
        # avrdude style glued argument: -pm328p
        opt=${cur:0:2}; arg=${cur:2} ;;
    -*)
        ;;
    *)
        case $prev in
        -p|--part|-c|--programmer|-P|--port|-U|--memory|-l|--logfile|-C|--config|-x|--allow|-T|--command)
            opt=$prev ;;
        esac ;;
    esac

    local IFS=$'\n' cands=()
    if [[ -n $opt ]]; then
        cands=($(_ftisp_arg "$opt" "$arg" "${words[0]}"))
        if [[ $cur != "$arg" ]]; then
            c=${cur%"$arg"}
            cands=("${cands[@]/#/$c}")
        fi
    elif [[ $cur == -* ]]; then
        IFS=$' \t\n'
        cands=($(compgen -W "$_ftisp_options" -- "$cur"))
    fi

    # Cut off what readline is not replacing: up to the last ':' or '='
    # that is a word break (only when bash really split the line).
    if [[ -n ${COMP_LINE-} ]]; then
        trim=
        for c in : =; do
            [[ $COMP_WORDBREAKS == *"$c"* && $cur == *"$c"* ]] || continue
            local t=${cur%"${cur##*"$c"}"}
            [[ ${#t} -gt ${#trim} ]] && trim=$t
        done
        [[ -n $trim ]] && cands=("${cands[@]#"$trim"}")
    fi

    COMPREPLY=("${cands[@]}")
    # candidates ending in ':' or '=' are not finished words
    for c in "${cands[@]}"; do
        if [[ $c == *[:=] ]]; then
            compopt -o nospace 2>/dev/null
            break
        fi
    done
    return 0
}

complete -F _ftisp ftisp
