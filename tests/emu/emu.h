/* The emulated USB devices (FT232H/FT2232H/FT4232H wired to AVR targets) as
 * both USB front ends see them: libusb-1.0 (emu_usb1.c) and libusb-0.1
 * (emu_usb0.c) translate their API onto these calls. Shares no code with
 * src/ except the chip database (partdb). */
#ifndef EMU_H
#define EMU_H

#include <stdint.h>

/* Errors, numbered as libusb-1.0's; the 0.1 front end maps them to -errno. */
enum {
    EMU_ERR_IO = -1,
    EMU_ERR_INVALID = -2,
    EMU_ERR_NO_DEVICE = -4,
    EMU_ERR_NOT_FOUND = -5,
    EMU_ERR_TIMEOUT = -7,
    EMU_ERR_OVERFLOW = -8,
    EMU_ERR_PIPE = -9,
    EMU_ERR_NOT_SUPPORTED = -12,
};

typedef struct emu_dev emu_dev;

typedef struct emu_devinfo {
    uint16_t vid, pid, bcd_device;
    uint8_t bus, address;
    int interfaces;               /* 1 on FT232H, 2 on FT2232H/FT4232H (MPSSE on A/B) */
    int max_packet;               /* 512 */
    const char *manufacturer, *product, *serial;
} emu_devinfo;

/* Reads the settings (environment) once; safe to call many times. */
void emu_init(void);
int emu_count(void);                       /* devices currently plugged in */
emu_dev *emu_get(int i);
void emu_info(emu_dev *d, emu_devinfo *out);

/* A vendor or standard control request. Returns bytes transferred or an
 * EMU_ERR_*. interface is 0-based (A=0, B=1) and comes from wIndex for FTDI
 * vendor requests. */
int emu_control(emu_dev *d, uint8_t reqtype, uint8_t req, uint16_t value,
                uint16_t index, uint8_t *data, uint16_t len, unsigned timeout_ms);

/* A bulk transfer on endpoint ep (bit 7 set: IN). OUT returns bytes
 * accepted; IN returns bytes delivered including the 2 status bytes of each
 * 512-byte packet. Timeout 0 means wait forever (which the emulator turns
 * into an error after a long modeled wait rather than hang). */
int emu_bulk(emu_dev *d, uint8_t ep, uint8_t *data, int len, unsigned timeout_ms);

/* Additions (libusb-1.0 front end; usable by any front end):
 * A descriptor (1 device, 2 configuration 0, 3 string) as the host cached
 * it at enumeration: no USB traffic, works after unplug. Bytes or EMU_ERR_*. */
int emu_descriptor(emu_dev *d, uint8_t type, uint8_t index, uint8_t *buf, int len);
/* emu_bulk with the partial count of a failed transfer (libusb-1.0 style):
 * returns 0 or EMU_ERR_*, *transferred gets the bytes moved either way. */
int emu_bulk2(emu_dev *d, uint8_t ep, uint8_t *data, int len, unsigned timeout_ms, int *transferred);
/* Writes the FTEMU_OUT dumps now (also done at exit); call at close/exit. */
void emu_dump(void);

#endif
