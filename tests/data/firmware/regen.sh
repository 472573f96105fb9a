#!/bin/sh
# Regenerates the committed firmware files the image tests read. Needs
# gcc-avr, avr-libc, binutils-avr, srecord and python3; the tests themselves
# need none of them. Run from anywhere: ./regen.sh
set -eu
cd "$(dirname "$0")"

# prog: ATmega328P, every memory avr-gcc puts in an ELF.
avr-gcc -mmcu=atmega328p -Os -o prog.elf prog.c
avr-objcopy -O ihex -j .text -j .data prog.elf prog.hex
avr-objcopy -O srec -j .text -j .data prog.elf prog.srec
avr-objcopy -O binary -j .text -j .data prog.elf prog.bin
avr-objcopy -O ihex -j .eeprom --change-section-lma .eeprom=0 prog.elf prog.eep

# big2560: flash data across 0x10000.
avr-gcc -mmcu=atmega2560 -Os -Wl,--section-start=.fartable=0xFF00 -o big2560.elf big2560.c
avr-objcopy -O ihex -j .text -j .data -j .fartable big2560.elf big2560.hex
avr-objcopy -O srec -j .text -j .data -j .fartable big2560.elf big2560.srec

# The same data as written by srecord, whose record layout differs.
srec_cat prog.hex -intel -o prog.srec_cat.hex -intel
srec_cat prog.hex -intel -o prog.srec_cat.srec -motorola
srec_cat big2560.hex -intel -o big2560.srec_cat.hex -intel
srec_cat big2560.hex -intel -o big2560.srec_cat.srec -motorola -address-length=3

# Hand-made files, with checksums computed here.
python3 - <<'PY'
def ihex(n, addr, typ, data, lower=False):
    b = [n, addr >> 8, addr & 0xFF, typ] + list(data)
    s = ":" + "".join("%02X" % x for x in b) + "%02X" % ((-sum(b)) & 0xFF)
    return s.lower() if lower else s

def srec(typ, addr, data):
    ab = {0: 2, 1: 2, 2: 3, 3: 4, 5: 2, 6: 3, 7: 4, 8: 3, 9: 2}[typ]
    a = [(addr >> (8 * i)) & 0xFF for i in reversed(range(ab))]
    b = [ab + len(data) + 1] + a + list(data)
    return "S%d" % typ + "".join("%02X" % x for x in b) + "%02X" % (~sum(b) & 0xFF)

# Every Intel HEX record type, out of order, mixed case, CRLF line ends.
# 0x00000: 4 bytes; 02 segment 0x1000 -> 0x10000; 04 -> 0x20000;
# 03 and 05 start addresses; a record crossing 0x0FFF0..0x1000F with no
# extended record (linear continuation past 64 KiB); end.
lines = [
    ihex(4, 0x0100, 0, [0x10, 0x11, 0x12, 0x13]),
    ihex(2, 0x0000, 2, [0x10, 0x00]),
    ihex(3, 0x0010, 0, [0xA0, 0xA1, 0xA2], lower=True),
    ihex(2, 0x0000, 4, [0x00, 0x02]),
    ihex(2, 0x0004, 0, [0xB0, 0xB1]),
    ihex(4, 0x0000, 3, [0x00, 0x00, 0x01, 0x00]),
    ihex(2, 0x0000, 4, [0x00, 0x00]),
    ihex(4, 0x0000, 0, [0x01, 0x02, 0x03, 0x04], lower=True),
    ihex(0x20, 0xFFF0, 0, list(range(0x20))),
    ihex(4, 0x0000, 5, [0x00, 0x00, 0x00, 0x00]),
    ihex(0, 0x0000, 1, []),
]
open("allrecords.hex", "w", newline="").write("\r\n".join(lines) + "\r\n")

# A bootloader as it is usually shipped: data only at the top of a 32 KiB
# flash, the last data record short, a start address, then end of file.
boot = bytes((i * 7 + 3) & 0xFF for i in range(0x1F0 + 10))
lines = []
for off in range(0, len(boot), 16):
    chunk = boot[off:off + 16]
    lines.append(ihex(len(chunk), 0x7E00 + off, 0, chunk))
lines.append(ihex(4, 0x0000, 3, [0x00, 0x00, 0x7E, 0x00]))
lines.append(ihex(0, 0x0000, 1, []))
open("bootloader.hex", "w").write("\n".join(lines) + "\n")

# S-records: S0, S1, S2, S3 out of order, an S5 count, S9 end.
lines = [
    srec(0, 0, b"hand made"),
    srec(3, 0x00000200, [0x30, 0x31, 0x32]),
    srec(1, 0x0000, [0x01, 0x02, 0x03, 0x04]),
    srec(2, 0x010000, [0x20, 0x21]),
    srec(5, 3, []),
    srec(9, 0, []),
]
open("allrecords.srec", "w").write("\n".join(lines) + "\n")
# And S6 with an S7 end, lower case, CRLF.
lines = [
    srec(0, 0, b""),
    srec(1, 0x0040, [0xCA, 0xFE]),
    srec(6, 1, []),
    srec(7, 0x40, []),
]
open("s6s7.srec", "w", newline="").write("\r\n".join(l.lower() for l in lines) + "\r\n")
PY

# The demo's bundled program (tests/demo/blink.c): plain, and with fuses.
cd ../../demo
avr-gcc -mmcu=atmega328p -Os -o blink.elf blink.c
avr-objcopy -O ihex -j .text -j .data blink.elf blink.hex
avr-objcopy -O ihex -j .eeprom --change-section-lma .eeprom=0 blink.elf blink.eep
avr-gcc -mmcu=atmega328p -Os -DWITH_FUSES -o blink-fuses.elf blink.c
