/* Drives an emulated FT232R/FT-X in bit-bang mode through the real libftdi1,
 * one scenario per command, and prints what came back for
 * tests/e2e/test_emu_syncbb.sh to judge. Independent of src/. The chip is
 * 0403:6001 unless PROBE_PID says otherwise (0x6015 for FT-X).
 *
 *   samples N           sync mode, D0-D2,D4 outputs: N bytes out, N samples back,
 *                       each sample showing the byte before it
 *   rate VALUE INDEX    raw SET_BAUDRATE, then 60 bytes in one packet: ns per byte
 *   ratelib BAUD        ftdi_set_baudrate(BAUD) after entering bit-bang (libftdi x4)
 *   stall               256 bytes (fills the 256-byte sample FIFO), 100 more,
 *                       then read: the engine waits for the read
 *   overflow            keep writing without reading: the write times out
 *   status N            N bytes, one raw 512-byte IN transfer: its size and the
 *                       status bytes at the head of each 64-byte packet
 *   sig VALUE           ISP through sync bit-bang (arduino-ft232r wiring), one
 *                       byte per SCK phase at raw baud VALUE: sync + signature
 *   async               async mode: READ_PINS shows the last byte; no samples
 *   mpsse               ask for MPSSE mode (the chip has none) */
#define _GNU_SOURCE /* RTLD_DEFAULT */
#include <libusb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dlfcn.h>
#include <ftdi.h>

static struct ftdi_context *ft;
static long (*bb_window)(int64_t *, int64_t *);
static int64_t (*now_ns)(void);

static void die(const char *what)
{
    fprintf(stderr, "probe: %s: %s\n", what, ft ? ftdi_get_error_string(ft) : "");
    exit(1);
}

static void put(const uint8_t *b, int n)
{
    int r = ftdi_write_data(ft, b, n);
    if (r != n) {
        printf("write error %d\n", r);
        exit(3);
    }
}

static void get(uint8_t *b, int n)
{
    int got = 0;
    for (int tries = 0; got < n && tries < 10000; tries++) {
        int r = ftdi_read_data(ft, b + got, n - got);
        if (r < 0)
            die("read");
        got += r;
    }
    if (got < n)
        die("short read");
}

static void open_chip(int mask, int mode)
{
    const char *p = getenv("PROBE_PID");
    int pid = p ? (int)strtol(p, NULL, 0) : 0x6001;
    ft = ftdi_new();
    if (!ft || ftdi_usb_open(ft, 0x0403, pid) < 0)
        die("open");
    if (ftdi_set_latency_timer(ft, 1) < 0)
        die("latency");
    if (ftdi_set_bitmode(ft, (unsigned char)mask, (unsigned char)mode) < 0)
        die("bitmode");
    bb_window = (long (*)(int64_t *, int64_t *))dlsym(RTLD_DEFAULT, "ftemu_bb_window");
    now_ns = (int64_t (*)(void))dlsym(RTLD_DEFAULT, "ftemu_now_ns");
    if (!bb_window || !now_ns)
        die("not running on the emulator (ftemu_bb_window missing)");
}

static void raw_baud(int value, int index)
{
    if (libusb_control_transfer(ft->usb_dev, 0x40, 3, (uint16_t)value, (uint16_t)index, NULL, 0, 1000) < 0)
        die("baud");
}

static void samples(int n)
{
    uint8_t *out = malloc((size_t)n), *in = malloc((size_t)n);
    open_chip(0x17, BITMODE_SYNCBB);
    for (int i = 0; i < n; i++)
        out[i] = (uint8_t)(i * 7 + 3);
    for (int off = 0; off < n; off += 128) { /* 128 in flight at most */
        int k = n - off < 128 ? n - off : 128;
        put(out + off, k);
        get(in + off, k);
    }
    int lag = 0, same = 0;
    for (int i = 1; i < n; i++) {
        lag += (in[i] & 0x17) == (out[i - 1] & 0x17);
        same += (in[i] & 0x17) == (out[i] & 0x17);
    }
    uint8_t extra;
    int more = ftdi_read_data(ft, &extra, 1);
    printf("samples %d first %02x lag-by-one %d/%d same-byte %d more %d\n", n, in[0] & 0x17, lag, n - 1, same,
           more);
}

static void rate(int value, int index, int lib)
{
    uint8_t b[60], in[60];
    open_chip(0x17, BITMODE_SYNCBB);
    if (lib) {
        if (ftdi_set_baudrate(ft, value) < 0)
            die("ftdi_set_baudrate");
    } else
        raw_baud(value, index);
    int64_t f, l;
    bb_window(&f, &l);
    for (int i = 0; i < 60; i++)
        b[i] = (uint8_t)(i & 1 ? 0x17 : 0);
    put(b, 60);
    get(in, 60);
    long n = bb_window(&f, &l);
    printf("bytes %ld period_ns %.1f\n", n, (double)(l - f) / (double)(n - 1));
}

static void stall(void)
{
    uint8_t b[356], in[356];
    memset(b, 0x11, sizeof b);
    open_chip(0x17, BITMODE_SYNCBB);
    int64_t f, l;
    bb_window(&f, &l);
    put(b, 128);
    put(b + 128, 128);
    put(b + 256, 100);
    long before = bb_window(&f, &l);
    int64_t t_read = now_ns();
    get(in, 356);
    long after = bb_window(&f, &l);
    printf("applied %ld then %ld resumed-after-read %s\n", before, after, f >= t_read ? "yes" : "no");
}

static void overflow(void)
{
    uint8_t b[128];
    memset(b, 0x11, sizeof b);
    open_chip(0x17, BITMODE_SYNCBB);
    for (int i = 0; i < 4; i++) {
        int r = ftdi_write_data(ft, b, 128);
        if (r != 128) {
            printf("write %d failed %d\n", i + 1, r);
            return;
        }
    }
    printf("no timeout\n");
}

static void status(int n)
{
    uint8_t b[512], in[512];
    memset(b, 0x05, sizeof b);
    open_chip(0x17, BITMODE_SYNCBB);
    put(b, n);
    usleep(5000); /* let the engine finish */
    int got = 0;
    if (libusb_bulk_transfer(ft->usb_dev, 0x81, in, sizeof in, &got, 5000) < 0)
        die("bulk in");
    printf("in %d", got);
    for (int i = 0; i < got; i += 64)
        printf(" [%02x %02x]", in[i], in[i + 1]);
    printf("\n");
}

/* arduino-ft232r wiring: reset D7, sck D5, sdo D6, sdi D3 */
#define RST 0x80
#define SCK 0x20
#define SDO 0x40
#define SDI 0x08

static void isp(const uint8_t cmd[4], uint8_t res[4])
{
    uint8_t b[65], in[65];
    int k = 0;
    for (int i = 0; i < 4; i++)
        for (int j = 7; j >= 0; j--) {
            uint8_t d = cmd[i] >> j & 1 ? SDO : 0;
            b[k++] = d;       /* SCK low, data out */
            b[k++] = d | SCK; /* SCK high: the target samples */
        }
    b[k++] = 0;
    put(b, k);
    get(in, k);
    for (int i = 0; i < 4; i++) {
        res[i] = 0;
        for (int j = 0; j < 8; j++) /* sample 2+2j: taken while SCK was high */
            res[i] = (uint8_t)(res[i] << 1 | !!(in[i * 16 + 2 + 2 * j] & SDI));
    }
}

static void sig(int value)
{
    open_chip(RST | SCK | SDO, BITMODE_SYNCBB);
    raw_baud(value, 0);
    uint8_t b[1] = {0}, in[1];
    put(b, 1); /* RESET and SCK low */
    get(in, 1);
    usleep(25000);
    uint8_t en[4] = {0xAC, 0x53, 0, 0}, r[4];
    isp(en, r);
    printf("sync %s\n", r[2] == 0x53 ? "yes" : "no");
    printf("signature");
    for (int i = 0; i < 3; i++) {
        uint8_t c[4] = {0x30, 0, (uint8_t)i, 0};
        isp(c, r);
        printf(" %02x", r[3]);
    }
    printf("\n");
}

static void async_mode(void)
{
    open_chip(0x17, BITMODE_BITBANG);
    uint8_t b[3] = {0x01, 0x02, 0x15}, pins, x;
    put(b, 3);
    usleep(5000);
    if (ftdi_read_pins(ft, &pins) < 0)
        die("read_pins");
    int n = ftdi_read_data(ft, &x, 1);
    printf("async pins %02x samples %d\n", pins & 0x17, n);
}

static void mpsse(void)
{
    open_chip(0, BITMODE_RESET);
    int r = ftdi_set_bitmode(ft, 0x0B, BITMODE_MPSSE);
    uint8_t cmd[3] = {0x80, 0x08, 0x0B}, x;
    put(cmd, 3);
    usleep(5000);
    int n = ftdi_read_data(ft, &x, 1);
    printf("mpsse rc %d reply %d\n", r, n);
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    const char *c = argv[1];
    long a1 = argc > 2 ? strtol(argv[2], NULL, 0) : 0, a2 = argc > 3 ? strtol(argv[3], NULL, 0) : 0;
    if (!strcmp(c, "samples"))
        samples((int)a1);
    else if (!strcmp(c, "rate"))
        rate((int)a1, (int)a2, 0);
    else if (!strcmp(c, "ratelib"))
        rate((int)a1, 0, 1);
    else if (!strcmp(c, "stall"))
        stall();
    else if (!strcmp(c, "overflow"))
        overflow();
    else if (!strcmp(c, "status"))
        status((int)a1);
    else if (!strcmp(c, "sig"))
        sig((int)a1);
    else if (!strcmp(c, "async"))
        async_mode();
    else if (!strcmp(c, "mpsse"))
        mpsse();
    else
        return 2;
    if (ft) {
        ftdi_usb_close(ft);
        ftdi_free(ft);
    }
    return 0;
}
