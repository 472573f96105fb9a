/* What the TPI files share: the session state and the transfer helpers. */
#ifndef FTISP_TPI_PRIV_H
#define FTISP_TPI_PRIV_H

#include "ftisp/tpi.h"

enum tpi_pre { TPI_PRE_CONFIG, TPI_PRE_LOCK, TPI_PRE_CAL, TPI_PRE_KINDS };

enum tpi_busy { TPI_BUSY_WORD, TPI_BUSY_ERASE, TPI_BUSY_CONFIG, TPI_BUSY_KINDS };

typedef struct tpi_answer {
    size_t from;              /* bit where its window starts */
    uint8_t *dst;
} tpi_answer;

/* A poll group in flight: its bytes and what came back. */
typedef struct tpi_slot {
    ft_tpi_bits out;
    uint8_t *in;
    size_t incap;
} tpi_slot;

struct ft_tpi {
    ft_wire *w;
    const ft_part *p;
    ft_progress_fn progress;
    void *pctx;
    bool enabled;
    ft_tpi_bits out;          /* the transfer being built */
    uint8_t *in;
    size_t incap;
    tpi_answer *ans;
    size_t nans, capans;
    uint32_t learned_polls[TPI_BUSY_KINDS];
    uint32_t learned_hz[TPI_BUSY_KINDS];
    tpi_slot slot[3];
    int next_slot;
    /* read together with the signature (one USB round trip instead of
     * four): each served once, to the next read of it; dropped by any NVM
     * write or erase, and by entering or leaving programming mode */
    uint8_t pre[TPI_PRE_KINDS];
    unsigned pre_ok;          /* bit k: pre[k] not served yet */
    /* NVMCMD read back WORD_WRITE after a word write finished (checked once
     * per session): the command need not be sent before each word */
    bool cmd_checked, cmd_kept;
};

int tpi_wire_status(ft_tpi *t, ft_err *err);
/* Queues a frame; an instruction that answers, with its answer window. */
void tpi_frame(ft_tpi *t, uint8_t v);
void tpi_ask(ft_tpi *t, uint8_t ins, uint8_t *dst);
void tpi_set_pointer(ft_tpi *t, uint16_t addr);
void tpi_sout(ft_tpi *t, uint8_t io, uint8_t v);
/* Shifts what is queued, waits, decodes the answers. */
int tpi_run(ft_tpi *t, ft_err *err);
/* With a write or erase queued: sends it with the first NVMBSY polls and
 * returns once the target is ready again. */
int tpi_wait_ready(ft_tpi *t, int kind, uint32_t delay_us, ft_err *err);
void tpi_progress(ft_tpi *t, uint32_t done, uint32_t total);
int tpi_need_enabled(ft_tpi *t, ft_err *err);

#endif
