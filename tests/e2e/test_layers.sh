#!/bin/bash
# The layers of src/ (src/README.md) as the built objects show them: every
# function an object calls is defined in its own layer or one below it; a
# protocol (isp) includes nothing of a bridge but the wire interface; a
# bridge never calls or includes another. Read from the objects (nm), so a
# call hidden behind a macro or a declaration written by hand counts too.
. "$(dirname "$0")/lib.sh"
cd "$ROOT" || exit 1
OBJ=$BUILD/obj

# check_layers OBJDIR OUT: the findings, one "ok"/"not ok" line each
check_layers() {
python3 - "$1" "$ROOT/src" >"$2" 2>&1 <<'EOF'
import os, re, subprocess, sys
obj, src = sys.argv[1], sys.argv[2]

def layer(path):
    rel = os.path.relpath(path, obj if path.startswith(obj) else src)
    parts = rel.split(os.sep)
    if len(parts) == 1:
        return "main"
    if parts[0] == "wire" and len(parts) > 2:
        return "wire/" + parts[1]
    return parts[0]

# Who may call whom: each layer and the layers below it that it uses.
BASE = {"base"}
below = {
    "base": set(),
    "image": BASE,
    "partdb": BASE,
    "wire": BASE | {"wire/mpsse", "wire/syncbb", "wire/dry"},   # the table of bridges (wire.c)
    "wire/mpsse": BASE,
    "wire/syncbb": BASE,
    "wire/dry": BASE | {"partdb"},
    "isp": BASE | {"wire", "partdb"},
    "tpi": BASE | {"wire", "partdb"},
    "proto": BASE | {"isp", "tpi", "wire", "partdb"},   # the table of protocols
    "plan": BASE | {"image", "partdb"},
    "session": BASE | {"proto", "wire", "plan", "image", "partdb"},
    "report": BASE | {"plan", "image", "partdb"},
    "term": BASE | {"session", "plan", "report", "wire", "image", "partdb"},
    "station": BASE | {"session", "proto", "plan", "report", "wire", "image", "partdb"},
    "cli": BASE | {"term", "station", "session", "plan", "report", "wire", "image", "partdb"},
    "main": {"cli"},
}
bridges = [l for l in below if l.startswith("wire/")]

objs = []
for d, _, fs in os.walk(obj):
    # objects of sources that still exist (a build dir may hold stale ones)
    objs += [os.path.join(d, f) for f in fs if f.endswith(".o") and
             (os.path.exists(os.path.join(src, os.path.relpath(os.path.join(d, f[:-2] + ".c"), obj)))
              or f.startswith("zz_"))]
owner = {}
undef = {o: [] for o in objs}
# one nm for all objects: "file.o:addr type name" / "file.o:   U name"
out = subprocess.run(["nm", "-A", "-g"] + objs, capture_output=True, text=True).stdout
for line in out.splitlines():
    o, _, rest = line.partition(":")
    f = rest.split()
    if len(f) == 3 and f[1] in "TDBRC":
        owner[f[2]] = layer(o)
    elif len(f) == 2 and f[0] == "U" and o in undef:
        undef[o].append(f[1])
bad = 0
checked = 0
for o in sorted(objs):
    me = layer(o)
    if me not in below:
        print(f"not ok - {os.path.relpath(o, obj)}: layer {me} is not in the table")
        bad += 1
        continue
    for line in undef[o]:
        them = owner.get(line)
        checked += 1
        if them is None or them == me:
            continue
        if them not in below[me]:
            print(f"not ok - {os.path.relpath(o, obj)} ({me}) calls {line} of {them}")
            bad += 1
print(f"# {checked} calls checked in {len(objs)} objects")
if bad == 0:
    print("ok - every call goes to its own layer or one below it")

# Includes: isp sees only the wire interface of the bridges; a bridge no
# other bridge's header.
inc = re.compile(r'#\s*include\s*[<"]([^>"]+)[>"]')
bridge_headers = {"ftisp/mpsse.h", "ftdi.h", "libusb.h", "libusb-1.0/libusb.h"}
bad_inc = 0
for d, _, fs in os.walk(src):
    for f in fs:
        p = os.path.join(d, f)
        me = layer(p)
        if not f.endswith((".c", ".h")):
            continue
        for h in inc.findall(open(p, encoding="utf-8").read()):
            if me in ("isp", "tpi", "proto", "session", "plan", "term", "report", "image", "partdb") and h in bridge_headers:
                print(f"not ok - {os.path.relpath(p, src)} ({me}) includes {h}: only ftisp/wire.h")
                bad_inc += 1
            if me.startswith("wire/"):
                for other in bridges:
                    name = other.split("/")[1]
                    if other != me and (h.startswith(name + "_") or h == f"ftisp/{name}.h"):
                        print(f"not ok - {os.path.relpath(p, src)} ({me}) includes {h} of {other}")
                        bad_inc += 1
if bad_inc == 0:
    print("ok - no protocol or layer above the wire includes a bridge's header; no bridge another's")
EOF
}
check_layers "$OBJ" "$T/out"
cat "$T/out"
grep -q '^not ok' "$T/out" && failures=1
grep -q '^ok - every call' "$T/out" || failures=1

# The test can fail: an object that calls upward is caught.
mkdir -p "$T/fake/obj"
cp -r "$OBJ"/. "$T/fake/obj/"
cat >"$T/up.c" <<'EOF'
int ft_plan_build(void);
int isp_calls_up(void) { return ft_plan_build(); }
EOF
cc -c -o "$T/fake/obj/isp/zz_up.o" "$T/up.c"
check_layers "$T/fake/obj" "$T/inner"
grep -q "^not ok - isp/zz_up.o (isp) calls ft_plan_build of plan" "$T/inner" &&
    ok "a call from isp up to plan is caught" ||
    notok "a call from isp up to plan is caught (said: $(grep -m3 'not ok' "$T/inner"))"
finish
