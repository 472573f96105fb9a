#!/bin/bash
# The station: several adapters in one command (each board verified, one
# wrong chip failing alone), -P ? and usb:all, the --loop with boards that
# come and go (each programmed exactly once), serial numbers from a counter
# file (unique across parallel stations and stations killed mid-board).
. "$(dirname "$0")/lib.sh"
export FTEMU_FUSES=ff,de,fd FTEMU_HOST_TIME=0
. "$(dirname "$0")/station_lib.sh"

randbin "$T/img.bin" 6000 21
bin2hex "$T/img.bin" "$T/img.hex"

# ---- four adapters, one command; the third holds an ATmega168P ----
export FTEMU_ADAPTERS=ft232h:ST1,ft232h:ST2,ft232h:ST3:m168p,ft232h:ST4
station "$T/four" -p m328p -P usb:ST1 -P usb:ST2 -P usb:ST3 -P usb:ST4 -U flash:w:"$T/img.hex" --json
check "four adapters: exit 7 (the one failure's status)" rc_is 7
check "four adapters: one valid JSON line per board, three ok, ST3 wrong signature" jsonl "$T/four/stdout" \
    "len(L)==4 and sorted(j['station']['adapter'] for j in L)==['ST1','ST2','ST3','ST4'] and
     all((j['result']=='ok')==(j['station']['adapter']!='ST3') for j in L) and
     [j['station']['failure'] for j in L if j['result']!='ok']==['wrong signature'] and
     all(j['exit_status']==(7 if j['station']['adapter']=='ST3' else 0) for j in L)"
for s in ST2 ST4; do
    check "four adapters: $s's flash holds the image" same_at "$T/four/$s/flash.bin" "$T/img.bin" 0
done
check "four adapters: ST1's flash holds the image" same_at "$T/four/flash.bin" "$T/img.bin" 0
check "four adapters: ST3's (wrong chip) flash untouched" \
    python3 -c "import sys; sys.exit(open('$T/four/ST3/flash.bin','rb').read().count(255) != 16384)"
check "four adapters: a human line per board" test "$(grep -c ' board 1: ' "$T/four/stderr")" -eq 4
check "four adapters: the failing board is named with its kind" says "ST3 board 1: FAIL (wrong signature" "$T/four/stderr"
check "four adapters: a summary" says "station: 4 boards, 3 passed, 1 failed (wrong signature 1)" "$T/four/stderr"
check "four adapters: each process dumped only its own target" test ! -e "$T/four/ST1"
py_total() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['modeled_s']['total'])" "$1"; }
check "four adapters: each adapter has its own modeled clock (ST4 ends near ST2)" python3 -c "
import sys; a=$(py_total "$T/four/ST2/stats.json"); b=$(py_total "$T/four/ST4/stats.json")
sys.exit(not (a > 0.2 and abs(a-b) < 0.1*a))"

# ---- all passing: exit 0; usb:all finds the same four ----
export FTEMU_ADAPTERS=ft232h:ST1,ft232h:ST2,ft232h:ST3,ft232h:ST4
station "$T/all" -p m328p -P usb:all -U flash:w:"$T/img.hex" --json
check "usb:all: all four pass, exit 0" rc_is 0
check "usb:all: four ok lines" jsonl "$T/all/stdout" "len(L)==4 and all(j['result']=='ok' for j in L)"
station "$T/list" -P '?'
check "-P ? lists the adapters with their serial numbers" \
    bash -c "rc=$rc; [ \$rc -eq 0 ] && grep -q '^usb:ST1 .*FT232H' '$T/list/stdout' && [ \$(wc -l <'$T/list/stdout') -eq 4 ]"
station "$T/bad" -p m328p -P usb:ST1 -P usb:ST1 -U flash:w:"$T/img.hex"
check "an adapter named twice: usage error" rc_is 2
station "$T/bad" -p m328p -P usb:ST1 -P usb:ST2 --serial flash:0x7ff0:le4 -U eeprom:w:1:m
check "--serial with no flash write: usage error, nothing touched" \
    bash -c "[ $rc -eq 2 ] && grep -q 'no -U flash:w:FILE' '$T/bad/stderr' && [ ! -e '$T/bad/ST2/flash.bin' ]"
station "$T/bad" -p m328p -P usb:ST1 --serial flash:0x7ff0:le9 -U flash:w:"$T/img.hex"
check "--serial le9: usage error" rc_is 2
station "$T/bad" -p m328p -P usb:ST1 --serial flash:0x7ff0:le1:300 -U flash:w:"$T/img.hex"
check "--serial start that does not fit its width: usage error" rc_is 2

station "$T/led" -p m328p -P usb:all -U flash:w:"$T/img.hex" -x led_busy=4 -x led_pass=5 -x led_fail=12
bad_ops() { grep -o '"bad_opcodes": [0-9]*' "$1"; }
led_bad=$(bad_ops "$T/led/ST2/stats.json"); plain_bad=$(bad_ops "$T/all/ST2/stats.json")
check "LED pins on AD4, AD5, AC4: all four pass, no MPSSE command beyond the usual sync check" \
    test "$rc" -eq 0 -a -n "$led_bad" -a "$led_bad" = "$plain_bad"
gpio() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['gpio_driven_high'])" "$1"; }
check "LEDs: busy (AD4) and pass (AD5) were lit, fail (AC4) never" \
    test "$(( $(gpio "$T/led/ST2/stats.json") & (1 << 4 | 1 << 5 | 1 << 12) ))" -eq $((1 << 4 | 1 << 5))
export FTEMU_ADAPTERS=ft232h:ST1,ft232h:ST2:m168p
station "$T/ledf" -p m328p -P usb:all -U flash:w:"$T/img.hex" -x led_busy=4 -x led_pass=5 -x led_fail=12
check "LEDs: a wrong chip lights fail (AC4), not pass (AD5)" \
    test "$(( $(gpio "$T/ledf/ST2/stats.json") & (1 << 4 | 1 << 5 | 1 << 12) ))" -eq $((1 << 4 | 1 << 12))
export FTEMU_ADAPTERS=ft232h:ST1,ft232h:ST2,ft232h:ST3,ft232h:ST4
station "$T/bad" -p m328p -P usb:all -U flash:w:"$T/img.hex" -x led_pass=6 -x buff=6
check "an LED on the buffer pin: usage error" rc_is 2

# ---- a signal in the middle of a run with several boards ----
export FTEMU_ADAPTERS=ft232h:ST1,ft232h:ST2
# (in the flash write: after the start-up reads and the EEPROM read twice before the erase)
FTEMU_FAULT=signal_after=130:INT station "$T/sig" -p m328p -P usb:all -U flash:w:"$T/img.hex" --json
check "SIGINT mid-run: exit 130, as a single run" rc_is 130
check "SIGINT mid-run: each board's line says interrupted, SIGINT, and what the chip holds" jsonl "$T/sig/stdout" \
    "len(L)==2 and all(j['result']=='interrupted' and j['exit_status']==130 and j['signal']=='SIGINT' and
     j['station']['failure']=='interrupted' and 'flash partly written' in j['state'] for j in L)"
check "SIGINT mid-run: the human lines tell the chip's state" test "$(grep -c 'board 1: chip: ' "$T/sig/stderr")" -eq 2
check "SIGINT mid-run: the summary counts them" says "2 failed (interrupted 2)" "$T/sig/stderr"
export FTEMU_ADAPTERS=ft232h:ST1,ft232h:ST2,ft232h:ST3,ft232h:ST4

# ---- the loop: boards come and go; each programmed exactly once ----
export FTEMU_ADAPTERS=ft232h:L1,ft232h:L2
export FTEMU_BOARDS="L1:1-3+4-6.5+8-9.5+10.5-12,L2:0.5-2.5+3.5-5+6-8"
mkdir -p "$T/loop"
LD_PRELOAD=$EMU FTEMU_OUT=$T/loop timeout 120 "$FTISP" -p m328p -P usb:L1 -P usb:L2 --loop \
    -U flash:w:"$T/img.hex" --json --serial flash:0x7000:dec6:500 --serial-file "$T/loop/counter" \
    >"$T/loop/stdout" 2>"$T/loop/stderr" &
pid=$!
for _ in $(seq 600); do   # until all 7 boards are reported (modeled time runs fast)
    [ "$(wc -l <"$T/loop/stdout")" -ge 7 ] && break
    sleep 0.1
done
sleep 0.5
kill -INT $pid
wait $pid
rc=$?
unset FTEMU_BOARDS
check "loop: Ctrl-C ends it, exit 0 (all passed)" rc_is 0
check "loop: one JSON line per board, 7 boards, all ok, serials 500..506 once each" jsonl "$T/loop/stdout" \
    "len(L)==7 and all(j['result']=='ok' for j in L) and sorted(j['station']['board_serial'] for j in L)==list(range(500,507))
     and sorted((j['station']['adapter'], j['station']['board']) for j in L)==[('L1',1),('L1',2),('L1',3),('L1',4),('L2',1),('L2',2),('L2',3)]"
check "loop: a summary at the end" says "station: 7 boards, 7 passed, 0 failed" "$T/loop/stderr"
loop_boards_ok() {
    python3 - "$T/loop" "$T/img.bin" <<'PY'
import json, os, sys
d, img = sys.argv[1], open(sys.argv[2], "rb").read()
serials = set()
for sub, n in (("", 4), ("L2", 3)):
    for b in range(1, n + 1):
        bd = os.path.join(d, sub, "board-%d" % b)
        rec = json.load(open(os.path.join(bd, "board.json")))
        flash = open(os.path.join(bd, "flash.bin"), "rb").read()
        assert rec["chip_erases"] == 1, (bd, rec)
        assert flash[:len(img)] == img, bd
        serials.add(flash[0x7000:0x7006])
    assert not os.path.exists(os.path.join(d, sub, "board-%d" % (n + 1)))
assert serials == {b"%06d" % i for i in range(500, 507)}, serials
PY
}
check "loop: every board in the schedule programmed exactly once, its flash verified, its own serial" loop_boards_ok

# ---- serials: three stations in parallel on one counter file ----
export FTEMU_ADAPTERS=ft232h:P1,ft232h:P2
for s in 1 2 3; do
    (for k in 1 2 3 4; do
        LD_PRELOAD=$EMU FTEMU_OUT=$T/par$s timeout 60 "$FTISP" -p m328p -P usb:all -U flash:w:"$T/img.hex" \
            --json --serial eeprom:0:be4 --serial-file "$T/shared" -U eeprom:w:0xff:m >>"$T/par$s.json" 2>/dev/null
    done) &
done
wait
check "three parallel stations: 24 boards, 24 distinct serials 1..24, counter at 25" \
    bash -c "cat '$T'/par?.json >'$T/par.json' && grep -qx 'next 25' '$T/shared'"
check "three parallel stations: the JSON lines agree" jsonl "$T/par.json" \
    "len(L)==24 and sorted(j['station']['board_serial'] for j in L)==list(range(1,25))"

# ---- serials: stations killed mid-board never reissue a number ----
export FTEMU_ADAPTERS=ft232h:K1
: >"$T/kill.json"
for k in 1 2 3 4 5 6; do
    FTEMU_BOARDS="K1:$(python3 -c "print('+'.join('%g-%g' % (i, i+0.7) for i in range(60)))")" \
        LD_PRELOAD=$EMU FTEMU_OUT=$T/kill timeout 60 "$FTISP" -p m328p --loop -U flash:w:"$T/img.hex" --json \
        --serial flash:0x7ff8:hex8 --serial-file "$T/kcount" >>"$T/kill.json" 2>/dev/null &
    pid=$!
    sleep "$((RANDOM % 2 + 1)).$((RANDOM % 10))"
    kill -KILL -- -$pid 2>/dev/null   # timeout's process group: ftisp and its adapter's process
    wait $pid 2>/dev/null
done
kill_ok() {
    python3 - "$T/kcount" "$T/kill.json" <<'PY'
import json, sys
counter = int(open(sys.argv[1]).read().split()[1])
log = [l.split() for l in open(sys.argv[1] + ".log")]
reserved = [int(l[0]) for l in log if l[1] == "reserved"]
assert len(reserved) == len(set(reserved)), "a number reserved twice"
assert reserved and max(reserved) < counter, (reserved, counter)
lines = []
for l in open(sys.argv[2]):
    try:
        lines.append(json.loads(l))
    except ValueError:
        pass      # a line cut by the kill
got = [j["station"]["board_serial"] for j in lines]
assert len(got) == len(set(got)), "a serial on two boards"
assert set(got) <= set(reserved)
print("# %d numbers reserved over 6 killed stations, %d boards reported, counter at %d"
      % (len(reserved), len(got), counter))
PY
}
check "killed stations: no number reserved twice, none reported twice, counter past them all" kill_ok

# failed numbers are journaled and not handed out again, unless asked
export FTEMU_ADAPTERS=ft232h:F1:m168p
station "$T/fail" -p m328p -P usb:F1 -U flash:w:"$T/img.hex" --serial flash:0x7ff0:le2 --serial-file "$T/fcount"
check "a wrong chip's serial is journaled as failed" grep -q '^1 failed F1#1' "$T/fcount.log"
export FTEMU_ADAPTERS=ft232h:F1
station "$T/fail" -p m328p -P usb:F1 -U flash:w:"$T/img.hex" --serial flash:0x7ff0:le2 --serial-file "$T/fcount" --json
check "the next board gets a new number (2), not the failed one" jsonl "$T/fail/stdout" "L[0]['station']['board_serial']==2"
station "$T/fail" -p m328p -P usb:F1 -U flash:w:"$T/img.hex" --serial flash:0x7ff0:le2 --serial-file "$T/fcount" --json --serial-reuse
check "--serial-reuse hands out the failed number 1 again" jsonl "$T/fail/stdout" \
    "L[0]['station']['board_serial']==1 and L[0]['station']['patches'][0]['bytes']=='0100'"
check "--serial-reuse: the flash holds the reissued number" \
    python3 -c "import sys; sys.exit(open('$T/fail/flash.bin','rb').read()[0x7ff0:0x7ff2] != b'\x01\x00')"
echo "garbage" >"$T/bcount"
station "$T/fail" -p m328p -P usb:F1 -U flash:w:"$T/img.hex" --serial flash:0x7ff0:le2 --serial-file "$T/bcount"
check "a damaged counter file: the board is not programmed, the file named" \
    bash -c "[ $rc -eq 3 ] && grep -q 'bcount:1: expected \"next NUMBER\"' '$T/fail/stderr'"

# ---- names that are not valid UTF-8 (an -P text, a file name) still give valid JSON lines ----
export FTEMU_ADAPTERS=ft232h:ST1
cp "$T/img.hex" "$T/"$'img\xff.hex'
station "$T/utf" -p m328p -P usb:ST1 -P usb:$'NO\xfe' -U flash:w:"$T/"$'img\xff.hex' --json
check "non-UTF-8 names: exit 4 (the adapter not found)" rc_is 4
check "non-UTF-8 names: two valid JSON lines, the bytes read U+FFFD" jsonl "$T/utf/stdout" \
    "len(L)==2 and all(j['operations']==[] or j['operations'][0]['file'].endswith('img\ufffd.hex') for j in L) and
     sorted((j['result'], j['station']['adapter'].endswith('NO\ufffd')) for j in L)==[('error',True),('ok',False)]"
unset FTEMU_ADAPTERS

# ---- jansson's integers are 64-bit signed: a serial number past 2^63-1 is refused with --json ----
export FTEMU_ADAPTERS=ft232h:ST1
station "$T/big" -p m328p -P usb:ST1 -U flash:w:"$T/img.hex" --serial flash:0x7ff0:be8:9223372036854775808 --serial-file "$T/bigcount" --json
check "serial past 2^63-1 with --json: exit 3, a valid line naming it, serial null" jsonl "$T/big/stdout" \
    "$rc==3 and len(L)==1 and L[0]['station']['board_serial'] is None and '9223372036854775808' in L[0]['error']"
check "serial past 2^63-1 with --json: the board was not written" \
    python3 -c "import sys; sys.exit(open('$T/big/flash.bin','rb').read().count(255) != 32768)"
station "$T/big2" -p m328p -P usb:ST1 -U flash:w:"$T/img.hex" --serial flash:0x7ff0:be8:9223372036854775807 --serial-file "$T/big2count" --json
check "serial 2^63-1 with --json: programmed, the number exact in the line" jsonl "$T/big2/stdout" \
    "$rc==0 and len(L)==1 and L[0]['station']['board_serial']==9223372036854775807 and L[0]['station']['patches']==[{'memory':'flash','address':0x7ff0,'bytes':'7fffffffffffffff'}]"
unset FTEMU_ADAPTERS

finish
