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
    struct ses_bg *keep_bg;   /* a sync that makes a journal's removal durable (session_eeprom.c) */
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
/* Waits for the sync that makes the removal of this run's journal durable
 * (ses_erase_keeping lets it run while the flash is written): called before
 * any write other than the flash's, and at the end of the run. FT_OK, or
 * FT_E_UNSAFE when it failed: set in err, or said as a warning if err is
 * NULL. */
int ses_keep_settle(ft_session *r, ft_err *err);

/* A journal as written by ses_erase_keeping ("ftisp-journal 2": a text
 * header, the EEPROM's copy, a SHA-256 of both) or by earlier versions
 * ("ftisp-journal 1": text naming a separate copy file), parsed from the
 * file's bytes; exposed for the fuzz target (tests/fuzz/fuzz_journal.c). */
#define SES_JOURNAL_MAX 2048            /* a journal's text (format 2: header) is not longer */
#define SES_JOURNAL_EEPROM_MAX 65536    /* no AVR has a larger EEPROM */
#define SES_JOURNAL_FILE_MAX (SES_JOURNAL_MAX + SES_JOURNAL_EEPROM_MAX + 69)
#define SES_JOURNAL_BAD (-1)            /* ses_journal_parse: not a journal */
#define SES_JOURNAL_LENGTH (-2)         /* format 2, not as long as its header says (j->length) */
#define SES_JOURNAL_CHECKSUM (-3)       /* format 2, its SHA-256 does not match */
typedef struct ses_journal {
    int version;            /* 1 or 2 */
    char part[32];
    uint8_t signature[3];
    int nfuses;
    uint8_t fuses[3];
    int efi;                /* EESAVE's fuse index, -1 none */
    uint8_t emask;
    uint32_t size;          /* the copy's size in bytes */
    char sha[65];           /* the copy's SHA-256, lowercase hex */
    char copy[512];         /* format 1: absolute path of the copy */
    size_t data_off;        /* format 2: where the copy starts in the file ... */
    size_t length;          /* ... and the file's length its header implies */
} ses_journal;
/* 0 when the bytes are a whole, well-formed journal (format 2: its copy
 * inside, size and checksums checked); SES_JOURNAL_* otherwise. */
int ses_journal_parse(const char *text, size_t len, ses_journal *j);
/* 0 when data is the copy j describes (its size and SHA-256). */
int ses_journal_check_copy(const ses_journal *j, const uint8_t *data, size_t len);

#endif
