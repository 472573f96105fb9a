#!/bin/bash
# Serial numbers across stations from one PostgreSQL sequence: a real
# PostgreSQL server started here (in a temp dir, listening only on a unix
# socket there, as an unprivileged user when run as root since initdb
# refuses root), three station loops in parallel drawing numbers with
# --serial-cmd psql, every board checked to hold a number no other has.
. "$(dirname "$0")/lib.sh"
export FTEMU_FUSES=ff,de,fd FTEMU_HOST_TIME=0
SCHEMA=$ROOT/tests/data/ftisp-result.schema.json

pgbin() { # the PostgreSQL server programs: on PATH, else Debian's versioned dir
    local p
    p=$(command -v "$1" 2>/dev/null) && { echo "$p"; return; }
    p=$(ls -d /usr/lib/postgresql/*/bin/"$1" 2>/dev/null | sort -V | tail -1)
    [ -n "$p" ] && echo "$p"
}
INITDB=$(pgbin initdb)
PGCTL=$(pgbin pg_ctl)
if [ -z "$INITDB" ] || [ -z "$PGCTL" ] || ! command -v psql >/dev/null; then
    notok "PostgreSQL server programs (initdb, pg_ctl, psql) not installed: tools/deps installs postgresql"
    finish
fi

PG=$T/pg
mkdir -p "$PG"
AS=()
if [ "$(id -u)" -eq 0 ]; then
    # initdb and postgres refuse to run as root: run them as postgres (Debian's
    # package makes that user) or else nobody, in a directory they own
    user=postgres
    id -u postgres >/dev/null 2>&1 || user=nobody
    chown "$user" "$PG"
    chmod 755 "$T"
    AS=(runuser -u "$user" --)
fi
pg_stop() { "${AS[@]}" "$PGCTL" -D "$PG/db" -m immediate stop >/dev/null 2>&1; rm -rf "$T"; }
trap pg_stop EXIT

"${AS[@]}" "$INITDB" -D "$PG/db" -U postgres --auth=trust >"$T/initdb.log" 2>&1
check "initdb made a cluster" test -f "$PG/db/PG_VERSION"
"${AS[@]}" "$PGCTL" -D "$PG/db" -l "$PG/server.log" -w -t 60 \
    -o "-c listen_addresses='' -c unix_socket_directories='$PG' -c fsync=off" start >/dev/null 2>&1
check "the server started on a unix socket in the temp dir" test -S "$PG/.s.PGSQL.5432"
PSQL=(psql -h "$PG" -U postgres -d postgres -X -A -t -q)
"${PSQL[@]}" -c "create sequence board_serial start 1000 increment 7" 2>"$T/psql.err"
check "a sequence to draw from" test $? -eq 0

randbin "$T/img.bin" 4096 31
bin2hex "$T/img.bin" "$T/img.hex"

# three stations, two adapters each, three boards per adapter
CMD="psql -h $PG -U postgres -d postgres -X -A -t -q -c \"select nextval('board_serial')\""
pids=()
for s in 1 2 3; do
    mkdir -p "$T/st$s"
    FTEMU_ADAPTERS=ft232h:S${s}A,ft232h:S${s}B FTEMU_BOARDS="S${s}A:0.5-2+3-4.5+5.5-7,S${s}B:1-2.5+3.5-5+6-7.5" \
        LD_PRELOAD=$EMU FTEMU_OUT=$T/st$s timeout 120 "$FTISP" -p m328p -P usb:all --loop -U flash:w:"$T/img.hex" \
        --json --serial flash:0x7ff0:be4 --serial-cmd "$CMD" >"$T/st$s/stdout" 2>"$T/st$s/stderr" &
    pids+=($!)
done
for _ in $(seq 900); do
    n=$(cat "$T"/st?/stdout | wc -l)
    [ "$n" -ge 18 ] && break
    sleep 0.1
done
sleep 0.5
kill -INT "${pids[@]}"
rcs=0
for p in "${pids[@]}"; do wait "$p" || rcs=1; done
check "three stations ended by Ctrl-C, all boards passed" test $rcs -eq 0

unique_ok() {
    python3 - "$SCHEMA" "$T" "$T/img.bin" <<'PY'
import json, os, sys, jsonschema
schema = json.load(open(sys.argv[1]))
t, img = sys.argv[2], open(sys.argv[3], "rb").read()
lines = []
for s in (1, 2, 3):
    for l in open(os.path.join(t, "st%d" % s, "stdout")):
        j = json.loads(l)
        jsonschema.validate(j, schema)
        assert j["result"] == "ok", j
        lines.append(j)
serials = [j["station"]["board_serial"] for j in lines]
assert len(lines) == 18, len(lines)
assert len(set(serials)) == 18, "a serial handed out twice: %s" % sorted(serials)
assert set(serials) == {1000 + 7 * i for i in range(18)}, sorted(serials)
flashed = []
for s in (1, 2, 3):
    for sub in ("", "S%dB" % s):
        for b in (1, 2, 3):
            f = open(os.path.join(t, "st%d" % s, sub, "board-%d" % b, "flash.bin"), "rb").read()
            assert f[:len(img)] == img
            flashed.append(int.from_bytes(f[0x7ff0:0x7ff4], "big"))
assert sorted(flashed) == sorted(serials), (sorted(flashed), sorted(serials))
PY
}
check "18 boards, 18 distinct numbers from the sequence, each in its board's flash" unique_ok
last=$("${PSQL[@]}" -c "select last_value from board_serial")
check "the sequence handed out exactly 18 numbers" test "$last" = "$((1000 + 7 * 17))"

"${AS[@]}" "$PGCTL" -D "$PG/db" -m fast -w stop >/dev/null 2>&1
check "the server stopped" test ! -S "$PG/.s.PGSQL.5432"
finish
