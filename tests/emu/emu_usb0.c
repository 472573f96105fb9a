/* The libusb-0.1 front end of the emulator: the legacy API that libftdi 0.20
 * (and so Debian's avrdude) is linked against, answered from emu.h. Loaded
 * with LD_PRELOAD, its symbols take the place of libusb-0.1.so.4's.
 *
 * The bus and device lists are built the way libusb-0.1 on Linux shapes
 * them, because libftdi reads them directly: it walks usb_get_busses(),
 * matches descriptor.idVendor/idProduct, reads strings through
 * usb_get_string_simple and takes the packet size from
 * config[0].interface[n].altsetting[0].endpoint[0].wMaxPacketSize.
 *
 * Errors are negative errno values with errno set too (libftdi tests errno
 * after usb_detach_kernel_driver_np). Calls the emulated hardware cannot
 * honour print a line on stderr and fail; none of them pretends. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The usb_* entry points must be exported even if the library is built with
 * -fvisibility=hidden: they are what LD_PRELOAD interposes. */
#pragma GCC visibility push(default)
#include <usb.h>
#pragma GCC visibility pop

#include "emu.h"

#define EMU0_MAX_IF 2   /* FT2232H/FT4232H expose MPSSE on A and B only */

/* One emulated device as libusb-0.1 shows it. Nodes are never freed: a
 * caller may still hold a pointer from an earlier scan. */
typedef struct emu0_node {
    struct usb_device dev;
    struct usb_config_descriptor config;
    struct usb_interface ifaces[EMU0_MAX_IF];
    struct usb_interface_descriptor alts[EMU0_MAX_IF];
    struct usb_endpoint_descriptor eps[EMU0_MAX_IF][2];
    emu_dev *emu;
    emu_devinfo info;
    unsigned claimed;      /* interfaces claimed through any handle */
    struct emu0_node *all_next;
} emu0_node;

typedef struct emu0_bus {
    struct usb_bus bus;
    struct emu0_bus *all_next;
} emu0_bus;

/* The leading members copy libusb-0.1's private layout, because programs
 * look inside: libftdi 0.20's ftdi_usb_close() does FD_SET(usb_dev->fd) and
 * aborts (glibc's fortified FD_SET) on a descriptor out of range. So fd is a
 * real descriptor (of /dev/null); libftdi only polls it when it has
 * asynchronous writes pending, which the emulator never has. */
struct usb_dev_handle {
    int fd;
    struct usb_bus *bus;
    struct usb_device *device;
    int configuration;
    int interface;
    int altsetting;
    void *impl_info;
    emu0_node *node;
    unsigned claimed;      /* interfaces claimed through this handle */
};

/* Exported like libusb-0.1's own; some programs read it instead of calling
 * usb_get_busses(). */
struct usb_bus *usb_busses;

static emu0_node *all_nodes;
static emu0_bus *all_busses;
static int debug_level;
static int initialised;
static char error_text[256];

static int fail(int err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Records the message for usb_strerror() and sets errno; loud failures (the
 * ones for calls the emulator cannot honour) also go to stderr. */
static int fail(int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(error_text, sizeof error_text, fmt, ap);
    va_end(ap);
    errno = -err;
    return err;
}

static int loud(int err, const char *what)
{
    fail(err, "emulator (libusb-0.1): %s", what);
    fprintf(stderr, "%s\n", error_text);
    return err;
}

static int errno_of(int emu_err)
{
    switch (emu_err) {
    case EMU_ERR_IO: return -EIO;
    case EMU_ERR_INVALID: return -EINVAL;
    case EMU_ERR_NO_DEVICE: return -ENODEV;
    case EMU_ERR_NOT_FOUND: return -ENOENT;
    case EMU_ERR_TIMEOUT: return -ETIMEDOUT;
    case EMU_ERR_PIPE: return -EPIPE;
    case EMU_ERR_NOT_SUPPORTED: return -ENOSYS;
    default: return -EIO;
    }
}

static int emu_fail(int emu_err, const char *call)
{
    int err = errno_of(emu_err);
    fail(err, "%s: %s", call, strerror(-err));
    /* An unsupported request means the emulator lacks something a
     * program relies on: that must be seen, not just returned. */
    if (emu_err == EMU_ERR_NOT_SUPPORTED || debug_level > 0)
        fprintf(stderr, "emulator (libusb-0.1): %s\n", error_text);
    return err;
}

static void trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void trace(const char *fmt, ...)
{
    if (debug_level <= 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    fputs("emu-usb0: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

void usb_set_debug(int level)
{
    debug_level = level;
}

void usb_init(void)
{
    emu_init();
    if (!initialised) {
        const char *d = getenv("FTEMU_USB_DEBUG");
        if (d && *d)
            debug_level = atoi(d);
        initialised = 1;
    }
    trace("usb_init");
}

char *usb_strerror(void)
{
    return error_text[0] ? error_text : "no error";
}

/* FTDI's layout: interface n has bulk IN 0x81+2n and bulk OUT 0x02+2n. */
static void fill_node(emu0_node *n)
{
    const emu_devinfo *in = &n->info;
    int nif = in->interfaces < 1 ? 1 : in->interfaces > EMU0_MAX_IF ? EMU0_MAX_IF
                                                                  : in->interfaces;
    struct usb_device_descriptor *dd = &n->dev.descriptor;
    dd->bLength = USB_DT_DEVICE_SIZE;
    dd->bDescriptorType = USB_DT_DEVICE;
    dd->bcdUSB = 0x0200;
    dd->bDeviceClass = 0;
    dd->bDeviceSubClass = 0;
    dd->bDeviceProtocol = 0;
    dd->bMaxPacketSize0 = 64;
    dd->idVendor = in->vid;
    dd->idProduct = in->pid;
    dd->bcdDevice = in->bcd_device;
    dd->iManufacturer = in->manufacturer ? 1 : 0;
    dd->iProduct = in->product ? 2 : 0;
    dd->iSerialNumber = in->serial ? 3 : 0;
    dd->bNumConfigurations = 1;

    for (int i = 0; i < nif; i++) {
        for (int e = 0; e < 2; e++) {
            struct usb_endpoint_descriptor *ep = &n->eps[i][e];
            ep->bLength = USB_DT_ENDPOINT_SIZE;
            ep->bDescriptorType = USB_DT_ENDPOINT;
            ep->bEndpointAddress = (uint8_t)(e == 0 ? 0x81 + 2 * i : 0x02 + 2 * i);
            ep->bmAttributes = USB_ENDPOINT_TYPE_BULK;
            ep->wMaxPacketSize = (uint16_t)(in->max_packet > 0 ? in->max_packet : 512);
            ep->bInterval = 0;
        }
        struct usb_interface_descriptor *alt = &n->alts[i];
        alt->bLength = USB_DT_INTERFACE_SIZE;
        alt->bDescriptorType = USB_DT_INTERFACE;
        alt->bInterfaceNumber = (uint8_t)i;
        alt->bAlternateSetting = 0;
        alt->bNumEndpoints = 2;
        alt->bInterfaceClass = USB_CLASS_VENDOR_SPEC;
        alt->bInterfaceSubClass = USB_CLASS_VENDOR_SPEC;
        alt->bInterfaceProtocol = USB_CLASS_VENDOR_SPEC;
        alt->iInterface = 2;
        alt->endpoint = n->eps[i];
        n->ifaces[i].altsetting = alt;
        n->ifaces[i].num_altsetting = 1;
    }
    struct usb_config_descriptor *c = &n->config;
    c->bLength = USB_DT_CONFIG_SIZE;
    c->bDescriptorType = USB_DT_CONFIG;
    c->wTotalLength = (uint16_t)(USB_DT_CONFIG_SIZE +
                                 nif * (USB_DT_INTERFACE_SIZE + 2 * USB_DT_ENDPOINT_SIZE));
    c->bNumInterfaces = (uint8_t)nif;
    c->bConfigurationValue = 1;
    c->iConfiguration = 0;
    c->bmAttributes = 0x80;      /* bus powered */
    c->MaxPower = 0x32;          /* 100 mA, in 2 mA units */
    c->interface = n->ifaces;
    n->dev.config = c;
    n->dev.devnum = in->address;
    snprintf(n->dev.filename, sizeof n->dev.filename, "%03u", (unsigned)in->address);
}

static emu0_node *node_for(emu_dev *d)
{
    for (emu0_node *n = all_nodes; n; n = n->all_next)
        if (n->emu == d)
            return n;
    emu0_node *n = calloc(1, sizeof *n);
    if (!n)
        return NULL;
    n->emu = d;
    emu_info(d, &n->info);
    fill_node(n);
    n->all_next = all_nodes;
    all_nodes = n;
    return n;
}

static emu0_bus *bus_for(unsigned number)
{
    for (emu0_bus *b = all_busses; b; b = b->all_next)
        if (b->bus.location == number)
            return b;
    emu0_bus *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->bus.location = number;
    snprintf(b->bus.dirname, sizeof b->bus.dirname, "%03u", number);
    b->all_next = all_busses;
    all_busses = b;
    return b;
}

static int plugged(const emu0_node *n)
{
    int count = emu_count();
    for (int i = 0; i < count; i++)
        if (emu_get(i) == n->emu)
            return 1;
    return 0;
}

static int on_list(const struct usb_device *list, const struct usb_device *d)
{
    for (; list; list = list->next)
        if (list == d)
            return 1;
    return 0;
}

static int bus_listed(const emu0_bus *b)
{
    for (struct usb_bus *x = usb_busses; x; x = x->next)
        if (x == &b->bus)
            return 1;
    return 0;
}

static void push_bus(emu0_bus *b)
{
    b->bus.prev = NULL;
    b->bus.next = usb_busses;
    if (usb_busses)
        usb_busses->prev = &b->bus;
    usb_busses = &b->bus;
}

/* Every bus the plugged devices sit on; returns how many buses were added. */
int usb_find_busses(void)
{
    emu_init();
    int added = 0, count = emu_count();
    for (int i = 0; i < count; i++) {
        emu_devinfo info;
        emu_info(emu_get(i), &info);
        emu0_bus *b = bus_for(info.bus);
        if (!b)
            return loud(-ENOMEM, "usb_find_busses: out of memory");
        if (!bus_listed(b)) {
            push_bus(b);
            added++;
        }
    }
    trace("usb_find_busses: %d device(s), %d new bus(es)", count, added);
    return added;
}

/* Rebuilds each bus's device list from the devices plugged in now; returns
 * the number of devices that appeared or vanished since the last scan. */
int usb_find_devices(void)
{
    emu_init();
    int changes = 0, count = emu_count();
    for (struct usb_bus *b = usb_busses; b; b = b->next)
        for (struct usb_device *d = b->devices; d; d = d->next)
            if (!plugged((emu0_node *)d))
                changes++;
    for (struct usb_bus *b = usb_busses; b; b = b->next)
        b->devices = NULL;
    for (int i = 0; i < count; i++) {
        emu0_node *n = node_for(emu_get(i));
        if (!n)
            return loud(-ENOMEM, "usb_find_devices: out of memory");
        emu0_bus *eb = bus_for(n->info.bus);
        if (!eb)
            return loud(-ENOMEM, "usb_find_devices: out of memory");
        if (!bus_listed(eb))
            continue;          /* as in libusb-0.1: scan buses first */
        if (n->dev.bus != &eb->bus)
            changes++;
        n->dev.bus = &eb->bus;
        /* Append, so devices keep the emulator's order. */
        n->dev.next = NULL;
        n->dev.prev = NULL;
        struct usb_device **tail = &eb->bus.devices;
        while (*tail) {
            n->dev.prev = *tail;
            tail = &(*tail)->next;
        }
        *tail = &n->dev;
    }
    /* A vanished device is no longer on a bus. */
    for (emu0_node *n = all_nodes; n; n = n->all_next)
        if (n->dev.bus && !on_list(n->dev.bus->devices, &n->dev))
            n->dev.bus = NULL;
    trace("usb_find_devices: %d device(s), %d change(s)", count, changes);
    return changes;
}

struct usb_bus *usb_get_busses(void)
{
    return usb_busses;
}

static emu0_node *node_of(struct usb_device *dev)
{
    for (emu0_node *n = all_nodes; n; n = n->all_next)
        if (&n->dev == dev)
            return n;
    return NULL;
}

usb_dev_handle *usb_open(struct usb_device *dev)
{
    emu0_node *n = node_of(dev);
    if (!n) {
        loud(-EINVAL, "usb_open: not a device from this emulator's bus list");
        return NULL;
    }
    if (!plugged(n)) {
        fail(-ENODEV, "usb_open: %s", strerror(ENODEV));
        return NULL;
    }
    usb_dev_handle *h = calloc(1, sizeof *h);
    if (!h) {
        loud(-ENOMEM, "usb_open: out of memory");
        return NULL;
    }
    h->fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (h->fd < 0) {
        fail(-errno, "usb_open: /dev/null: %s", strerror(errno));
        free(h);
        return NULL;
    }
    h->bus = n->dev.bus;
    h->device = &n->dev;
    h->node = n;
    h->configuration = 1;
    h->interface = -1;
    trace("usb_open %04x:%04x bus %u addr %u", n->info.vid, n->info.pid,
          (unsigned)n->info.bus, (unsigned)n->info.address);
    return h;
}

int usb_close(usb_dev_handle *h)
{
    if (!h)
        return fail(-EINVAL, "usb_close: no handle");
    h->node->claimed &= ~h->claimed;
    close(h->fd);
    trace("usb_close");
    free(h);
    /* The dumps are complete now; a program killed later still leaves them. */
    emu_dump();
    return 0;
}

struct usb_device *usb_device(usb_dev_handle *h)
{
    return h ? &h->node->dev : NULL;
}

int usb_set_configuration(usb_dev_handle *h, int configuration)
{
    if (configuration != 1)
        return fail(-EINVAL, "usb_set_configuration %d: the device has only configuration 1",
                    configuration);
    int r = usb_control_msg(h, USB_ENDPOINT_OUT, USB_REQ_SET_CONFIGURATION, configuration, 0,
                            NULL, 0, 1000);
    if (r < 0)
        return r;
    h->configuration = configuration;
    return 0;
}

int usb_claim_interface(usb_dev_handle *h, int interface)
{
    if (!plugged(h->node))
        return fail(-ENODEV, "usb_claim_interface: %s", strerror(ENODEV));
    if (interface < 0 || interface >= h->node->config.bNumInterfaces)
        return fail(-EINVAL, "usb_claim_interface %d: no such interface", interface);
    unsigned bit = 1u << interface;
    if ((h->node->claimed & bit) && !(h->claimed & bit))
        return fail(-EBUSY, "usb_claim_interface %d: %s", interface, strerror(EBUSY));
    h->node->claimed |= bit;
    h->claimed |= bit;
    h->interface = interface;
    trace("usb_claim_interface %d", interface);
    return 0;
}

int usb_release_interface(usb_dev_handle *h, int interface)
{
    if (interface < 0 || interface >= h->node->config.bNumInterfaces)
        return fail(-EINVAL, "usb_release_interface %d: no such interface", interface);
    unsigned bit = 1u << interface;
    if (!(h->claimed & bit))
        return fail(-EINVAL, "usb_release_interface %d: not claimed", interface);
    h->claimed &= ~bit;
    h->node->claimed &= ~bit;
    return 0;
}

int usb_set_altinterface(usb_dev_handle *h, int alternate)
{
    if (alternate != 0)
        return fail(-EINVAL, "usb_set_altinterface %d: only setting 0 exists", alternate);
    h->altsetting = 0;
    return 0;
}

static int valid_endpoint(const emu0_node *n, unsigned ep)
{
    for (int i = 0; i < n->config.bNumInterfaces; i++)
        for (int e = 0; e < 2; e++)
            if (n->eps[i][e].bEndpointAddress == ep)
                return 1;
    return 0;
}

/* No endpoint of the emulated chip ever stalls, so there is no halt to
 * clear; a real endpoint is answered with success, anything else fails. */
int usb_clear_halt(usb_dev_handle *h, unsigned int ep)
{
    if (!plugged(h->node))
        return fail(-ENODEV, "usb_clear_halt: %s", strerror(ENODEV));
    if (!valid_endpoint(h->node, ep))
        return fail(-EINVAL, "usb_clear_halt 0x%02x: no such endpoint", ep);
    return 0;
}

int usb_resetep(usb_dev_handle *h, unsigned int ep)
{
    return usb_clear_halt(h, ep);
}

int usb_reset(usb_dev_handle *h)
{
    (void)h;
    return loud(-ENOSYS, "usb_reset: a USB port reset (re-enumeration) is not emulated");
}

/* The emulator binds no kernel driver, so, as on Linux with an unbound
 * interface, there is nothing to detach: ENODATA. */
int usb_get_driver_np(usb_dev_handle *h, int interface, char *name, unsigned int namelen)
{
    if (name && namelen)
        name[0] = '\0';
    if (!plugged(h->node))
        return fail(-ENODEV, "usb_get_driver_np: %s", strerror(ENODEV));
    return fail(-ENODATA, "could not get bound driver for interface %d: %s", interface,
                strerror(ENODATA));
}

int usb_detach_kernel_driver_np(usb_dev_handle *h, int interface)
{
    if (!plugged(h->node))
        return fail(-ENODEV, "usb_detach_kernel_driver_np: %s", strerror(ENODEV));
    return fail(-ENODATA, "could not detach kernel driver from interface %d: %s", interface,
                strerror(ENODATA));
}

/* Descriptor requests go over the emulated default pipe like any other
 * control transfer, so they cost modeled USB time as they would through
 * the libusb-1.0 front end. */
static int get_descriptor(usb_dev_handle *h, int type, int index, int langid, void *buf,
                          int size, const char *call)
{
    if (!h)
        return fail(-EINVAL, "%s: no handle", call);
    if (size < 0 || size > 0xffff || (size > 0 && !buf))
        return fail(-EINVAL, "%s: bad buffer", call);
    int r = emu_control(h->node->emu, USB_ENDPOINT_IN, USB_REQ_GET_DESCRIPTOR,
                        (uint16_t)((type & 0xff) << 8 | (index & 0xff)), (uint16_t)langid, buf,
                        (uint16_t)size, 1000);
    return r < 0 ? emu_fail(r, call) : r;
}

int usb_get_descriptor(usb_dev_handle *h, unsigned char type, unsigned char index, void *buf,
                       int size)
{
    return get_descriptor(h, type, index, 0, buf, size, "usb_get_descriptor");
}

int usb_get_descriptor_by_endpoint(usb_dev_handle *h, int ep, unsigned char type,
                                   unsigned char index, void *buf, int size)
{
    if (ep != 0)
        return loud(-ENOSYS, "usb_get_descriptor_by_endpoint: only endpoint 0 takes requests");
    return get_descriptor(h, type, index, 0, buf, size, "usb_get_descriptor_by_endpoint");
}

int usb_get_string(usb_dev_handle *h, int index, int langid, char *buf, size_t buflen)
{
    int size = buflen > 255 ? 255 : (int)buflen;
    return get_descriptor(h, USB_DT_STRING, index, langid, buf, size, "usb_get_string");
}

/* The descriptor's UTF-16LE turned into a NUL-terminated string, non-ASCII
 * as '?', like libusb-0.1 does it. Returns the length without the NUL. */
int usb_get_string_simple(usb_dev_handle *h, int index, char *buf, size_t buflen)
{
    uint8_t d[255];
    if (!buf || buflen == 0)
        return fail(-EINVAL, "usb_get_string_simple: no buffer");
    int r = usb_get_string(h, 0, 0, (char *)d, sizeof d);
    if (r < 0)
        return r;
    if (r < 4)
        return fail(-EIO, "usb_get_string_simple: short language table");
    int langid = d[2] | d[3] << 8;
    r = usb_get_string(h, index, langid, (char *)d, sizeof d);
    if (r < 0)
        return r;
    if (d[1] != USB_DT_STRING || d[0] > r)
        return fail(-EIO, "usb_get_string_simple: malformed string descriptor");
    size_t k = 0;
    for (int i = 2; i + 1 < d[0] && k + 1 < buflen; i += 2)
        buf[k++] = (d[i + 1] || d[i] > 0x7f) ? '?' : (char)d[i];
    buf[k] = '\0';
    return (int)k;
}

/* Every request, standard ones included, goes to the emulated chip: its
 * default pipe answers descriptors and configuration requests itself. */
int usb_control_msg(usb_dev_handle *h, int requesttype, int request, int value, int index,
                    char *bytes, int size, int timeout)
{
    if (!h)
        return fail(-EINVAL, "usb_control_msg: no handle");
    if (size < 0 || size > 0xffff || (size > 0 && !bytes))
        return fail(-EINVAL, "usb_control_msg: bad buffer (%d bytes)", size);
    trace("usb_control_msg type 0x%02x req 0x%02x value 0x%04x index 0x%04x len %d",
          requesttype & 0xff, request & 0xff, value & 0xffff, index & 0xffff, size);
    int r = emu_control(h->node->emu, (uint8_t)requesttype, (uint8_t)request, (uint16_t)value,
                        (uint16_t)index, (uint8_t *)bytes, (uint16_t)size,
                        timeout < 0 ? 0 : (unsigned)timeout);
    return r < 0 ? emu_fail(r, "usb_control_msg") : r;
}

static int bulk(usb_dev_handle *h, int ep, char *bytes, int size, int timeout, const char *call)
{
    if (!h)
        return fail(-EINVAL, "%s: no handle", call);
    if (size < 0 || (size > 0 && !bytes))
        return fail(-EINVAL, "%s: bad buffer (%d bytes)", call, size);
    if (!valid_endpoint(h->node, (unsigned)ep))
        return loud(-EINVAL, "bulk transfer on an endpoint the device does not have");
    int iface = ((ep & 0x0f) - 1) / 2;
    if (!(h->claimed & (1u << iface)))
        fprintf(stderr, "emulator (libusb-0.1): warning: %s on endpoint 0x%02x of an "
                "unclaimed interface\n", call, (unsigned)ep);
    int r = emu_bulk(h->node->emu, (uint8_t)ep, (uint8_t *)bytes, size,
                     timeout < 0 ? 0 : (unsigned)timeout);
    trace("%s ep 0x%02x len %d -> %d", call, (unsigned)ep, size, r);
    return r < 0 ? emu_fail(r, call) : r;
}

/* As libusb-0.1 on Linux does: the direction bit follows the call, whatever
 * the caller put in ep. */
int usb_bulk_write(usb_dev_handle *h, int ep, const char *bytes, int size, int timeout)
{
    return bulk(h, ep & ~USB_ENDPOINT_IN, (char *)bytes, size, timeout, "usb_bulk_write");
}

int usb_bulk_read(usb_dev_handle *h, int ep, char *bytes, int size, int timeout)
{
    return bulk(h, ep | USB_ENDPOINT_IN, bytes, size, timeout, "usb_bulk_read");
}

int usb_interrupt_write(usb_dev_handle *h, int ep, const char *bytes, int size, int timeout)
{
    (void)h, (void)bytes, (void)size, (void)timeout;
    (void)ep;
    return loud(-EINVAL, "usb_interrupt_write: the emulated FTDI chip has no interrupt endpoints");
}

int usb_interrupt_read(usb_dev_handle *h, int ep, char *bytes, int size, int timeout)
{
    (void)h, (void)bytes, (void)size, (void)timeout;
    (void)ep;
    return loud(-EINVAL, "usb_interrupt_read: the emulated FTDI chip has no interrupt endpoints");
}
