/* libusb-1.0 as libftdi1 (and any program) calls it, answered by the
 * emulated devices. Loaded with LD_PRELOAD, these definitions take the
 * place of the real library's. A call the emulator cannot honour says so on
 * stderr and fails; nothing is silently ignored. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libusb-1.0/libusb.h>

#include "emu_internal.h"

#define API __attribute__((visibility("default")))

struct libusb_context {
    int refs;
};
struct libusb_device {
    emu_dev *emu;
    int refs;
};
struct libusb_device_handle {
    libusb_device *dev;
    unsigned claimed;
};

static struct libusb_context default_ctx;
static libusb_device devobj[EMU_MAX_ADAPTERS];

static int loud(const char *fn)
{
    emu_warn("%s is not emulated", fn);
    emu_st.v_unsupported++;
    return LIBUSB_ERROR_NOT_SUPPORTED;
}

API int libusb_init(libusb_context **ctx)
{
    emu_init();
    if (ctx) {
        *ctx = calloc(1, sizeof **ctx);
        if (!*ctx)
            return LIBUSB_ERROR_NO_MEM;
    } else
        default_ctx.refs++;
    return 0;
}

API void libusb_exit(libusb_context *ctx)
{
    emu_dump();
    if (ctx && ctx != &default_ctx)
        free(ctx);
}

API void libusb_set_debug(libusb_context *ctx, int level)
{
    (void)ctx;
    (void)level;
}

API int libusb_set_option(libusb_context *ctx, enum libusb_option option, ...)
{
    (void)ctx;
    (void)option;
    return 0;
}

static libusb_device *dev_for(emu_dev *e)
{
    for (int i = 0; i < EMU_MAX_ADAPTERS; i++)
        if (devobj[i].emu == e)
            return &devobj[i];
    for (int i = 0; i < EMU_MAX_ADAPTERS; i++)
        if (!devobj[i].emu) {
            devobj[i].emu = e;
            return &devobj[i];
        }
    return NULL;
}

API ssize_t libusb_get_device_list(libusb_context *ctx, libusb_device ***list)
{
    (void)ctx;
    emu_init();
    int n = emu_count();
    libusb_device **l = calloc((size_t)n + 1, sizeof *l);
    if (!l)
        return LIBUSB_ERROR_NO_MEM;
    for (int i = 0; i < n; i++) {
        l[i] = dev_for(emu_get(i));
        l[i]->refs++;
    }
    *list = l;
    return n;
}

API void libusb_free_device_list(libusb_device **list, int unref_devices)
{
    if (!list)
        return;
    if (unref_devices)
        for (int i = 0; list[i]; i++)
            list[i]->refs--;
    free(list);
}

API libusb_device *libusb_ref_device(libusb_device *dev)
{
    dev->refs++;
    return dev;
}

API void libusb_unref_device(libusb_device *dev)
{
    if (dev)
        dev->refs--;
}

API int libusb_get_device_descriptor(libusb_device *dev, struct libusb_device_descriptor *desc)
{
    uint8_t b[18];
    if (emu_descriptor(dev->emu, 1, 0, b, 18) != 18)
        return LIBUSB_ERROR_IO;
    desc->bLength = b[0];
    desc->bDescriptorType = b[1];
    desc->bcdUSB = (uint16_t)(b[2] | b[3] << 8);
    desc->bDeviceClass = b[4];
    desc->bDeviceSubClass = b[5];
    desc->bDeviceProtocol = b[6];
    desc->bMaxPacketSize0 = b[7];
    desc->idVendor = (uint16_t)(b[8] | b[9] << 8);
    desc->idProduct = (uint16_t)(b[10] | b[11] << 8);
    desc->bcdDevice = (uint16_t)(b[12] | b[13] << 8);
    desc->iManufacturer = b[14];
    desc->iProduct = b[15];
    desc->iSerialNumber = b[16];
    desc->bNumConfigurations = b[17];
    return 0;
}

/* One allocation holds the whole tree, so free() of the root frees it. */
API int libusb_get_config_descriptor(libusb_device *dev, uint8_t index, struct libusb_config_descriptor **config)
{
    uint8_t raw[256];
    int n = emu_descriptor(dev->emu, 2, index, raw, sizeof raw);
    if (n < 9)
        return LIBUSB_ERROR_NOT_FOUND;
    int nintf = raw[4];
    size_t size = sizeof(struct libusb_config_descriptor) + (size_t)nintf *
                  (sizeof(struct libusb_interface) + sizeof(struct libusb_interface_descriptor) +
                   2 * sizeof(struct libusb_endpoint_descriptor));
    char *mem = calloc(1, size);
    if (!mem)
        return LIBUSB_ERROR_NO_MEM;
    struct libusb_config_descriptor *c = (void *)mem;
    struct libusb_interface *intf = (void *)(c + 1);
    struct libusb_interface_descriptor *alt = (void *)(intf + nintf);
    struct libusb_endpoint_descriptor *ep = (void *)(alt + nintf);
    c->bLength = raw[0];
    c->bDescriptorType = raw[1];
    c->wTotalLength = (uint16_t)(raw[2] | raw[3] << 8);
    c->bNumInterfaces = raw[4];
    c->bConfigurationValue = raw[5];
    c->iConfiguration = raw[6];
    c->bmAttributes = raw[7];
    c->MaxPower = raw[8];
    c->interface = intf;
    int off = 9;
    for (int i = 0; i < nintf; i++, off += 23) {
        const uint8_t *r = raw + off;
        intf[i].altsetting = &alt[i];
        intf[i].num_altsetting = 1;
        alt[i] = (struct libusb_interface_descriptor){r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8],
                                                      &ep[2 * i], NULL, 0};
        for (int e = 0; e < 2; e++) {
            const uint8_t *q = r + 9 + 7 * e;
            ep[2 * i + e] = (struct libusb_endpoint_descriptor){q[0], q[1], q[2], q[3],
                                                                (uint16_t)(q[4] | q[5] << 8), q[6], 0, 0,
                                                                NULL, 0};
        }
    }
    *config = c;
    return 0;
}

API int libusb_get_active_config_descriptor(libusb_device *dev, struct libusb_config_descriptor **config)
{
    return libusb_get_config_descriptor(dev, 0, config);
}

API void libusb_free_config_descriptor(struct libusb_config_descriptor *config)
{
    free(config);
}

API uint8_t libusb_get_bus_number(libusb_device *dev)
{
    emu_devinfo i;
    emu_info(dev->emu, &i);
    return i.bus;
}

API uint8_t libusb_get_device_address(libusb_device *dev)
{
    emu_devinfo i;
    emu_info(dev->emu, &i);
    return i.address;
}

API uint8_t libusb_get_port_number(libusb_device *dev)
{
    return libusb_get_device_address(dev);
}

API int libusb_get_port_numbers(libusb_device *dev, uint8_t *ports, int len)
{
    if (len < 1)
        return LIBUSB_ERROR_OVERFLOW;
    ports[0] = libusb_get_device_address(dev);
    return 1;
}

API libusb_device *libusb_get_parent(libusb_device *dev)
{
    (void)dev;
    return NULL;
}

API int libusb_get_device_speed(libusb_device *dev)
{
    emu_devinfo i;
    emu_info(dev->emu, &i);
    return i.max_packet == 64 ? LIBUSB_SPEED_FULL : LIBUSB_SPEED_HIGH;
}

API int libusb_get_max_packet_size(libusb_device *dev, unsigned char endpoint)
{
    (void)endpoint;
    emu_devinfo i;
    emu_info(dev->emu, &i);
    return i.max_packet;
}

API int libusb_open(libusb_device *dev, libusb_device_handle **handle)
{
    if (dev->emu->unplugged || !emu_count())
        return LIBUSB_ERROR_NO_DEVICE;
    libusb_device_handle *h = calloc(1, sizeof *h);
    if (!h)
        return LIBUSB_ERROR_NO_MEM;
    h->dev = libusb_ref_device(dev);
    *handle = h;
    return 0;
}

API libusb_device_handle *libusb_open_device_with_vid_pid(libusb_context *ctx, uint16_t vid, uint16_t pid)
{
    (void)ctx;
    emu_init();
    for (int i = 0; i < emu_count(); i++) {
        emu_devinfo inf;
        emu_info(emu_get(i), &inf);
        libusb_device_handle *h;
        if (inf.vid == vid && inf.pid == pid && libusb_open(dev_for(emu_get(i)), &h) == 0)
            return h;
    }
    return NULL;
}

API void libusb_close(libusb_device_handle *h)
{
    if (!h)
        return;
    libusb_unref_device(h->dev);
    free(h);
    emu_dump();
}

API libusb_device *libusb_get_device(libusb_device_handle *h)
{
    return h->dev;
}

static int gone(libusb_device_handle *h)
{
    return emu_count() >= 0 && h->dev->emu->unplugged;
}

API int libusb_claim_interface(libusb_device_handle *h, int n)
{
    emu_devinfo i;
    emu_info(h->dev->emu, &i);
    if (gone(h))
        return LIBUSB_ERROR_NO_DEVICE;
    if (n < 0 || n >= i.interfaces)
        return LIBUSB_ERROR_NOT_FOUND;
    h->claimed |= 1u << n;
    return 0;
}

API int libusb_release_interface(libusb_device_handle *h, int n)
{
    if (gone(h))
        return LIBUSB_ERROR_NO_DEVICE;
    if (n < 0 || n > 7 || !(h->claimed & 1u << n))
        return LIBUSB_ERROR_NOT_FOUND;
    h->claimed &= ~(1u << n);
    return 0;
}

API int libusb_set_interface_alt_setting(libusb_device_handle *h, int n, int alt)
{
    (void)n;
    if (gone(h))
        return LIBUSB_ERROR_NO_DEVICE;
    return alt == 0 ? 0 : LIBUSB_ERROR_NOT_FOUND;
}

API int libusb_kernel_driver_active(libusb_device_handle *h, int n)
{
    (void)n;
    return gone(h) ? LIBUSB_ERROR_NO_DEVICE : 0;
}

API int libusb_detach_kernel_driver(libusb_device_handle *h, int n)
{
    (void)n;
    return gone(h) ? LIBUSB_ERROR_NO_DEVICE : LIBUSB_ERROR_NOT_FOUND; /* no ftdi_sio bound */
}

API int libusb_attach_kernel_driver(libusb_device_handle *h, int n)
{
    (void)n;
    return gone(h) ? LIBUSB_ERROR_NO_DEVICE : LIBUSB_ERROR_NOT_FOUND;
}

API int libusb_set_auto_detach_kernel_driver(libusb_device_handle *h, int enable)
{
    (void)h;
    (void)enable;
    return 0;
}

API int libusb_get_configuration(libusb_device_handle *h, int *config)
{
    if (gone(h))
        return LIBUSB_ERROR_NO_DEVICE;
    *config = 1;
    return 0;
}

API int libusb_set_configuration(libusb_device_handle *h, int config)
{
    if (gone(h))
        return LIBUSB_ERROR_NO_DEVICE;
    return config == 1 || config == -1 ? 0 : LIBUSB_ERROR_NOT_FOUND;
}

API int libusb_control_transfer(libusb_device_handle *h, uint8_t reqtype, uint8_t req, uint16_t value,
                                uint16_t index, unsigned char *data, uint16_t len, unsigned int timeout)
{
    return emu_control(h->dev->emu, reqtype, req, value, index, data, len, timeout);
}

API int libusb_bulk_transfer(libusb_device_handle *h, unsigned char ep, unsigned char *data, int len,
                             int *transferred, unsigned int timeout)
{
    int got = 0;
    int r = emu_bulk2(h->dev->emu, ep, data, len, timeout, &got);
    if (transferred)
        *transferred = got;
    return r;
}

API int libusb_interrupt_transfer(libusb_device_handle *h, unsigned char ep, unsigned char *data, int len,
                                  int *transferred, unsigned int timeout)
{
    (void)h; (void)ep; (void)data; (void)len; (void)transferred; (void)timeout;
    return loud("libusb_interrupt_transfer");
}

API int libusb_get_string_descriptor_ascii(libusb_device_handle *h, uint8_t idx, unsigned char *data, int len)
{
    uint8_t buf[255];
    if (idx == 0)
        return LIBUSB_ERROR_INVALID_PARAM;
    int n = emu_control(h->dev->emu, 0x80, 6, (uint16_t)(3 << 8 | idx), 0x0409, buf, sizeof buf, 1000);
    if (n < 0)
        return n;
    if (n < 2 || buf[1] != 3 || buf[0] > n)
        return LIBUSB_ERROR_IO;
    int k = 0;
    for (int i = 2; i + 1 < buf[0] && k < len - 1; i += 2)
        data[k++] = buf[i + 1] || buf[i] > 0x7F ? '?' : buf[i];
    if (len > 0)
        data[k] = 0;
    return k;
}

API int libusb_reset_device(libusb_device_handle *h)
{
    (void)h;
    return loud("libusb_reset_device");
}

API int libusb_clear_halt(libusb_device_handle *h, unsigned char ep)
{
    (void)ep;
    return gone(h) ? LIBUSB_ERROR_NO_DEVICE : 0;
}

/* ---- asynchronous transfers: run when events are handled, which is when
 * libftdi waits for them. On the high-speed chips they run one after another
 * in submission order. On the full-speed chips the host controller keeps an
 * OUT and an IN transfer going at once (emu_syncbb_pair), each submitted
 * transfer starting no earlier than its submission; callbacks run in the
 * order the transfers end. ---- */
#define QMAX 64
static struct libusb_transfer *queue[QMAX];
static bool cancelled[QMAX];
static emu_fsx fsx[QMAX];
static bool fs_started[QMAX];
static int nqueue;

static void drop(int i)
{
    memmove(queue + i, queue + i + 1, (size_t)(nqueue - i - 1) * sizeof *queue);
    memmove(cancelled + i, cancelled + i + 1, (size_t)(nqueue - i - 1) * sizeof *cancelled);
    memmove(fsx + i, fsx + i + 1, (size_t)(nqueue - i - 1) * sizeof *fsx);
    memmove(fs_started + i, fs_started + i + 1, (size_t)(nqueue - i - 1) * sizeof *fs_started);
    nqueue--;
    cancelled[nqueue] = false;
    fs_started[nqueue] = false;
}

API struct libusb_transfer *libusb_alloc_transfer(int iso_packets)
{
    if (iso_packets) {
        loud("isochronous libusb_alloc_transfer");
        return NULL;
    }
    return calloc(1, sizeof(struct libusb_transfer));
}

API void libusb_free_transfer(struct libusb_transfer *t)
{
    if (!t)
        return;
    for (int i = 0; i < nqueue; i++)
        if (queue[i] == t) {
            emu_warn("libusb_free_transfer of a transfer still in flight");
            drop(i);
            break;
        }
    if (t->flags & LIBUSB_TRANSFER_FREE_BUFFER)
        free(t->buffer);
    free(t);
}

static bool fs_bulk(const struct libusb_transfer *t)
{
    return t->type == LIBUSB_TRANSFER_TYPE_BULK && t->dev_handle->dev->emu->fs;
}

API int libusb_submit_transfer(struct libusb_transfer *t)
{
    if (t->type != LIBUSB_TRANSFER_TYPE_BULK && t->type != LIBUSB_TRANSFER_TYPE_CONTROL)
        return loud("libusb_submit_transfer of this transfer type");
    if (gone(t->dev_handle))
        return LIBUSB_ERROR_NO_DEVICE;
    for (int i = 0; i < nqueue; i++)
        if (queue[i] == t)
            return LIBUSB_ERROR_BUSY;
    if (nqueue == QMAX)
        return LIBUSB_ERROR_NO_MEM;
    emu_enter();
    t->status = LIBUSB_TRANSFER_COMPLETED;
    t->actual_length = 0;
    fsx[nqueue] = (emu_fsx){.in = (t->endpoint & 0x80) != 0, .buf = t->buffer, .len = t->length,
                            .timeout_ms = t->timeout, .start = emu_now};
    fs_started[nqueue] = false;
    cancelled[nqueue] = false;
    queue[nqueue++] = t;
    emu_leave();
    return 0;
}

API int libusb_cancel_transfer(struct libusb_transfer *t)
{
    for (int i = 0; i < nqueue; i++)
        if (queue[i] == t) {
            t->status = LIBUSB_TRANSFER_CANCELLED;
            cancelled[i] = true;
            return 0;
        }
    return LIBUSB_ERROR_NOT_FOUND;
}

static void run_one(struct libusb_transfer *t, bool was_cancelled)
{
    if (was_cancelled) {
        t->status = LIBUSB_TRANSFER_CANCELLED;
    } else if (t->type == LIBUSB_TRANSFER_TYPE_CONTROL) {
        struct libusb_control_setup *s = (void *)t->buffer;
        int r = emu_control(t->dev_handle->dev->emu, s->bmRequestType, s->bRequest,
                            libusb_le16_to_cpu(s->wValue), libusb_le16_to_cpu(s->wIndex),
                            t->buffer + LIBUSB_CONTROL_SETUP_SIZE, libusb_le16_to_cpu(s->wLength), t->timeout);
        t->actual_length = r > 0 ? r : 0;
        t->status = r >= 0 ? LIBUSB_TRANSFER_COMPLETED : r == EMU_ERR_NO_DEVICE ? LIBUSB_TRANSFER_NO_DEVICE
                  : r == EMU_ERR_PIPE ? LIBUSB_TRANSFER_STALL : LIBUSB_TRANSFER_ERROR;
    } else {
        int got = 0;
        int r = emu_bulk2(t->dev_handle->dev->emu, t->endpoint, t->buffer, t->length, t->timeout, &got);
        t->actual_length = got;
        t->status = r == 0 ? LIBUSB_TRANSFER_COMPLETED : r == EMU_ERR_NO_DEVICE ? LIBUSB_TRANSFER_NO_DEVICE
                  : r == EMU_ERR_TIMEOUT ? LIBUSB_TRANSFER_TIMED_OUT : LIBUSB_TRANSFER_ERROR;
    }
    if (t->callback)
        t->callback(t);
}

/* Full speed: the first queued OUT and IN bulk transfers of the device of
 * queue[0] run together until one ends; that one's callback runs. */
static void run_fs(void)
{
    emu_dev *d = queue[0]->dev_handle->dev->emu;
    int io = -1, ii = -1;
    for (int k = 0; k < nqueue; k++) {
        struct libusb_transfer *t = queue[k];
        if (!fs_bulk(t) || t->dev_handle->dev->emu != d)
            continue;
        if (t->endpoint & 0x80) {
            if (ii < 0)
                ii = k;
        } else if (io < 0)
            io = k;
    }
    for (int pass = 0; pass < 2; pass++) {
        int k = pass ? ii : io;
        if (k < 0 || fs_started[k])
            continue;
        struct libusb_transfer *t = queue[k];
        int r = cancelled[k] ? 0 : emu_fs_count(d, fsx[k].in);
        if (cancelled[k] || r < 0) {
            t->actual_length = 0;
            t->status = cancelled[k] ? LIBUSB_TRANSFER_CANCELLED : LIBUSB_TRANSFER_NO_DEVICE;
            drop(k);
            if (t->callback)
                t->callback(t);
            return;
        }
        fs_started[k] = true;
        emu_syncbb_begin(&d->ch[0], &fsx[k]);
    }
    /* a transfer cancelled while it ran ends at once with what it moved */
    for (int pass = 0; pass < 2; pass++) {
        int k = pass ? ii : io;
        if (k >= 0 && cancelled[k]) {
            struct libusb_transfer *t = queue[k];
            t->actual_length = fsx[k].done;
            t->status = LIBUSB_TRANSFER_CANCELLED;
            drop(k);
            if (t->callback)
                t->callback(t);
            return;
        }
    }
    emu_syncbb_pair(d, &d->ch[0], io >= 0 ? &fsx[io] : NULL, ii >= 0 ? &fsx[ii] : NULL);
    int k = io >= 0 && fsx[io].finished ? io : ii;
    struct libusb_transfer *t = queue[k];
    int r = fsx[k].rc;
    t->actual_length = fsx[k].done;
    t->status = r == 0 ? LIBUSB_TRANSFER_COMPLETED : r == EMU_ERR_TIMEOUT ? LIBUSB_TRANSFER_TIMED_OUT
              : r == EMU_ERR_OVERFLOW ? LIBUSB_TRANSFER_OVERFLOW : LIBUSB_TRANSFER_ERROR;
    drop(k);
    if (t->callback)
        t->callback(t);
    emu_fs_after();
}

static int handle(int *completed)
{
    while (nqueue > 0 && !(completed && *completed)) {
        struct libusb_transfer *t = queue[0];
        if (fs_bulk(t) && !gone(t->dev_handle)) {
            run_fs();
            continue;
        }
        bool c = cancelled[0];
        drop(0);
        run_one(t, c);
    }
    return 0;
}

API int libusb_handle_events_timeout_completed(libusb_context *ctx, struct timeval *tv, int *completed)
{
    (void)ctx;
    (void)tv;
    emu_enter();
    int r = handle(completed);
    emu_leave();
    return r;
}

API int libusb_handle_events_timeout(libusb_context *ctx, struct timeval *tv)
{
    return libusb_handle_events_timeout_completed(ctx, tv, NULL);
}

API int libusb_handle_events(libusb_context *ctx)
{
    return libusb_handle_events_timeout_completed(ctx, NULL, NULL);
}

API int libusb_handle_events_completed(libusb_context *ctx, int *completed)
{
    return libusb_handle_events_timeout_completed(ctx, NULL, completed);
}

API const char *libusb_error_name(int code)
{
    switch (code) {
    case LIBUSB_SUCCESS: return "LIBUSB_SUCCESS";
    case LIBUSB_ERROR_IO: return "LIBUSB_ERROR_IO";
    case LIBUSB_ERROR_INVALID_PARAM: return "LIBUSB_ERROR_INVALID_PARAM";
    case LIBUSB_ERROR_ACCESS: return "LIBUSB_ERROR_ACCESS";
    case LIBUSB_ERROR_NO_DEVICE: return "LIBUSB_ERROR_NO_DEVICE";
    case LIBUSB_ERROR_NOT_FOUND: return "LIBUSB_ERROR_NOT_FOUND";
    case LIBUSB_ERROR_BUSY: return "LIBUSB_ERROR_BUSY";
    case LIBUSB_ERROR_TIMEOUT: return "LIBUSB_ERROR_TIMEOUT";
    case LIBUSB_ERROR_OVERFLOW: return "LIBUSB_ERROR_OVERFLOW";
    case LIBUSB_ERROR_PIPE: return "LIBUSB_ERROR_PIPE";
    case LIBUSB_ERROR_INTERRUPTED: return "LIBUSB_ERROR_INTERRUPTED";
    case LIBUSB_ERROR_NO_MEM: return "LIBUSB_ERROR_NO_MEM";
    case LIBUSB_ERROR_NOT_SUPPORTED: return "LIBUSB_ERROR_NOT_SUPPORTED";
    }
    return "LIBUSB_ERROR_OTHER";
}

API const char *libusb_strerror(int code)
{
    return libusb_error_name(code);
}

API int libusb_has_capability(uint32_t capability)
{
    (void)capability;
    return 0;
}

API int libusb_get_next_timeout(libusb_context *ctx, struct timeval *tv)
{
    (void)ctx;
    (void)tv;
    return 0;
}

API const struct libusb_pollfd **libusb_get_pollfds(libusb_context *ctx)
{
    (void)ctx;
    loud("libusb_get_pollfds");
    return NULL;
}

API int libusb_hotplug_register_callback(libusb_context *ctx, int events, int flags, int vendor_id,
                                         int product_id, int dev_class, libusb_hotplug_callback_fn cb,
                                         void *user_data, libusb_hotplug_callback_handle *handle)
{
    (void)ctx; (void)events; (void)flags; (void)vendor_id; (void)product_id; (void)dev_class;
    (void)cb; (void)user_data; (void)handle;
    return loud("libusb_hotplug_register_callback");
}
