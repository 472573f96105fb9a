/* What the ISP files share: the session state, instruction helpers and the
 * RDY/BSY wait. */
#ifndef FTISP_ISP_PRIV_H
#define FTISP_ISP_PRIV_H

#include "ftisp/isp.h"

enum isp_busy { ISP_BUSY_FLASH, ISP_BUSY_EEPROM, ISP_BUSY_ERASE, ISP_BUSY_FUSE, ISP_BUSY_KINDS };

struct ft_isp {
    ft_wire *w;
    const ft_part *p;
    ft_progress_fn progress;
    void *pctx;
    bool enabled;
    bool batching;                 /* ft_isp_batch open: reads queue, no flush */
    int ext;                       /* Load Extended Address byte in force, -1: unknown */
    /* busy time last seen per kind, as polls at SCK learned_sck */
    uint32_t learned_polls[ISP_BUSY_KINDS];
    uint32_t learned_sck[ISP_BUSY_KINDS];
    /* reply bytes of in-flight Poll RDY/BSY groups; rotating slots so a group
     * still in flight from the last wait is never overwritten early */
    uint8_t *pollbuf;
    uint32_t pollslot_size;
    int next_slot;
};

/* Takes the wire's sticky error into err; returns its code. */
int isp_wire_status(ft_isp *isp, ft_err *err);
/* The end of a read: flushes and takes the wire's error, or, inside a
 * batch, leaves both to ft_isp_batch's close. */
int isp_read_done(ft_isp *isp, ft_err *err);
/* Queues one 4-byte instruction; the fourth reply byte goes to *out if not NULL. */
void isp_cmd(ft_isp *isp, uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint8_t *out);
/* Queues Load Extended Address if the byte for this word address changes. */
void isp_ext_addr(ft_isp *isp, uint32_t word);
/* Called with a write or erase instruction queued: sends it and returns when
 * the target is ready again, polling RDY/BSY where the part can, otherwise
 * waiting delay_us after the instruction has been shifted. */
int isp_wait_ready(ft_isp *isp, int kind, uint32_t delay_us, ft_err *err);
void isp_progress(ft_isp *isp, uint32_t done, uint32_t total);
int isp_need_enabled(ft_isp *isp, ft_err *err);

#endif
