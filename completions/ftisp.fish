# fish completion for ftisp(1)

# Every name -p takes, from the ftisp being completed (`-p ?`: id, name,
# signature, aliases); fish matches them case-insensitively.
function __ftisp_parts
    set -l prog (commandline -opc)[1]
    command -q $prog; or set prog ftisp
    $prog -p '?' 2>/dev/null | awk 'NF && $1 !~ /^#/ {print $1 "\t" $2; print $2 "\t" $1; for (i = 6; i <= NF; i++) print $i "\t" $2}'
end

# Programmer ids from the ftisp being completed (`-c ?`: id, USB ids, description).
function __ftisp_programmers
    set -l prog (commandline -opc)[1]
    command -q $prog; or set prog ftisp
    $prog -c '?' 2>/dev/null | awk 'NF {print $1}'
    printf '%s\n' ft232h um232h c232hm ft2232h ft4232h avrftdi 2232h 4232h 2232hio tigard avrisp-u jtagkey o-link openmoko lm3s811 tumpa tumpa-b ktlink digilent-hs2 flyswatter2 dryrun
end

# -U MEM:OP:FILE[:FMT]: complete the piece after the last colon.
function __ftisp_memory
    set -l tok (commandline -ct)
    set -l parts (string split ':' -- $tok)
    switch (count $parts)
        case 1
            for m in flash eeprom lfuse hfuse efuse fuse lock signature calibration sram io prodsig sigrow sernum ee sig fuses fuse0 fuse1 fuse2 lockbits all ALL etc
                echo $m:
            end
            __fish_complete_path $tok
        case 2
            for op in r w v
                echo $parts[1]:$op:
            end
        case 3
            for f in (__fish_complete_path $parts[3])
                echo $parts[1]:$parts[2]:$f
            end
        case '*'
            for fmt in a i I s r e m d h o b
                echo $parts[1]:$parts[2]:$parts[3]:$fmt
            end
    end
end

complete -c ftisp -f
complete -c ftisp -s p -l part -x -a '(__ftisp_parts)' -d 'Target part (? lists them)'
complete -c ftisp -s c -l programmer -x -a '(__ftisp_programmers)' -d 'Adapter type'
complete -c ftisp -s P -l port -x -a 'usb usb: usb:all ?' -d 'Adapter: usb, usb:SERIAL, usb:VID:PID, usb:BUS/DEV, usb:all (repeatable)'
complete -c ftisp -s B -l bitclock -x -d 'SCK period in µs, or frequency with Hz/kHz/MHz'
complete -c ftisp -s b -l baud -x -d 'SCK frequency in Hz'
complete -c ftisp -s U -l memory -x -a '(__ftisp_memory)' -d 'MEM:OP:FILE[:FMT]'
complete -c ftisp -s e -l erase -d 'Chip erase'
complete -c ftisp -s D -l noerase -d 'No automatic erase before flash writes'
complete -c ftisp -s A -l keep-ff -d 'Keep trailing 0xFF bytes of flash images'
complete -c ftisp -l keep-trailing-0xff -d 'Keep trailing 0xFF bytes (avrdude 8 name)'
complete -c ftisp -s T -l command -x -a 'dump read write erase save backup restore verify flush abort config sig part verbose quell help quit' -d 'Run one terminal command'
complete -c ftisp -s t -l terminal -d 'Interactive terminal'
complete -c ftisp -s N -l noconfig -d 'Do not read ~/.avrduderc'
complete -c ftisp -l quell -d 'Quieter (avrdude 8 name of -q)'
complete -c ftisp -l verbose -d 'More verbose'
complete -c ftisp -l test-memory -d 'Write nothing (avrdude 8 name of -n)'
complete -c ftisp -l test -d 'Write nothing (another name of -n)'
complete -c ftisp -l noverify-memory -d 'Do not verify (avrdude 8 name of -V)'
complete -c ftisp -s E -l exitspecs -x -d 'Ignored (avrdude parallel-port exit states)'
complete -c ftisp -s i -l isp-clock-delay -x -d 'Ignored (avrdude bit-bang delay)'
complete -c ftisp -s O -l osccal -d 'Ignored (avrdude oscillator calibration)'
complete -c ftisp -s r -l reconnect -d 'Ignored (avrdude serial reconnect)'
complete -c ftisp -s V -l noverify -d 'Do not verify writes'
complete -c ftisp -s F -l force -d 'Go on despite a wrong signature'
complete -c ftisp -s n -l dry-run -d 'Do everything but write'
complete -c ftisp -s q -l quiet -d 'Quieter (-qq: errors only)'
complete -c ftisp -s v -d 'More verbose'
complete -c ftisp -s l -l logfile -r -F -d 'Write messages to a file'
complete -c ftisp -s C -l config -r -F -d 'Add parts from parts.conf or avrdude.conf'
complete -c ftisp -s x -l extended -x -a 'reset= buff= channel=A channel=B led_pass= led_fail= led_busy= help' -d 'Adapter option'
complete -c ftisp -l fck -x -d 'Target clock frequency, e.g. 16MHz'
complete -c ftisp -l allow -x -a 'clock rstdisbl dwen lock all' -d 'Permit lock-out fuse values'
complete -c ftisp -l json -d 'Print a JSON summary on stdout'
complete -c ftisp -l loop -d 'Station loop: program each board inserted until Ctrl-C'
complete -c ftisp -l poll -x -d 'Board polls per second in --loop'
complete -c ftisp -l serial -x -d 'A number per board: MEM:ADDR:ENC[:START[:STEP]]'
complete -c ftisp -l serial-file -r -F -d 'Serial counter file'
complete -c ftisp -l serial-cmd -x -d 'Command printing the next serial number'
complete -c ftisp -l serial-reuse -d 'Hand out failed boards numbers again'
complete -c ftisp -l patch-cmd -x -d 'Per-board bytes from a command: MEM:ADDR:CMD'
complete -c ftisp -s h -l help -d 'Show help'
complete -c ftisp -l version -d 'Show the version'
