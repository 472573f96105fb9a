/* Fuses in words: what each setting of a fuse or lock byte means, in
 * ftisp's own words, for the diagnosis, -v, the fuse-safety messages and the
 * terminal. Built on the chip database only (partdb): no printing, no chip. */
#ifndef FTISP_FUSE_WORDS_H
#define FTISP_FUSE_WORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ftisp/partdb.h"

/* Where the clock comes from. The internal kinds are always on the chip;
 * the others need something on the board. */
enum ft_source_kind {
    FT_SRC_UNKNOWN,
    FT_SRC_RC,              /* internal calibrated RC oscillator */
    FT_SRC_RC_LOW,          /* internal 128 kHz (watchdog / ultra-low-power) oscillator */
    FT_SRC_PLL,             /* internal PLL (from the internal RC) */
    FT_SRC_CRYSTAL,         /* external crystal or ceramic resonator */
    FT_SRC_WATCH_CRYSTAL,   /* external 32.768 kHz crystal */
    FT_SRC_EXT_CLOCK,       /* a clock signal driven into XTAL1/CLKI */
    FT_SRC_EXT_RC,          /* an external RC network */
};

typedef struct ft_source {
    enum ft_source_kind kind;
    uint32_t min_hz, max_hz;  /* the range the setting allows; 0: not known / no bound */
    const char *value_name;   /* the clock setting's value name, NULL if none */
} ft_source;

/* The source the fuses select: from the part's clock table (ft_clock) and
 * the clock setting's value name (sut_cksel or cksel). kind FT_SRC_UNKNOWN
 * when neither says. */
void ft_fuse_source(const ft_part *p, const uint8_t fuses[FT_MAX_FUSES], ft_source *out);
/* Internal oscillators: selecting one never needs anything on the board. */
bool ft_source_internal(enum ft_source_kind kind);
/* "an external crystal or resonator of 8 MHz or more", "the internal 8 MHz
 * RC oscillator", ... */
void ft_source_words(const ft_source *s, char *buf, size_t len);

/* One line of explanation: the setting it explains and what its value means. */
typedef struct ft_words_line {
    char label[24];           /* "clock source", "brown-out", "BOOTSZ" ... */
    char text[200];
} ft_words_line;

/* Every setting of byte f in words, with the chip's bytes (fuses by index,
 * lock at FT_LOCK_BYTE). Returns how many lines it stored (at most max). A
 * part without named settings gets one line per bit group instead. */
int ft_fuse_words(const ft_part *p, const ft_fuse *f, const uint8_t bytes[FT_CONFIG_BYTES],
                  ft_words_line *out, int max);

/* One setting in words (1 or 2 lines: the clock setting also gives its
 * start-up time), e.g. for the terminal's config -v. */
int ft_setting_words(const ft_part *p, const ft_fuse *f, const ft_setting *s,
                     const uint8_t bytes[FT_CONFIG_BYTES], ft_words_line *out, int max);

#endif
