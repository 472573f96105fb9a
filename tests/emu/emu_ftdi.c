/* The FTDI chip as USB sees it: descriptors, vendor requests, the two FIFOs
 * of each channel, modem-status bytes, the latency timer and the cost of
 * bulk transfers in modeled time (README.md "Modeled time"). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu_internal.h"

static emu_dev devs[EMU_MAX_ADAPTERS];
static int ndevs;
static bool inited;

static void at_exit(void)
{
    emu_stats_dump();
}

int emu_ndevs_all(void);
emu_dev *emu_dev_at(int i);

int emu_ndevs_all(void)
{
    return ndevs;
}

emu_dev *emu_dev_at(int i)
{
    return i >= 0 && i < ndevs ? &devs[i] : NULL;
}

static void make_dev(emu_dev *d, const emu_adapter_cfg *a, int n)
{
    static const char *const products[] = {"Single RS232-HS", "Dual RS232-HS", "Quad RS232-HS",
                                           "FT232R USB UART", "FT231X USB UART", "FT230X Basic UART"};
    static const uint16_t pids[] = {0x6014, 0x6010, 0x6011, 0x6001, 0x6015, 0x6015},
                          bcds[] = {0x0900, 0x0700, 0x0800, 0x0600, 0x1000, 0x1000};
    /* host->chip FIFO (the chip->host one: emu_syncbb_init) */
    static const int fifos[] = {1024, 4096, 2048, 128, 512, 512};
    memset(d, 0, sizeof *d);
    d->cfg = *a;
    d->fs = EMU_KIND_FS(a->kind);
    snprintf(d->product, sizeof d->product, "%s", products[a->kind]);
    d->info = (emu_devinfo){0x0403, pids[a->kind], bcds[a->kind], 1, (uint8_t)(2 + n),
                            a->kind == EMU_FT2232H || a->kind == EMU_FT4232H ? 2 : 1, d->fs ? 64 : 512,
                            "FTDI", d->product, d->cfg.serial};
    d->nchan = d->info.interfaces;
    emu_part part;
    const char *pname = a->part[0] ? a->part : emu_cfg_g.part;
    if (!emu_part_lookup(pname, &part))
        emu_die_config("cannot emulate part \"%s\"", pname);
    for (int i = 0; i < d->nchan; i++) {
        emu_chan *c = &d->ch[i];
        c->index = i;
        c->fifo = fifos[a->kind];
        c->latency_ms = 16;
        c->tx_cap = EMU_MAXFIFO;
        c->tx = malloc(EMU_MAXFIFO);
        c->tx_t = malloc(EMU_MAXFIFO * sizeof *c->tx_t);
        if (!c->tx || !c->tx_t)
            emu_die_config("out of memory");
        c->flush_pos = -1;
        emu_mpsse_reset(c);
        char tag[48] = "";
        if (n > 0 || i > 0)
            snprintf(tag, sizeof tag, "%s%s/", a->serial, i ? "-B" : "");
        emu_avr_init(&c->avr, &part, tag);
        if (d->fs)
            emu_syncbb_init(c, a->kind);
    }
}

void emu_init(void)
{
    if (inited)
        return;
    inited = true;
    emu_config_load();
    if (!emu_cfg_g.fault_nodevice) {
        for (int i = 0; i < emu_cfg_g.nadapters; i++)
            make_dev(&devs[i], &emu_cfg_g.adapters[i], i);
        ndevs = emu_cfg_g.nadapters;
    }
    atexit(at_exit);
}

static void check_unplug(void)
{
    long n = emu_cfg_g.fault_unplug_after;
    if (n >= 0 && emu_st.transfers_out + emu_st.transfers_in >= n)
        for (int i = 0; i < ndevs; i++)
            devs[i].unplugged = true;
}

int emu_count(void)
{
    emu_init();
    check_unplug();
    int n = 0;
    for (int i = 0; i < ndevs; i++)
        n += !devs[i].unplugged;
    return n;
}

emu_dev *emu_get(int i)
{
    emu_init();
    for (int k = 0; k < ndevs; k++)
        if (!devs[k].unplugged && i-- == 0)
            return &devs[k];
    return NULL;
}

void emu_info(emu_dev *d, emu_devinfo *out)
{
    *out = d->info;
}

/* ---- descriptors ---- */
static int string_desc(emu_dev *d, int idx, uint8_t *buf, int len)
{
    uint8_t tmp[128];
    int n;
    if (idx == 0) {
        n = 4;
        tmp[2] = 0x09;
        tmp[3] = 0x04;
    } else {
        const char *s = idx == 1 ? d->info.manufacturer : idx == 2 ? d->info.product
                      : idx == 3 ? d->info.serial : NULL;
        if (!s)
            return EMU_ERR_PIPE;
        n = 2;
        for (; *s && n < 126; s++) {
            tmp[n++] = (uint8_t)*s;
            tmp[n++] = 0;
        }
    }
    tmp[0] = (uint8_t)n;
    tmp[1] = 3;
    n = n < len ? n : len;
    memcpy(buf, tmp, (size_t)n);
    return n;
}

static int config_desc(emu_dev *d, uint8_t *buf, int len)
{
    uint8_t t[9 + 2 * 23];
    int n = 9;
    for (int i = 0; i < d->nchan; i++) {
        uint8_t ep_out = (uint8_t)(0x02 + 2 * i), ep_in = (uint8_t)(0x81 + 2 * i);
        uint8_t mp_lo = (uint8_t)d->info.max_packet, mp_hi = (uint8_t)(d->info.max_packet >> 8);
        uint8_t intf[23] = {9, 4, (uint8_t)i, 0, 2, 0xFF, 0xFF, 0xFF, 2,
                            7, 5, ep_in, 2, mp_lo, mp_hi, 0,
                            7, 5, ep_out, 2, mp_lo, mp_hi, 0};
        memcpy(t + n, intf, 23);
        n += 23;
    }
    uint8_t head[9] = {9, 2, (uint8_t)n, (uint8_t)(n >> 8), (uint8_t)d->nchan, 1, 0, 0x80, 0x32};
    memcpy(t, head, 9);
    n = n < len ? n : len;
    memcpy(buf, t, (size_t)n);
    return n;
}

int emu_descriptor(emu_dev *d, uint8_t type, uint8_t index, uint8_t *buf, int len)
{
    if (type == 1) {
        const emu_devinfo *i = &d->info;
        uint8_t t[18] = {18, 1, 0x00, 0x02, 0, 0, 0, 64, (uint8_t)i->vid, (uint8_t)(i->vid >> 8),
                         (uint8_t)i->pid, (uint8_t)(i->pid >> 8), (uint8_t)i->bcd_device,
                         (uint8_t)(i->bcd_device >> 8), 1, 2, 3, 1};
        int n = len < 18 ? len : 18;
        memcpy(buf, t, (size_t)n);
        return n;
    }
    if (type == 2)
        return index == 0 ? config_desc(d, buf, len) : EMU_ERR_PIPE;
    if (type == 3)
        return string_desc(d, index, buf, len);
    return EMU_ERR_PIPE;
}

/* ---- control requests ---- */
static emu_chan *chan_of(emu_dev *d, uint16_t index)
{
    int i = index & 0xFF;
    i = i == 0 ? 0 : i - 1;
    if (i >= d->nchan)
        return NULL;
    d->ch[i].used = true;
    return &d->ch[i];
}

static int unsupported(const char *what, int v)
{
    emu_warn("unsupported: %s 0x%x", what, v);
    emu_st.v_unsupported++;
    return EMU_ERR_NOT_SUPPORTED;
}

static int control(emu_dev *d, uint8_t reqtype, uint8_t req, uint16_t value, uint16_t index, uint8_t *data,
                   uint16_t len)
{
    if ((reqtype & 0x60) == 0) { /* standard */
        if (reqtype == 0x80 && req == 6)
            return emu_descriptor(d, (uint8_t)(value >> 8), (uint8_t)value, data, len);
        if (reqtype == 0x80 && req == 0 && len >= 2) {
            data[0] = data[1] = 0;
            return 2;
        }
        if (reqtype == 0x80 && req == 8 && len >= 1) {
            data[0] = 1;
            return 1;
        }
        if (reqtype == 0x00 && req == 9 && value <= 1)
            return 0;
        return unsupported("standard request", req);
    }
    if ((reqtype & 0x60) != 0x40)
        return unsupported("class request", req);
    emu_chan *c = chan_of(d, index);
    if (!c) {
        emu_warn("vendor request 0x%x for interface %u that this chip lacks", req, index & 0xFF);
        return EMU_ERR_PIPE;
    }
    bool in = reqtype & 0x80;
    if (d->fs) { /* the bit-bang chips' own requests */
        if (req == 3)
            return in ? EMU_ERR_PIPE : emu_syncbb_baud(c, value, index);
        if (req == 11)
            return in ? EMU_ERR_PIPE : emu_syncbb_bitmode(c, value);
        if (req == 12) {
            if (!in || len < 1)
                return EMU_ERR_PIPE;
            data[0] = emu_syncbb_pins(c);
            return 1;
        }
    }
    switch (req) {
    case 0: /* reset / purge */
        if (value == 0 || value == 1) {
            c->rx_count = 0;
            c->remaining = 0;
            c->ncmd = 0;
        }
        if (value == 0 || value == 2) {
            c->tx_abs += c->tx_count;
            c->tx_count = 0;
            c->flush_pos = -1;
        }
        if (value > 2)
            return EMU_ERR_PIPE;
        return 0;
    case 1: case 2: case 3: case 4: case 6: case 7:
        return in ? EMU_ERR_PIPE : 0;
    case 5:
        if (!in || len < 2)
            return EMU_ERR_PIPE;
        data[0] = 0x32;
        data[1] = 0x60;
        return 2;
    case 9:
        if (in || (value & 0xFF) == 0) /* 0 ms is refused by the chip */
            return EMU_ERR_PIPE;
        c->latency_ms = value & 0xFF;
        return 0;
    case 10:
        if (!in || len < 1)
            return EMU_ERR_PIPE;
        data[0] = (uint8_t)c->latency_ms;
        return 1;
    case 11: {
        int mode = value >> 8;
        if (mode != 0 && mode != 2)
            return unsupported("bit mode", mode);
        if (mode == 2 && c->bitmode != 2) {
            emu_mpsse_reset(c);
            c->mt = c->mt > (double)emu_now ? c->mt : (double)emu_now;
            emu_avr_pins(&c->avr, emu_now, 1, 1, 1);
        }
        if (mode == 0 && c->bitmode == 2) { /* pins float: pull-ups */
            c->lo_dir = c->hi_dir = 0;
            emu_avr_pins(&c->avr, emu_now, 1, 1, 1);
        }
        c->bitmode = mode;
        return 0;
    }
    case 12:
        if (!in || len < 1)
            return EMU_ERR_PIPE;
        data[0] = emu_mpsse_pins_low(c);
        return 1;
    case 0x90:
        if (!in || len < 2)
            return EMU_ERR_PIPE;
        data[0] = data[1] = 0xFF; /* blank EEPROM */
        return 2;
    }
    return unsupported("vendor request", req);
}

int emu_control(emu_dev *d, uint8_t reqtype, uint8_t req, uint16_t value, uint16_t index, uint8_t *data,
                uint16_t len, unsigned timeout_ms)
{
    (void)timeout_ms;
    emu_enter();
    check_unplug();
    int r;
    if (d->unplugged) {
        emu_st.v_no_device++;
        r = EMU_ERR_NO_DEVICE;
    } else {
        emu_ns before = emu_now;
        r = control(d, reqtype, req, value, index, data, len);
        emu_st.controls++;
        if (d->fs) /* full speed: setup, data and status in the next 1 ms frame */
            emu_now = emu_frame_ceil(emu_now) + EMU_MS;
        else
            emu_now = emu_uframe_ceil(emu_now) + EMU_UFRAME; /* setup, data, status stages */
        emu_st.usb_ns += emu_now - before;
    }
    emu_leave();
    return r;
}

/* ---- bulk ---- */
static int bulk_out(emu_chan *c, const uint8_t *data, int len, unsigned timeout_ms, int *got)
{
    emu_ns start = emu_now, t0 = emu_uframe_ceil(emu_now), last = t0, nominal = t0;
    for (int i = 0; i < len; i++) {
        nominal = t0 + (emu_ns)(i / 512 + 1) * EMU_PKT_NS;
        if (c->rx_count >= c->fifo) {
            /* The MPSSE waits for the host to read its replies and the host
             * waits for this write: on real hardware the write times out. */
            emu_warn("bulk write stalls: reply FIFO full (%d bytes unread) and %d command bytes queued; "
                     "read replies before sending more", c->tx_count, c->rx_count);
            emu_st.v_write_timeout++;
            *got = i;
            emu_now = start + (emu_ns)(timeout_ms ? timeout_ms : 5000) * EMU_MS;
            emu_st.usb_ns += emu_now - start;
            return EMU_ERR_TIMEOUT;
        }
        emu_ns a = nominal > last ? nominal : last;
        if (c->in_seq >= (uint64_t)c->fifo) {
            emu_ns fr = c->consumed[(c->in_seq - (uint64_t)c->fifo) % EMU_MAXFIFO];
            if (fr > a)
                a = fr;
        }
        int k = (c->rx_head + c->rx_count) % EMU_MAXFIFO;
        c->rx[k] = data[i];
        c->rx_t[k] = a;
        c->rx_count++;
        c->in_seq++;
        last = a;
        emu_mpsse_run(c);
    }
    *got = len;
    emu_ns spi = last > nominal ? last - nominal : 0;
    emu_now = emu_uframe_ceil((last > nominal ? last : nominal));
    emu_st.spi_ns += spi;
    emu_st.usb_ns += emu_now - start - spi;
    emu_st.bytes_out += len;
    emu_st.out_since_in = true;
    return 0;
}

static emu_ns tx_time(const emu_chan *c, int i)
{
    return c->tx_t[(c->tx_head + i) % c->tx_cap];
}

static int bulk_in(emu_chan *c, uint8_t *data, int len, unsigned timeout_ms, int *got)
{
    emu_ns start = emu_now, t = emu_uframe_ceil(emu_now), timer = t, spi = 0;
    int n = 0;
    bool payload = false;
    for (;;) {
        if (len - n < 2)
            break;
        int room = len - n - 2 < 510 ? len - n - 2 : 510;
        emu_mpsse_run(c); /* a reply FIFO that was full may have room again */
        emu_ns t_lat = timer + (emu_ns)c->latency_ms * EMU_MS;
        emu_ns t_send = t_lat;
        int why = 0; /* 0 latency, 1 full packet, 2 send immediate */
        if (c->tx_count >= room && room > 0) {
            emu_ns tf = tx_time(c, room - 1);
            tf = tf > t ? tf : t;
            if (tf <= t_send) {
                t_send = tf;
                why = 1;
            }
        }
        if (c->flush_pos >= c->tx_abs) {
            emu_ns tf = c->flush_t > t ? c->flush_t : t;
            if (tf < t_send) {
                t_send = tf;
                why = 2;
            }
        }
        int k = 0;
        while (k < room && k < c->tx_count && tx_time(c, k) <= t_send)
            k++;
        if (timeout_ms && t_send - start > (emu_ns)timeout_ms * EMU_MS) {
            emu_now = start + (emu_ns)timeout_ms * EMU_MS;
            emu_st.usb_ns += emu_now - start - spi;
            emu_st.spi_ns += spi;
            *got = n;
            return EMU_ERR_TIMEOUT;
        }
        if (emu_cfg_g.trace > 1)
            fprintf(stderr, "ftemu: IN t=%.6f send=%.6f why=%d k=%d tx=%d flush=%ld abs=%ld\n", (double)t / EMU_S,
                    (double)t_send / EMU_S, why, k, c->tx_count, c->flush_pos, c->tx_abs);
        if (why == 0 && k == 0 && (c->tx_count > 0 || c->mt > (double)t)) {
            /* an empty status packet while the MPSSE is still clocking */
            spi += t_send - t;
            emu_st.latency_flushes++;
        } else if (why == 0) {
            emu_st.latency_ns += t_send - t;
            emu_st.latency_flushes++;
        } else if (why == 1 || k > 0)
            spi += t_send - t;
        if (why == 2 && c->flush_pos <= c->tx_abs + k)
            c->flush_pos = -1;
        data[n] = 0x32;
        data[n + 1] = 0x60;
        for (int i = 0; i < k; i++)
            data[n + 2 + i] = c->tx[(c->tx_head + i) % c->tx_cap];
        c->tx_head = (c->tx_head + k) % c->tx_cap;
        c->tx_count -= k;
        c->tx_abs += k;
        n += 2 + k;
        payload |= k > 0;
        t = t_send + EMU_PKT_NS;
        timer = t;
        if (k < 510)
            break;
    }
    *got = n;
    emu_now = emu_uframe_ceil(t);
    emu_st.spi_ns += spi;
    emu_st.usb_ns += emu_now - start - spi;
    emu_st.bytes_in += n;
    if (payload && emu_st.out_since_in)
        emu_st.round_trips++;
    emu_st.out_since_in = false;
    return 0;
}

static int emu_bulk2_inner(emu_dev *d, uint8_t ep, uint8_t *data, int len, unsigned timeout_ms,
                           int *transferred)
{
    emu_enter();
    check_unplug();
    *transferred = 0;
    int r;
    int idx = (ep & 0x7F) == 1 || (ep & 0x7F) == 2 ? 0 : (ep & 0x7F) == 3 || (ep & 0x7F) == 4 ? 1 : -1;
    bool in = ep & 0x80;
    if (d->unplugged) {
        emu_st.v_no_device++;
        r = EMU_ERR_NO_DEVICE;
    } else if (idx < 0 || idx >= d->nchan || in != ((ep & 0x7F) % 2 == 1) || len < 0) {
        emu_warn("bulk transfer on endpoint 0x%02x that this chip lacks", ep);
        r = EMU_ERR_NOT_FOUND;
    } else if (in) {
        d->ch[idx].used = true;
        emu_st.transfers_in++;
        r = d->fs ? emu_syncbb_bulk_in(d, &d->ch[idx], data, len, timeout_ms, transferred)
                  : bulk_in(&d->ch[idx], data, len, timeout_ms, transferred);
    } else {
        d->ch[idx].used = true;
        emu_st.transfers_out++;
        r = d->fs ? emu_syncbb_bulk_out(d, &d->ch[idx], data, len, timeout_ms, transferred)
                  : bulk_out(&d->ch[idx], data, len, timeout_ms, transferred);
    }
    emu_leave();
    return r;
}

/* signal_after=N:SIG: the signal arrives in the program between two USB
 * transfers, once the Nth is done, as a Ctrl-C would. */
static void check_signals(void)
{
    long done = emu_st.transfers_out + emu_st.transfers_in;
    for (int i = 0; i < emu_cfg_g.nsignals; i++)
        if (emu_cfg_g.signal_after[i] >= 0 && done >= emu_cfg_g.signal_after[i]) {
            emu_cfg_g.signal_after[i] = -1;
            raise(emu_cfg_g.signal_num[i]);
        }
}

int emu_fs_count(emu_dev *d, bool in)
{
    check_unplug();
    if (d->unplugged) {
        emu_st.v_no_device++;
        return EMU_ERR_NO_DEVICE;
    }
    if (in)
        emu_st.transfers_in++;
    else
        emu_st.transfers_out++;
    d->ch[0].used = true;
    return 0;
}

void emu_fs_after(void)
{
    check_signals();
}

int emu_bulk2(emu_dev *d, uint8_t ep, uint8_t *data, int len, unsigned timeout_ms, int *transferred)
{
    int r = emu_bulk2_inner(d, ep, data, len, timeout_ms, transferred);
    check_signals();
    return r;
}

int emu_bulk(emu_dev *d, uint8_t ep, uint8_t *data, int len, unsigned timeout_ms)
{
    int got;
    int r = emu_bulk2(d, ep, data, len, timeout_ms, &got);
    return r < 0 && got == 0 ? r : got;
}
