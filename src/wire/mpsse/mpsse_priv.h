/* What the two halves of the MPSSE layer share: mpsse.c opens, configures and
 * closes the adapter; mpsse_queue.c batches commands and routes replies. */
#ifndef FTISP_MPSSE_PRIV_H
#define FTISP_MPSSE_PRIV_H

#include <ftdi.h>

#include "ftisp/mpsse.h"

/* MPSSE opcodes (FTDI AN_108). */
enum {
    MP_SET_LOW = 0x80, MP_GET_LOW = 0x81, MP_SET_HIGH = 0x82,
    MP_LOOPBACK_OFF = 0x85, MP_DIVISOR = 0x86, MP_SEND_IMMEDIATE = 0x87,
    MP_DIV5_OFF = 0x8A, MP_3PHASE_OFF = 0x8D, MP_ADAPTIVE_OFF = 0x97,
    MP_SHIFT_OUT = 0x11,      /* bytes out, MSB first, -ve edge */
    MP_SHIFT_INOUT = 0x31,    /* and read on +ve edge: SPI mode 0 */
};

/* The chips with an MPSSE, ended by a zero pid: opened in this order when
 * no pid is given, named in messages, and the bridge's (ft_bridge.chips). */
extern const ft_wire_chip mp_chips[];

#define MP_PIN_SCK 0x01
#define MP_PIN_SDO 0x02
#define MP_BASE_HZ 60000000u

typedef struct mp_batch {
    uint64_t id;
    uint32_t replies;
    uint64_t spi_bytes;
} mp_batch;

typedef struct mp_dst {
    uint8_t *p;               /* NULL: reply is read and dropped */
    uint32_t n;
} mp_dst;

struct ft_mpsse {
    struct ftdi_context *ftdi;
    bool usb_open;
    bool released;            /* ft_mpsse_release done: RESET high, pins inputs */
    ft_mpsse_opts o;
    size_t fifo;
    uint32_t sck;
    uint8_t lo_val, lo_dir, hi_val, hi_dir;

    /* the batch being built */
    uint8_t *cmd;
    size_t ncmd, cmdcap;
    size_t last_at;           /* offset of the last shift command's opcode */
    uint8_t last_op;          /* 0: last command was not a mergeable shift */
    uint32_t last_len;
    uint32_t batch_replies;
    uint64_t batch_spi;

    /* reply destinations of sent and unsent batches, oldest first */
    mp_dst *dst;
    size_t dst_head, ndst, dstcap;

    /* sent batches whose replies are still to be read, oldest first */
    mp_batch *seg;
    size_t seg_head, nseg, segcap;
    uint32_t outstanding;
    uint64_t next_id, last_id;
    bool unsynced;            /* bytes written since the last reply came back */

    uint8_t *rbuf;
    int hold_interrupts;      /* > 0: a busy target's wait; signals wait too */
    ft_err err;
    ft_mpsse_stats st;
    ft_mpsse_trace_fn trace;
    void *trace_ctx;
    char desc[192], serial[64];
};

/* Records the sticky error (first one wins) and returns its code. */
int mp_fail(ft_mpsse *m, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Appends raw command bytes to the batch being built. */
void mp_put(ft_mpsse *m, const uint8_t *b, size_t n);
/* A -vv line to the trace callback, if one is set. */
void mp_trace(ft_mpsse *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void mp_set_pins(ft_mpsse *m);
/* Queues a GPIO read whose reply is dropped: makes a flush a barrier. */
void mp_put_probe(ft_mpsse *m);
uint64_t mp_monotonic_us(void);

#endif
