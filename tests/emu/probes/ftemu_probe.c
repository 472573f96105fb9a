/* Drives the emulated FT232H + AVR through the real libftdi1, one scenario
 * per command, and prints what came back for tests/e2e/test_emu_*.sh to
 * judge. Deliberately independent of src/: it is a second, tiny ISP host.
 *
 *   ftemu_probe sig [divisor]   enter programming mode, print echo + signature
 *   ftemu_probe early           Programming Enable without the 20 ms wait
 *   ftemu_probe badcmd          send 0xAA, print the MPSSE's answer
 *   ftemu_probe twice           chip erase, write page 0 twice (no erase)
 *   ftemu_probe busy            write page 0, then load and read at once (no wait)
 *   ftemu_probe latency         read a reply without SEND_IMMEDIATE
 *   ftemu_probe unplug          read signatures until the device is gone
 *   ftemu_probe write32k        erase, write and verify 32 KiB with polling
 *   ftemu_probe lfuse HEX       write the low fuse, read it back
 *   ftemu_probe async           signature through ftdi_*_submit
 *   ftemu_probe fast D1 D2 [LF] enter at divisor D1 (optionally write the low
 *                               fuse LF, no reset), then read the signature
 *                               at divisor D2 */
#include <libusb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <ftdi.h>

static struct ftdi_context *ft;

static void die(const char *what)
{
    fprintf(stderr, "probe: %s: %s\n", what, ft ? ftdi_get_error_string(ft) : "");
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

static void open_mpsse(int divisor)
{
    ft = ftdi_new();
    if (!ft || ftdi_set_interface(ft, INTERFACE_A) < 0)
        die("ftdi_new");
    if (ftdi_usb_open_desc(ft, 0x0403, 0x6014, NULL, getenv("PROBE_SERIAL")) < 0)
        die("open");
    if (ftdi_usb_reset(ft) < 0 || ftdi_set_latency_timer(ft, 16) < 0 ||
        ftdi_set_bitmode(ft, 0, BITMODE_RESET) < 0 || ftdi_set_bitmode(ft, 0, BITMODE_MPSSE) < 0 ||
        ftdi_tcioflush(ft) < 0)
        die("setup");
    uint8_t init[] = {0x8A, 0x97, 0x8D, 0x85, 0x86, (uint8_t)divisor, (uint8_t)(divisor >> 8),
                      0x80, 0x00, 0x0B, 0xAA, 0x87};
    put(init, sizeof init);
    uint8_t r[2];
    get(r, 2);
    if (r[0] != 0xFA || r[1] != 0xAA)
        die("MPSSE not in sync");
}

/* One 4-byte instruction, reply in out. */
static void isp(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint8_t *out)
{
    uint8_t cmd[] = {0x31, 3, 0, a, b, c, d, 0x87};
    put(cmd, sizeof cmd);
    get(out, 4);
}

static void msleep(int ms)
{
    usleep((useconds_t)ms * 1000);
}

static int enter(void)
{
    uint8_t r[4];
    msleep(25);
    isp(0xAC, 0x53, 0, 0, r);
    return r[2] == 0x53;
}

static void poll_ready(void)
{
    uint8_t r[4];
    for (int i = 0; i < 1000; i++) {
        isp(0xF0, 0, 0, 0, r);
        if (!(r[3] & 1))
            return;
    }
    die("target stays busy");
}

static void write_page(uint32_t byteaddr, const uint8_t *data, int page)
{
    uint8_t *buf = malloc((size_t)page * 4 + 8);
    int n = 0;
    buf[n++] = 0x11;
    buf[n++] = (uint8_t)(page * 4 + 4 - 1);
    buf[n++] = (uint8_t)((page * 4 + 4 - 1) >> 8);
    for (int i = 0; i < page; i++) {
        buf[n++] = i & 1 ? 0x48 : 0x40;
        buf[n++] = 0;
        buf[n++] = (uint8_t)(i / 2);
        buf[n++] = data[i];
    }
    uint32_t w = byteaddr / 2;
    buf[n++] = 0x4C;
    buf[n++] = (uint8_t)(w >> 8);
    buf[n++] = (uint8_t)w;
    buf[n++] = 0;
    put(buf, n);
    free(buf);
}

static void read_flash(uint32_t addr, uint8_t *out, int len)
{
    /* 64 instructions (256 reply bytes) per round trip: within the FIFO. */
    for (int off = 0; off < len; off += 64) {
        uint8_t cmd[3 + 256 + 1], rep[256];
        int k = len - off < 64 ? len - off : 64, n = 0;
        cmd[n++] = 0x31;
        cmd[n++] = (uint8_t)(k * 4 - 1);
        cmd[n++] = (uint8_t)((k * 4 - 1) >> 8);
        for (int i = 0; i < k; i++) {
            uint32_t a = addr + (uint32_t)(off + i);
            cmd[n++] = a & 1 ? 0x28 : 0x20;
            cmd[n++] = (uint8_t)(a >> 9);
            cmd[n++] = (uint8_t)(a >> 1);
            cmd[n++] = 0;
        }
        cmd[n++] = 0x87;
        put(cmd, n);
        get(rep, k * 4);
        for (int i = 0; i < k; i++)
            out[off + i] = rep[4 * i + 3];
    }
}

static void print_hex(const uint8_t *b, int n)
{
    for (int i = 0; i < n; i++)
        printf("%02x%s", b[i], i + 1 < n ? " " : "\n");
}

static void finish(void)
{
    uint8_t rel[] = {0x80, 0x08, 0x0B};
    put(rel, sizeof rel);
    ftdi_usb_close(ft);
    ftdi_free(ft);
}

static int cmd_sig(int divisor)
{
    open_mpsse(divisor);
    int ok = enter();
    uint8_t s[3], r[4];
    for (int i = 0; i < 3; i++) {
        isp(0x30, 0, (uint8_t)i, 0, r);
        s[i] = r[3];
    }
    printf("sync %s\nsignature ", ok ? "yes" : "no");
    print_hex(s, 3);
    finish();
    return 0;
}

static int cmd_early(void)
{
    open_mpsse(149);
    uint8_t r[4];
    isp(0xAC, 0x53, 0, 0, r); /* no wait after RESET went low */
    printf("early echo %02x\n", r[2]);
    finish();
    return 0;
}

static int cmd_badcmd(void)
{
    open_mpsse(149);
    uint8_t c[] = {0xAB, 0x87}, r[2];
    put(c, 2);
    get(r, 2);
    printf("bad %02x %02x\n", r[0], r[1]);
    finish();
    return 0;
}

static int cmd_twice(void)
{
    uint8_t a[128], b[128], back[128], r[4];
    for (int i = 0; i < 128; i++) {
        a[i] = (uint8_t)(0xF0 | i);
        b[i] = (uint8_t)(0x0F | (i << 4));
    }
    open_mpsse(149);
    if (!enter())
        die("no sync");
    isp(0xAC, 0x80, 0, 0, r);
    poll_ready();
    write_page(0, a, 128);
    poll_ready();
    write_page(0, b, 128);
    poll_ready();
    read_flash(0, back, 128);
    int good = 0;
    for (int i = 0; i < 128; i++)
        good += back[i] == (a[i] & b[i]);
    printf("and-bytes %d/128\n", good);
    finish();
    return 0;
}

static int cmd_busy(void)
{
    uint8_t a[128], back[128], r[4];
    memset(a, 0x5A, sizeof a);
    open_mpsse(149);
    if (!enter())
        die("no sync");
    isp(0xAC, 0x80, 0, 0, r);
    poll_ready();
    write_page(0, a, 128);
    isp(0x40, 0, 0, 0xA5, r); /* a page load while the write goes on: lost, ruins it */
    isp(0x20, 0, 0, 0, r);    /* a data-polling read: answers 0xFF, harms nothing */
    if (r[3] != 0xFF)
        die("read during a write should answer 0xFF");
    poll_ready();
    read_flash(0, back, 128);
    int good = 0;
    for (int i = 0; i < 128; i++)
        good += back[i] == 0x5A;
    printf("intact-bytes %d/128\n", good);
    finish();
    return 0;
}

static int cmd_latency(void)
{
    open_mpsse(149);
    if (!enter())
        die("no sync");
    uint8_t cmd[] = {0x31, 3, 0, 0x30, 0, 0, 0}, r[4]; /* no 0x87 */
    for (int i = 0; i < 4; i++) {
        put(cmd, sizeof cmd);
        get(r, 4);
    }
    printf("sig0 %02x\n", r[3]);
    finish();
    return 0;
}

static int cmd_unplug(void)
{
    open_mpsse(149);
    uint8_t cmd[] = {0x81, 0x87}, buf[512];
    for (int i = 0; i < 1000; i++) {
        int got = 0;
        int r = libusb_bulk_transfer(ft->usb_dev, ft->in_ep, cmd, 2, &got, 1000);
        if (r == 0)
            r = libusb_bulk_transfer(ft->usb_dev, ft->out_ep, buf, 512, &got, 1000);
        if (r < 0) {
            printf("error %s after %d\n", libusb_error_name(r), i);
            return 0;
        }
    }
    printf("no error\n");
    return 0;
}

static int cmd_write32k(void)
{
    static uint8_t img[32768], back[32768];
    uint8_t r[4];
    for (int i = 0; i < 32768; i++)
        img[i] = (uint8_t)(i * 7 + (i >> 8));
    open_mpsse(11); /* 2.5 MHz: the part runs on a 16 MHz crystal */
    if (!enter())
        die("no sync");
    isp(0xAC, 0x80, 0, 0, r);
    poll_ready();
    for (int p = 0; p < 256; p++) {
        write_page((uint32_t)p * 128, img + p * 128, 128);
        poll_ready();
    }
    read_flash(0, back, 32768);
    printf("verify %s\n", memcmp(img, back, sizeof img) ? "FAILED" : "ok");
    finish();
    return 0;
}

static int cmd_async(void)
{
    open_mpsse(149);
    if (!enter())
        die("no sync");
    uint8_t cmd[] = {0x31, 11, 0, 0x30, 0, 0, 0, 0x30, 0, 1, 0, 0x30, 0, 2, 0, 0x87}, r[12];
    struct ftdi_transfer_control *w = ftdi_write_data_submit(ft, cmd, sizeof cmd);
    struct ftdi_transfer_control *rd = ftdi_read_data_submit(ft, r, 12);
    if (!w || !rd || ftdi_transfer_data_done(w) != (int)sizeof cmd || ftdi_transfer_data_done(rd) != 12)
        die("async");
    printf("signature %02x %02x %02x\n", r[3], r[7], r[11]);
    finish();
    return 0;
}

static int cmd_lfuse(int v)
{
    uint8_t r[4];
    open_mpsse(149);
    if (!enter())
        die("no sync");
    isp(0xAC, 0xA0, 0, (uint8_t)v, r);
    poll_ready();
    isp(0x50, 0, 0, 0, r);
    printf("lfuse %02x\n", r[3]);
    finish();
    return 0;
}

static int cmd_fast(int d1, int d2, int lfuse)
{
    uint8_t r[4], s[3];
    open_mpsse(d1);
    if (!enter())
        die("no sync");
    if (lfuse >= 0) {
        isp(0xAC, 0xA0, 0, (uint8_t)lfuse, r);
        poll_ready();
    }
    uint8_t div[] = {0x86, (uint8_t)d2, (uint8_t)(d2 >> 8)};
    put(div, sizeof div);
    for (int i = 0; i < 3; i++) {
        isp(0x30, 0, (uint8_t)i, 0, r);
        s[i] = r[3];
    }
    printf("signature ");
    print_hex(s, 3);
    finish();
    return 0;
}

int main(int argc, char **argv)
{
    const char *c = argc > 1 ? argv[1] : "";
    if (!strcmp(c, "sig"))
        return cmd_sig(argc > 2 ? atoi(argv[2]) : 149);
    if (!strcmp(c, "early"))
        return cmd_early();
    if (!strcmp(c, "badcmd"))
        return cmd_badcmd();
    if (!strcmp(c, "twice"))
        return cmd_twice();
    if (!strcmp(c, "busy"))
        return cmd_busy();
    if (!strcmp(c, "latency"))
        return cmd_latency();
    if (!strcmp(c, "unplug"))
        return cmd_unplug();
    if (!strcmp(c, "write32k"))
        return cmd_write32k();
    if (!strcmp(c, "lfuse") && argc > 2)
        return cmd_lfuse((int)strtol(argv[2], NULL, 16));
    if (!strcmp(c, "async"))
        return cmd_async();
    if (!strcmp(c, "fast") && argc > 3)
        return cmd_fast(atoi(argv[2]), atoi(argv[3]), argc > 4 ? (int)strtol(argv[4], NULL, 16) : -1);
    fprintf(stderr, "usage: ftemu_probe sig|early|badcmd|twice|busy|latency|unplug|write32k|async|fast\n");
    return 2;
}
