/* Fuzzes the EEPROM journal reader (src/session/session_eeprom.c): the
 * journal a cut-off run leaves in the state directory is read back by the
 * next run, so it is input like any file on the command line. The input is
 * a journal file as read from disk (format 2 carries its EEPROM copy inside,
 * binary); for format 1, the text up to a NUL is the journal and the bytes
 * after it its separate copy file. Invariants: no crash; a parsed journal has
 * its fields in range; a format-2 journal is accepted only at the length its
 * header implies, with its copy matching the recorded size and SHA-256; a
 * separate copy is accepted only at the journal's size. */
#include "../../src/session/session_priv.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fields_in_range(const ses_journal *j)
{
    if (!j->part[0] || j->nfuses < 0 || j->nfuses > 3 || j->efi < -1 || j->efi > 2 || j->size == 0 ||
        j->size > SES_JOURNAL_EEPROM_MAX || strlen(j->sha) != 64 || (j->version != 1 && j->version != 2))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* the whole input as a journal file, on the heap at its exact size so a
     * read past it is caught */
    char *file = malloc(size ? size : 1);
    if (!file)
        return 0;
    memcpy(file, data, size);
    ses_journal j;
    int rc = ses_journal_parse(file, size, &j);
    if (rc == 0) {
        fields_in_range(&j);
        if (j.version == 2 && (j.length != size || j.data_off + j.size + 69 != size ||
                               ses_journal_check_copy(&j, (const uint8_t *)file + j.data_off, j.size) != 0))
            abort();
        if (j.version == 1 && j.copy[0] != '/')
            abort();
    } else if (rc != SES_JOURNAL_BAD && rc != SES_JOURNAL_LENGTH && rc != SES_JOURNAL_CHECKSUM) {
        abort();
    }
    free(file);

    /* format 1: text, NUL, the separate copy */
    const uint8_t *nul = memchr(data, '\0', size);
    if (!nul)
        return 0;
    size_t tlen = (size_t)(nul - data);
    char *text = malloc(tlen ? tlen : 1);
    if (!text)
        return 0;
    memcpy(text, data, tlen);
    if (ses_journal_parse(text, tlen, &j) == 0 && j.version == 1) {
        fields_in_range(&j);
        if (j.copy[0] != '/')
            abort();
        size_t clen = size - tlen - 1;
        uint8_t *copy = malloc(clen ? clen : 1);
        if (copy) {
            memcpy(copy, nul + 1, clen);
            if (ses_journal_check_copy(&j, copy, clen) == 0 && clen != j.size)
                abort();
            free(copy);
        }
    }
    free(text);
    return 0;
}
