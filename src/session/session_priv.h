/* The session: one target in programming mode, shared by the files that
 * carry out a plan: session.c enters programming mode and checks the chip,
 * session_clock.c chooses SCK, session_read.c reads and verifies,
 * session_erase.c decides on and does the erase, session_eeprom.c keeps
 * the EEPROM through it, session_run.c runs the
 * operations, session_diagnose.c explains the chip. */
#ifndef FTISP_SESSION_PRIV_H
#define FTISP_SESSION_PRIV_H

#include "ftisp/plan.h"
#include "ftisp/proto.h"
#include "ftisp/session.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ft_session {
    const ft_plan *plan;
    ft_result *res;           /* what the run did, filled here */
    const ft_part *part;
    ft_wire *w;
    ft_proto *proto;
    const ft_plan_events *ev;
    ft_err *err;
    uint8_t fuses[FT_MAX_FUSES];
    bool have_fuses;
    uint8_t lock;
    bool have_lock;
    /* signature, fuses and lock as held were each read twice with the same
     * result, the last time at sck_hz (ses_settle_clock) */
    bool identity_agreed;
    uint32_t sck_hz;
    /* What a look at the chip before erasing found for the flash write. */
    enum { FLASH_PLAN_ERASE, FLASH_PLAN_NOTHING, FLASH_PLAN_CHANGED } flash_plan;
    uint8_t *chip;            /* flash as read, when flash_plan != ERASE */
    char phase_what[64];      /* the phase under way, and the adapter's */
    ft_wire_stats phase_st;  /* counters when it began (-vv) */
} ft_session;

/* The result of a plan operation, by the operation. */
static inline ft_op_result *ses_res(const ft_session *r, const ft_op *op)
{
    return &r->res->ops[op - r->plan->ops];
}

/* session.c */
double ses_now(void);
void ses_note(ft_session *r, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void ses_phase(ft_session *r, const char *what, uint32_t total);
void ses_phase_end(ft_session *r, int status, double t0);
const char *ses_pname(const ft_part *p);
bool ses_field_programmed(const ft_part *p, const uint8_t *fuses, const char *name);
int ses_check_signature(ft_session *r);
int ses_enter(ft_session *r, uint32_t sck);
int ses_confirm_fuses(ft_session *r);
int ses_start(ft_session *r, const ft_plan *plan, ft_result *res, ft_wire *w, const ft_plan_events *ev,
              ft_err *err);
void ses_finish(ft_session *r);

/* session_clock.c: enters programming mode (at start, or -B/-b), reads the
 * signature, fuses, lock and calibration at a clock their own fuses prove
 * safe, then raises SCK to the fastest the fuses prove safe and confirms it by
 * reading all of them again (with -B/-b: warns, and confirms against a read
 * at the safe clock). Nothing is erased or written before it returns FT_OK. */
int ses_settle_clock(ft_session *r, uint32_t start);
/* The same after fuse writes, which take effect on entering again (the
 * caller has left programming mode). */
int ses_reenter_after_fuses(ft_session *r);

/* session_read.c */
#define SES_READS_MAX 4
int ses_read_checked(ft_session *r, int kind, int fi, uint32_t addr, uint8_t *buf, uint32_t n);
int ses_read_mem(ft_session *r, int kind, int fi, uint32_t addr, uint8_t *buf, uint32_t n);
uint8_t ses_writable_mask(const ft_part *p, int kind, int fi);
uint32_t ses_image_start(const ft_image *img, uint32_t align);
int ses_verify_image(ft_session *r, const ft_op *op, int kind, int fi, const ft_image *want);
/* The phase of that verify: "the file's range", or the gaps not read. */
void ses_verify_phase(ft_session *r, const char *memory, const ft_image *want);
void ses_image_sha(const ft_image *img, uint32_t lo, uint8_t out[32]);
void ses_flash_bytes(const ft_image *img, uint8_t *buf, uint32_t size);

/* session_diagnose.c: every fuse and lock setting in words, at note level. */
void ses_explain_fuses(ft_session *r, int level);

/* session_erase.c */
int ses_look_before_erase(ft_session *r);
int ses_erase(ft_session *r);

/* session_eeprom.c: the automatic erase with the EEPROM kept (EESAVE, or a
 * copy on disk written back), with a journal so that a run cut off midway
 * is finished by the next run (ses_keep_recover, before anything else). */
int ses_erase_keeping(ft_session *r);
int ses_keep_recover(ft_session *r);

/* A journal as written by ses_erase_keeping ("ftisp-journal 1"), parsed
 * from its text; exposed for the fuzz target (tests/fuzz/fuzz_journal.c). */
#define SES_JOURNAL_MAX 2048            /* a journal longer than this is not one */
#define SES_JOURNAL_EEPROM_MAX 65536    /* no AVR has a larger EEPROM */
typedef struct ses_journal {
    char part[32];
    uint8_t signature[3];
    int nfuses;
    uint8_t fuses[3];
    int efi;                /* EESAVE's fuse index, -1 none */
    uint8_t emask;
    uint32_t size;          /* the copy's size in bytes */
    char sha[65];           /* the copy's SHA-256, lowercase hex */
    char copy[512];         /* absolute path of the copy */
} ses_journal;
/* 0 when text holds a whole, well-formed journal; -1 otherwise. */
int ses_journal_parse(const char *text, size_t len, ses_journal *j);
/* 0 when data is the copy j describes (its size and SHA-256). */
int ses_journal_check_copy(const ses_journal *j, const uint8_t *data, size_t len);

#endif
