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
    "j['result']=='ok' and j['exit_status']==0 and j['signature']=='1e950f' and j['operations'][0]['sha256']=='$sha' and j['operations'][0]['verified'] is True and j['operations'][0]['bytes']==3000 and j['adapter']['serial']=='FTEMU001'"
check "json: human output went to stderr" says "writing flash" "$T/c/stderr"

emu "$T/c" -p m2560 --json -U flash:w:"$T/a.hex"
check "json: wrong signature exits 7" rc_is 7
check "json: failure is reported in the object" validate "$T/c/stdout" \
    "j['result']=='error' and j['exit_status']==7 and 'signature' in j['error']"

FTEMU_FAULT=nodevice emu "$T/c" -p m328p --json -U flash:w:"$T/a.hex"
check "json: no adapter gives adapter null and exit 4" validate "$T/c/stdout" \
    "j['adapter'] is None and j['exit_status']==4"

finish
