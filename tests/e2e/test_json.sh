#!/bin/bash
# --json: one object per run on standard output, checked against the schema;
# human messages stay on standard error.
. "$(dirname "$0")/lib.sh"
export FTEMU_FUSES=ff,de,fd
PY=/usr/bin/python3
SCHEMA=$ROOT/tests/data/ftisp-result.schema.json

validate() { # validate FILE [python assertions on j]
    "$PY" - "$SCHEMA" "$1" "${2:-True}" <<'PY'
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
lines = open(sys.argv[2]).read().splitlines()
assert len(lines) == 1, "expected one line of JSON, got %d" % len(lines)
j = json.loads(lines[0])
jsonschema.validate(j, schema)
assert eval(sys.argv[3]), sys.argv[3]
PY
}

randbin "$T/a.bin" 3000 11
bin2hex "$T/a.bin" "$T/a.hex"
emu "$T/c" -p m328p --json -U flash:w:"$T/a.hex" -U eeprom:w:1,2,3:m -P usb:FTEMU001
check "json run exits 0" rc_is 0
sha=$(sha256sum "$T/a.bin" | cut -d' ' -f1)
check "json: valid, ok, flash sha256 of the bytes written" validate "$T/c/stdout" \
    "j['result']=='ok' and j['exit_status']==0 and j['signature']=='1e950f' and j['operations'][0]['sha256']=='$sha' and j['operations'][0]['verified'] is True and j['operations'][0]['bytes']==3000 and j['adapter']['usb_serial']=='FTEMU001' and 'serial' not in j['adapter']"
check "json: human output went to stderr" says "writing flash" "$T/c/stderr"

emu "$T/c" -p m2560 --json -U flash:w:"$T/a.hex"
check "json: wrong signature exits 7" rc_is 7
check "json: failure is reported in the object" validate "$T/c/stdout" \
    "j['result']=='error' and j['exit_status']==7 and 'signature' in j['error']"

FTEMU_FAULT=nodevice emu "$T/c" -p m328p --json -U flash:w:"$T/a.hex"
check "json: no adapter gives adapter null and exit 4" validate "$T/c/stdout" \
    "j['adapter'] is None and j['exit_status']==4"

# -e is an operation of its own, listed after the fuse writes.
emu "$T/c" -p m328p --json -e -U lfuse:w:0xff:m -U flash:w:"$T/a.hex"
check "json -e: exit 0" rc_is 0
check "json -e: the erase is an operation, after the fuse write" validate "$T/c/stdout" \
    "[(o['memory'],o['op'],o['result']) for o in j['operations']]==[('lfuse','write','unchanged'),('flash','erase','ok'),('flash','write','ok')]"

# A diagnosis (no -U) carries the fuses, the lock byte and the clock.
emu "$T/d" -p m328p --json
check "json diagnosis: exit 0" rc_is 0
check "json diagnosis: fuses, lock and clock" validate "$T/d/stdout" \
    "j['fuses']=={'lfuse':'ff','hfuse':'de','efuse':'fd'} and j['lock']=='ff' and 'SCK' in j['clock'] and j['operations']==[]"

# "already on the chip" and "not written (-n)" are told apart.
emu "$T/c" -p m328p --json -U flash:w:"$T/a.hex" -U eeprom:w:1,2,3:m
emu "$T/c" -p m328p --json -U flash:w:"$T/a.hex" -U eeprom:w:1,2,3:m
check "json: a second identical run says unchanged" validate "$T/c/stdout" \
    "[o['result'] for o in j['operations']]==['unchanged','unchanged']"
randbin "$T/b.bin" 3000 12
emu "$T/c" -p m328p --json -n -U flash:w:"$T/b.bin":r -U eeprom:w:4,5:m
check "json: -n says dry_run" validate "$T/c/stdout" \
    "[o['result'] for o in j['operations']]==['dry_run','dry_run']"

# A file name that is not valid UTF-8 still gives valid JSON: each byte
# outside a valid UTF-8 sequence reads U+FFFD; valid UTF-8 stays as it is.
bad="$T/"$'\xff\xc3(\xe2\x82\xac\xed\xa0\x80'.hex
cp "$T/a.hex" "$bad"
emu "$T/c" -p m328p --json -U flash:w:"$bad"
check "json: a non-UTF-8 file name: exit 0" rc_is 0
check "json: a non-UTF-8 file name: valid JSON, bytes replaced by U+FFFD" validate "$T/c/stdout" \
    "j['operations'][0]['file']=='$T/'+'\ufffd\ufffd(\u20ac\ufffd\ufffd\ufffd.hex'"
emu "$T/c" -p m328p --json -U flash:w:"$T/"$'\xfe'-missing.hex
check "json: a non-UTF-8 name in the error message is replaced too" validate "$T/c/stdout" \
    "j['result']=='error' and '\ufffd-missing.hex' in j['error'] and j['operations'][0]['file'].endswith('\ufffd-missing.hex')"

finish
