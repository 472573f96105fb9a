/* A tiny TPI host for the emulator's own tests: drives the emulated FT232H
 * + TPI target (FTEMU_PART=t10 ...) through the real libftdi1, one scenario
 * per command, and prints what came back for tests/e2e/test_emu_tpi.sh.
 * Independent of src/ (ftisp has no TPI code) and of avrdude.
 *
 * Wiring: TPICLK on AD0, TPIDATA written on AD1 (through the resistor) and
 * read on AD2, RESET on AD3. Frames go out with MPSSE 0x19 (bytes, LSB
 * first, data changing on the falling edge): 4 idle bits then the 12-bit
 * frame in two bytes; answers are read with 0x28 (bytes, LSB first, sampled
 * on the rising edge) and the start bit is searched for.
 *
 *   ftemu_tpi_probe sig [DIV]   enable, guard time 0, key; print TPIIR,
 *                               NVMEN and the signature (TPICLK = 30 MHz/(DIV+1))
 *   ftemu_tpi_probe parity      a frame with bad parity, then a good one
 *                               (ignored), a BREAK, then a good one
 *   ftemu_tpi_probe nokey       no SKEY: read the signature, try an erase
 *                               and a word write
 *   ftemu_tpi_probe twice       key, chip erase, write word 0 twice with
 *                               no erase between (0x0FF0 then 0xF00F)
 *   ftemu_tpi_probe rstdisbl    key, program RSTDISBL, clear NVMEN, release
 *                               RESET, enter again and ask TPIIR
 *   ftemu_tpi_probe busy        word write, then read the word at once
 *   ftemu_tpi_probe collide     default guard time (128 bits): ask TPIIR and
 *                               send the next frame during the guard time
 *                               (a collision), then a BREAK */
#include <libusb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftdi.h>

static struct ftdi_context *ft;

static void die(const char *what)
{
    fprintf(stderr, "tpi probe: %s: %s\n", what, ft ? ftdi_get_error_string(ft) : "");
    exit(1);
}

static void put(const uint8_t *b, int n)
{
    if (ftdi_write_data(ft, b, n) != n)
        die("write");
}

static void get(uint8_t *b, int n)
{
    int got = 0;
    for (int tries = 0; got < n && tries < 1000; tries++) {
        int r = ftdi_read_data(ft, b + got, n - got);
        if (r < 0)
            die("read");
        got += r;
    }
    if (got < n)
        die("short read");
}

/* GPIO: SCK low, SDO high, RESET as given; AD0/1/3 outputs. */
static void pins(int reset)
{
    uint8_t c[] = {0x80, (uint8_t)(0x02 | (reset ? 0x08 : 0)), 0x0B};
    put(c, sizeof c);
}

static void open_mpsse(int divisor)
{
    ft = ftdi_new();
    if (!ft || ftdi_set_interface(ft, INTERFACE_A) < 0)
        die("ftdi_new");
    if (ftdi_usb_open(ft, 0x0403, 0x6014) < 0)
        die("open");
    if (ftdi_usb_reset(ft) < 0 || ftdi_set_latency_timer(ft, 2) < 0 ||
        ftdi_set_bitmode(ft, 0, BITMODE_RESET) < 0 || ftdi_set_bitmode(ft, 0, BITMODE_MPSSE) < 0 ||
        ftdi_tcioflush(ft) < 0)
        die("setup");
    uint8_t init[] = {0x8A, 0x97, 0x8D, 0x85, 0x86, (uint8_t)divisor, (uint8_t)(divisor >> 8), 0xAA, 0x87};
    put(init, sizeof init);
    uint8_t r[2];
    get(r, 2);
    if (r[0] != 0xFA || r[1] != 0xAA)
        die("MPSSE not in sync");
}

static void ones(int bytes)
{
    uint8_t c[3 + 64] = {0x19, (uint8_t)(bytes - 1), 0};
    memset(c + 3, 0xFF, (size_t)bytes);
    put(c, 3 + bytes);
}

/* RESET high, then low, then TPIDATA high for 24 TPICLK cycles. */
static void enable(void)
{
    pins(1);
    pins(0);
    ones(3);
}

static int parity(uint8_t v)
{
    int p = 0;
    for (int i = 0; i < 8; i++)
        p ^= v >> i & 1;
    return p;
}

/* 4 idle bits, start, data LSB first, parity (flipped if bad), 2 stops. */
static void frame(uint8_t v, int bad)
{
    uint16_t f = 0xF | (uint16_t)(v << 5) | (uint16_t)((parity(v) ^ bad) << 13) | 0xC000;
    uint8_t c[] = {0x19, 0x01, 0x00, (uint8_t)f, (uint8_t)(f >> 8)};
    put(c, sizeof c);
}

/* Reads 32 bits and decodes the first frame in them: -1 no start bit,
 * -2 parity error, -3 stop bit error. */
static int answer(void)
{
    uint8_t c[] = {0x28, 0x03, 0x00, 0x87}, b[4];
    put(c, sizeof c);
    get(b, 4);
    uint32_t w = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    int s = 0;
    while (s < 20 && (w >> s & 1))
        s++;
    if (s >= 20)
        return -1;
    uint8_t v = (uint8_t)(w >> (s + 1));
    if ((int)(w >> (s + 9) & 1) != parity(v))
        return -2;
    if ((w >> (s + 10) & 3) != 3)
        return -3;
    return v;
}

static void show(const char *name, int v)
{
    if (v >= 0)
        printf("%s=%02x\n", name, v);
    else
        printf("%s=%s\n", name, v == -1 ? "none" : v == -2 ? "parity" : "stop");
}

static void sstcs(int r, uint8_t v)
{
    frame((uint8_t)(0xC0 | r), 0);
    frame(v, 0);
}

static int sldcs(int r)
{
    frame((uint8_t)(0x80 | r), 0);
    return answer();
}

static void sstpr(uint16_t a)
{
    frame(0x68, 0);
    frame((uint8_t)a, 0);
    frame(0x69, 0);
    frame((uint8_t)(a >> 8), 0);
}

static int sld_inc(void)
{
    frame(0x24, 0);
    return answer();
}

static void sst_inc(uint8_t v)
{
    frame(0x64, 0);
    frame(v, 0);
}

/* SOUT / SIN on I/O register r (0..63): 1aa1aaaa / 0aa1aaaa */
static void sout(int r, uint8_t v)
{
    frame((uint8_t)(0x90 | (r & 0x30) << 1 | (r & 0x0F)), 0);
    frame(v, 0);
}

static int sin_(int r)
{
    frame((uint8_t)(0x10 | (r & 0x30) << 1 | (r & 0x0F)), 0);
    return answer();
}

static void skey(void)
{
    static const uint8_t key[] = {0xFF, 0x88, 0xD8, 0xCD, 0x45, 0xAB, 0x89, 0x12};
    frame(0xE0, 0);
    for (int i = 0; i < 8; i++)
        frame(key[i], 0);
}

static void wait_nvm(void)
{
    for (int i = 0; i < 10000; i++)
        if (!(sin_(0x32) & 0x80))
            return;
    die("NVMBSY never cleared");
}

static void start(int divisor, int key)
{
    open_mpsse(divisor);
    enable();
    sstcs(0x02, 0x07); /* guard time +0: the answer after 2 idle bits */
    if (key)
        skey();
}

static void signature(void)
{
    sstpr(0x3FC0);
    int s0 = sld_inc(), s1 = sld_inc(), s2 = sld_inc();
    if (s0 < 0 || s1 < 0 || s2 < 0)
        printf("sig=bad\n");
    else
        printf("sig=%02x%02x%02x\n", s0, s1, s2);
}

static void word_write(uint16_t a, uint8_t lo, uint8_t hi)
{
    sout(0x33, 0x1D);
    sstpr(a);
    sst_inc(lo);
    sst_inc(hi);
}

static void chip_erase(void)
{
    sout(0x33, 0x10);
    sstpr(0x4001);
    sst_inc(0xFF);
}

static void read_word0(void)
{
    sout(0x33, 0x00);
    sstpr(0x4000);
    int lo = sld_inc(), hi = sld_inc();
    printf("word0=%02x%02x\n", hi & 0xFF, lo & 0xFF);
}

static void finish(void)
{
    sstcs(0x00, 0x00); /* clear NVMEN before releasing RESET */
    pins(1);
    uint8_t flush[] = {0x81, 0x87}, r;
    put(flush, sizeof flush);
    get(&r, 1);
    ftdi_usb_close(ft);
    ftdi_free(ft);
}

int main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : "sig";
    if (!strcmp(cmd, "sig")) {
        start(argc > 2 ? atoi(argv[2]) : 29, 1);
        show("iir", sldcs(0x0F));
        show("tpisr", sldcs(0x00));
        signature();
        show("iir", sldcs(0x0F));
    } else if (!strcmp(cmd, "parity")) {
        start(29, 0);
        show("iir", sldcs(0x0F));
        frame(0x8F, 1); /* SLDCS TPIIR with its parity bit wrong */
        show("after_bad", answer());
        show("ignored", sldcs(0x0F));
        uint8_t brk[] = {0x19, 0x01, 0x00, 0x00, 0x00}; /* 16 low bits: a BREAK */
        put(brk, sizeof brk);
        ones(2);
        show("after_break", sldcs(0x0F));
    } else if (!strcmp(cmd, "nokey")) {
        start(29, 0);
        show("tpisr", sldcs(0x00));
        signature();
        chip_erase();
        word_write(0x4000, 0x00, 0x00);
        show("nvmcsr", sin_(0x32));
        skey();
        show("tpisr", sldcs(0x00));
        read_word0();
    } else if (!strcmp(cmd, "twice")) {
        start(29, 1);
        chip_erase();
        wait_nvm();
        word_write(0x4000, 0xF0, 0x0F);
        wait_nvm();
        read_word0();
        word_write(0x4000, 0x0F, 0xF0);
        wait_nvm();
        read_word0();
    } else if (!strcmp(cmd, "busy")) {
        start(29, 1);
        chip_erase();
        wait_nvm();
        word_write(0x4000, 0x34, 0x12);
        read_word0(); /* no wait: the NVM is busy */
        wait_nvm();
        read_word0();
    } else if (!strcmp(cmd, "collide")) {
        open_mpsse(29);
        enable();
        frame(0x8F, 0); /* SLDCS TPIIR: the answer comes after 130 idle bits */
        frame(0x80, 0); /* ... but this start bit pulls the line low first */
        show("during_guard", answer());
        show("ignored", sldcs(0x0F));
        uint8_t brk[] = {0x19, 0x01, 0x00, 0x00, 0x00};
        put(brk, sizeof brk);
        ones(2);
        sstcs(0x02, 0x07);
        show("after_break", sldcs(0x0F));
    } else if (!strcmp(cmd, "rstdisbl")) {
        start(29, 1);
        sout(0x33, 0x14); /* section erase of the configuration section */
        sstpr(0x3F41);
        sst_inc(0xFF);
        wait_nvm();
        word_write(0x3F40, 0xFE, 0xFF);
        wait_nvm();
        sstpr(0x3F40);
        sout(0x33, 0x00);
        show("config", sld_inc());
        sstcs(0x00, 0x00);
        pins(1);
        enable();
        sstcs(0x02, 0x07);
        show("iir_after_release", sldcs(0x0F));
    } else {
        fprintf(stderr, "tpi probe: unknown command %s\n", cmd);
        return 2;
    }
    finish();
    return 0;
}
