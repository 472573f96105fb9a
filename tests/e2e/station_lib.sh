# Shared by the station's end-to-end scripts (source after lib.sh).
SCHEMA=$ROOT/tests/data/ftisp-result.schema.json

# station DIR [ftisp args...]: one ftisp run whose emulator dumps go to DIR,
# stopped after STATION_TIMEOUT seconds (120 unless set)
station() {
    local dir=$1; shift
    mkdir -p "$dir"
    LD_PRELOAD=$EMU FTEMU_OUT=$dir timeout "${STATION_TIMEOUT:-120}" "$FTISP" "$@" >"$dir/stdout" 2>"$dir/stderr"
    rc=$?
}

# jsonl FILE 'python expression on L (list of objects)': every line valid
jsonl() {
    python3 - "$SCHEMA" "$1" "$2" <<'PY'
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
L = [json.loads(x) for x in open(sys.argv[2]).read().splitlines()]
for j in L:
    jsonschema.validate(j, schema)
ok = eval("(" + sys.argv[3] + ")")
if not ok:
    print("# failed:", sys.argv[3], file=sys.stderr)
    for j in L:
        print("#", j["station"], j["result"], file=sys.stderr)
sys.exit(0 if ok else 1)
PY
}
