/* The protocol seam: what the session asks of a programming protocol, as a
 * struct of functions with two implementations, ISP (ftisp/isp.h) and TPI
 * (ftisp/tpi.h), chosen by the part (ft_part.protocol). The functions mean
 * what their ft_isp_* namesakes in isp.h say. */
#ifndef FTISP_PROTO_H
#define FTISP_PROTO_H

#include <stdbool.h>
#include <stdint.h>

#include "ftisp/err.h"
#include "ftisp/isp.h"
#include "ftisp/partdb.h"
#include "ftisp/wire.h"

typedef struct ft_proto_ops {
    const char *name;                          /* "ISP", "TPI" */
    void (*free)(void *impl);
    void (*set_progress)(void *impl, ft_progress_fn fn, void *ctx);
    int (*enable)(void *impl, uint32_t sck_hz, uint32_t floor_hz, uint32_t *used_hz, ft_err *err);
    int (*probe)(void *impl, uint32_t sck_hz, uint8_t sig[3], ft_err *err);
    int (*leave)(void *impl, ft_err *err);
    uint32_t (*set_sck)(void *impl, uint32_t hz);
    int (*read_signature)(void *impl, uint8_t sig[3], ft_err *err);
    int (*chip_erase)(void *impl, ft_err *err);
    int (*read_flash)(void *impl, uint32_t addr, uint8_t *buf, uint32_t n, ft_err *err);
    int (*read_eeprom)(void *impl, uint32_t addr, uint8_t *buf, uint32_t n, ft_err *err);
    int (*write_flash_pages)(void *impl, const uint8_t *data, const uint32_t *pages, uint32_t npages,
                             ft_err *err);
    int (*write_eeprom)(void *impl, uint32_t addr, const uint8_t *data, const uint8_t *mask, uint32_t n,
                        ft_err *err);
    int (*read_fuse)(void *impl, int index, uint8_t *v, ft_err *err);
    int (*write_fuse)(void *impl, int index, uint8_t v, ft_err *err);
    int (*read_lock)(void *impl, uint8_t *v, ft_err *err);
    int (*write_lock)(void *impl, uint8_t v, ft_err *err);
    int (*read_calibration)(void *impl, int index, uint8_t *v, ft_err *err);
    /* n bytes of data space from addr (TPI: SLD over the whole 16-bit data
     * space; ISP has none: FT_E_USAGE). */
    int (*read_data)(void *impl, uint32_t addr, uint8_t *buf, uint32_t n, ft_err *err);
    /* The clock this protocol always runs at, whatever the target's clock
     * (TPI); 0: chosen from the target's clock (ISP, session_clock.c). */
    uint32_t fixed_hz;
    /* ft_isp_batch; NULL: reads are not batched (each waits for itself). */
    int (*batch)(void *impl, bool open, ft_err *err);
} ft_proto_ops;

typedef struct ft_proto ft_proto;

/* The protocol the part speaks, on w (every bridge carries both: the dry
 * bridge decodes ISP instructions and TPI frames alike). */
int ft_proto_new(ft_proto **out, ft_wire *w, const ft_part *p, ft_err *err);
void ft_proto_free(ft_proto *pr);
const char *ft_proto_name(const ft_proto *pr);
uint32_t ft_proto_fixed_hz(const ft_proto *pr);
void ft_proto_set_progress(ft_proto *pr, ft_progress_fn fn, void *ctx);

int ft_proto_enable(ft_proto *pr, uint32_t sck_hz, uint32_t floor_hz, uint32_t *used_hz, ft_err *err);
int ft_proto_probe(ft_proto *pr, uint32_t sck_hz, uint8_t sig[3], ft_err *err);
int ft_proto_leave(ft_proto *pr, ft_err *err);
uint32_t ft_proto_set_sck(ft_proto *pr, uint32_t hz);
int ft_proto_read_signature(ft_proto *pr, uint8_t sig[3], ft_err *err);
int ft_proto_chip_erase(ft_proto *pr, ft_err *err);
int ft_proto_read_flash(ft_proto *pr, uint32_t addr, uint8_t *buf, uint32_t n, ft_err *err);
int ft_proto_read_eeprom(ft_proto *pr, uint32_t addr, uint8_t *buf, uint32_t n, ft_err *err);
int ft_proto_write_flash_pages(ft_proto *pr, const uint8_t *data, const uint32_t *pages, uint32_t npages,
                               ft_err *err);
int ft_proto_write_eeprom(ft_proto *pr, uint32_t addr, const uint8_t *data, const uint8_t *mask, uint32_t n,
                          ft_err *err);
int ft_proto_read_fuse(ft_proto *pr, int index, uint8_t *v, ft_err *err);
int ft_proto_write_fuse(ft_proto *pr, int index, uint8_t v, ft_err *err);
int ft_proto_read_lock(ft_proto *pr, uint8_t *v, ft_err *err);
int ft_proto_write_lock(ft_proto *pr, uint8_t v, ft_err *err);
int ft_proto_read_calibration(ft_proto *pr, int index, uint8_t *v, ft_err *err);
int ft_proto_read_data(ft_proto *pr, uint32_t addr, uint8_t *buf, uint32_t n, ft_err *err);
/* Opens or closes a batch of reads (ft_isp_batch); a protocol without
 * batches reads at once, and both calls return FT_OK. */
int ft_proto_batch(ft_proto *pr, bool open, ft_err *err);

#endif
