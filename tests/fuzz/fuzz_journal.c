/* Fuzzes the EEPROM journal reader (src/session/session_eeprom.c): the
 * journal a cut-off run leaves in the state directory is read back by the
 * next run, so it is input like any file on the command line. The input is
 * the journal's text, then optionally a NUL and the bytes of its EEPROM copy.
 * Invariants: no crash; a parsed journal has its fields in range; a copy is
 * accepted only at the journal's size. */
#include "../../src/session/session_priv.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, '\0', size);
    size_t tlen = nul ? (size_t)(nul - data) : size;
    /* the text on the heap at its exact size, so a read past it is caught */
    char *text = malloc(tlen ? tlen : 1);
    if (!text)
        return 0;
    memcpy(text, data, tlen);
    ses_journal j;
    if (ses_journal_parse(text, tlen, &j) == 0) {
        if (!j.part[0] || j.nfuses < 0 || j.nfuses > 3 || j.efi < -1 || j.efi > 2 || j.size == 0 ||
            j.size > SES_JOURNAL_EEPROM_MAX || strlen(j.sha) != 64 || j.copy[0] != '/')
            abort();
        if (nul) {
            size_t clen = size - tlen - 1;
            uint8_t *copy = malloc(clen ? clen : 1);
            if (copy) {
                memcpy(copy, nul + 1, clen);
                if (ses_journal_check_copy(&j, copy, clen) == 0 && clen != j.size)
                    abort();
                free(copy);
            }
        }
    }
    free(text);
    return 0;
}
