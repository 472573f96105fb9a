#!/bin/bash
# Input is what it claims: a file whose name says Intel HEX, S-record or ELF
# and is not one is refused with the parser's file:line error; other names
# are read as their content says (Intel HEX, S-record, ELF), raw binary only
# for .bin, .raw or :r; empty files are
# refused for writes and verifies; -C part definitions are checked. All of
# it before the adapter is opened.
. "$(dirname "$0")/lib.sh"
export FTEMU_HOST_TIME=0
untouched() { [ ! -e "$1/stats.json" ] || grep -q '"transfers_out": 0,' "$1/stats.json"; }

cat >"$T/page.html" <<'HTML'
<!DOCTYPE html>
<html><head><title>404 Not Found</title></head>
<body>Not Found</body></html>
HTML
for ext in hex ihx eep srec s19 elf; do
    cp "$T/page.html" "$T/main.$ext"
    rm -rf "$T/c"
    emu "$T/c" -p m328p -U flash:w:"$T/main.$ext"
    check "an HTML page saved as main.$ext: exit 3" rc_is 3
    check "... before the adapter is opened" untouched "$T/c"
done
emu "$T/c" -p m328p -U flash:w:"$T/main.hex"
check "main.hex: the Intel HEX parser's file:line error" says "main.hex:1: expected ':' to start a record" "$T/c/stderr"
emu "$T/c" -p m328p -U flash:w:"$T/main.srec"
check "main.srec: the S-record parser's file:line error" says "main.srec:1:" "$T/c/stderr"

: >"$T/empty.hex"
: >"$T/empty.bin"
for f in empty.hex empty.bin; do
    rm -rf "$T/c"
    emu "$T/c" -p m328p -U flash:w:"$T/$f"
    check "an empty $f is refused for a write: exit 3" rc_is 3
    check "... before the adapter is opened" untouched "$T/c"
    emu "$T/c" -p m328p -U eeprom:v:"$T/$f"
    check "an empty $f is refused for a verify: exit 3" rc_is 3
done
check "the empty file is named" says "empty.bin: no data for eeprom" "$T/c/stderr"

# A name that claims nothing: the content decides. Binary data is refused
# (raw only for .bin, .raw or :r), and so is text that is no format: an
# HTML page saved as page.hx is not flashed (issue 19, defect 3).
randbin "$T/firmware" 300 3
rm -rf "$T/c"
emu "$T/c" -p m328p -U flash:w:"$T/firmware"
check "binary with a name that says nothing: exit 3, before the adapter is opened" eval 'rc_is 3 && untouched "$T/c"'
check "... says it looks like binary data and to add :r" \
    says "firmware: cannot tell its format: .*it looks like binary data); if it really is a raw image, add :r" "$T/c/stderr"
cp "$T/page.html" "$T/page.hx"
emu "$T/c" -p m328p -U flash:w:"$T/page.hx"
check "an HTML page saved as page.hx: exit 3, chip untouched" eval 'rc_is 3 && untouched "$T/c"'
check "... says what it looks like" says 'page.hx: cannot tell its format: .*it looks like an HTML page, starting "<!DOCTYPE html>"' "$T/c/stderr"
cp "$T/firmware" "$T/firmware.bin"
emu "$T/c" -p m328p -U flash:w:"$T/firmware.bin"
check "the same bytes named .bin: written as raw binary" eval 'rc_is 0 && same_at "$T/c/flash.bin" "$T/firmware" 0'
cp "$T/firmware" "$T/firmware.hex"
emu "$T/c" -p m328p -U flash:w:"$T/firmware.hex"
check "binary named .hex: refused, saying to add :r if it is a raw image" \
    eval 'rc_is 3 && says "firmware.hex:1: .*if it really is a raw image, add :r" "$T/c/stderr"'
printf ':00000001FF\n' >"$T/ihex.hx"
emu "$T/c" -p m328p -U flash:v:"$T/ihex.hx"
check "Intel HEX content under another name: read as Intel HEX (no data: refused as empty)" \
    says "ihex.hx: no data for flash" "$T/c/stderr"
emu "$T/c" -p m328p -U flash:w:"$T/firmware":r
check "the same bytes with :r: written as raw binary" rc_is 0
check "... and the bytes are on the chip" same_at "$T/c/flash.bin" "$T/firmware" 0
emu "$T/c" -p m328p -U flash:v:"$T/firmware":r
check "an explicit :r gives no note" eval '! grep -q "note:" "$T/c/stderr"'

# -C: part definitions checked before any adapter is opened.
cat >"$T/bad.conf" <<'CONF'
part m328p
    name ATmega328P
    signature 0x1e 0x95 0x0f
    memory flash
        size 32768
        page 128
    end
    memory eeprom
        size 1024
        page 3
        paged yes
    end
end
CONF
rm -rf "$T/c"
emu "$T/c" -C "$T/bad.conf" -p m328p -U eeprom:w:1,2,3:m
check "-C with an EEPROM page of 3: exit 3" rc_is 3
check "... with file:line" says "bad.conf:8: part m328p: eeprom page size 3" "$T/c/stderr"
check "... before the adapter is opened" untouched "$T/c"
sed -i 's/size 32768/size 1000/; s/page 3/page 4/' "$T/bad.conf"
emu "$T/c" -C "$T/bad.conf" -p m328p -U flash:w:"$T/firmware"
check "-C with a flash of 1000 bytes in pages of 128: exit 3" rc_is 3
check "... with file:line" says "bad.conf:4: part m328p: flash page size 128 does not divide" "$T/c/stderr"

# A flash page of 0 (issue 19: accepted, then 489 "whole pages" written
# a byte at a time and the chip erased): refused before the adapter opens.
sed -i 's/size 1000/size 32768/; s/page 128/page 0/' "$T/bad.conf"
rm -rf "$T/c"
emu "$T/c" -C "$T/bad.conf" -p m328p -U flash:w:"$T/firmware"
check "-C with a flash page of 0: exit 3" rc_is 3
check "... with file:line, expected and found" \
    says "bad.conf:4: part m328p: flash page size 0: expected a power of two from 2 to 32768" "$T/c/stderr"
check "... before the adapter is opened" untouched "$T/c"
# no page line at all on a part that polls RDY/BSY: refused too
sed -i '/page 0/d; s/^    signature .*/&\n    rdybsy yes/' "$T/bad.conf"
rm -rf "$T/c"
emu "$T/c" -C "$T/bad.conf" -p m328p -U flash:w:"$T/firmware"
check "-C with no flash page on a RDY/BSY part: exit 3, untouched" eval 'rc_is 3 && untouched "$T/c"'
check "... says a page size is expected" says "bad.conf:5: part m328p: flash without pages" "$T/c/stderr"
# the same in avrdude.conf's words
cat >"$T/bad-avrdude.conf" <<'CONF'
part
    id = "m328p";
    desc = "ATmega328P";
    signature = 0x1e 0x95 0x0f;
    memory "flash"
        paged = yes;
        size = 32768;
        page_size = 0;
        loadpage_lo = "0 1 0 0 0 0 0 0 x x x x x x x x x x a5 a4 a3 a2 a1 a0 i i i i i i i i";
    ;
;
CONF
rm -rf "$T/c"
emu "$T/c" -C "$T/bad-avrdude.conf" -p m328p -U flash:w:"$T/firmware"
check "avrdude.conf part with page_size = 0: exit 3, untouched" eval 'rc_is 3 && untouched "$T/c"'
check "... says flash page size 0" says "part m328p: flash page size 0: expected" "$T/c/stderr"

finish
