#!/bin/bash
# First contact: `make` on a machine without a library says in one line which
# Debian packages are missing and what to run. pkg-config is replaced by a
# stub that reports chosen packages as absent and logs how it was asked.
. "$(dirname "$0")/lib.sh"
cd "$ROOT" || exit 2

# stub MISSING...: a pkg-config that lacks the named packages
stub() {
    cat >"$T/pkg-config" <<STUB
#!/bin/sh
echo "\$*" >>"$T/asked"
if [ "\$1" = --exists ]; then
    for p in $*; do [ "\$2" = "\$p" ] && exit 1; done
fi
exec pkg-config "\$@"
STUB
    chmod +x "$T/pkg-config"
    : >"$T/asked"
}

# build_with PKGCONFIG GOAL: a dry run of make; its output in $T/out
build_with() {
    make -n --no-print-directory BUILD="$T/b" PKG_CONFIG="$1" "$2" >"$T/out" 2>&1
    rc=$?
}
one_line() { [ "$(wc -l <"$T/out")" -eq 1 ]; }

stub libusb-1.0
build_with "$T/pkg-config" all
check "missing libusb-1.0: make fails" test "$rc" -ne 0
check "missing libusb-1.0: one line of output" one_line
check "missing libusb-1.0: names the Debian package and make deps" \
    grep -q 'missing libusb-1.0-0-dev: run `make deps` (or sudo tools/deps build)' "$T/out"
check "missing libusb-1.0: libftdi1 (present) is not named" \
    sh -c "! grep -q libftdi1-dev '$T/out'"
check "each library is asked of pkg-config on its own" \
    sh -c "grep -qx -- '--exists libftdi1' '$T/asked' && grep -qx -- '--exists libusb-1.0' '$T/asked' && grep -qx -- '--exists nettle' '$T/asked' && grep -qx -- '--exists jansson' '$T/asked'"
check "libelf is not asked for (nothing links it)" sh -c "! grep -q libelf '$T/asked'"

stub libftdi1 nettle
build_with "$T/pkg-config" all
check "two missing: both packages named in one line" \
    sh -c "one=\$(wc -l <'$T/out'); [ \$one -eq 1 ] && grep -q 'missing libftdi1-dev nettle-dev: run' '$T/out'"

stub cmocka
build_with "$T/pkg-config" unit
check "unit tests without cmocka: names libcmocka-dev" grep -q 'missing libcmocka-dev: run `make deps`' "$T/out"
build_with "$T/pkg-config" all
check "the program itself builds without cmocka" test "$rc" -eq 0

build_with "$T/no-such-pkg-config" all
check "no pkg-config at all: says so in one line" \
    sh -c "[ \$(wc -l <'$T/out') -eq 1 ] && grep -q 'missing pkg-config libftdi1-dev libusb-1.0-0-dev nettle-dev libedit-dev libjansson-dev: run' '$T/out'"

make -n --no-print-directory BUILD="$T/b" CC="$T/no-such-cc" all >"$T/out" 2>&1
check "no C compiler: says 'missing gcc' in one line" \
    sh -c "[ \$(wc -l <'$T/out') -eq 1 ] && grep -q 'missing gcc: run' '$T/out'"

stub libusb-1.0
build_with "$T/pkg-config" clean
check "make clean needs no library" test "$rc" -eq 0
check "make deps is asked for no library either" \
    sh -c "make -n --no-print-directory PKG_CONFIG='$T/pkg-config' deps >/dev/null 2>&1"

build_with pkg-config all
check "with every library present make has nothing to say about packages" \
    sh -c "[ $rc -eq 0 ] && ! grep -q missing '$T/out'"

# The packages named are the ones tools/deps installs.
for p in libftdi1-dev libusb-1.0-0-dev nettle-dev libedit-dev libjansson-dev libcmocka-dev pkg-config; do
    check "tools/deps installs $p" grep -q "$p" tools/deps
done
finish
