/* Fuzzes the terminal: each input line is a command run against a dry
 * ATmega-like chip (no files: inputs naming paths are skipped), so the
 * command-line splitter, the data items, addresses and config all see
 * arbitrary text. Invariants: no crash, an error always has a message. */
#include "ftisp/term.h"
#include "ftisp/wire.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* save, backup and restore make files: keep them in a directory of their
 * own, removed at exit. */
static char workdir[] = "/tmp/fuzz_term.XXXXXX";

static void cleanup(void)
{
    /* inputs cannot name a path with '/': only plain files in workdir */
    DIR *d = opendir(workdir);
    for (struct dirent *e; d && (e = readdir(d)) != NULL;)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            unlinkat(dirfd(d), e->d_name, 0);
    if (d)
        closedir(d);
    rmdir(workdir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    if (!mkdtemp(workdir) || chdir(workdir) != 0)
        abort();
    atexit(cleanup);
    return 0;
}

static const ft_setting_value EESAVE[] = {{0x00, "ee_preserved"}, {0x08, "ee_erased"}};
static const ft_setting_value SUT[] = {{0x00, "sut_a"}, {0x10, "sut_b"}, {0x20, "sut_c"}};

static void part(ft_part *p)
{
    memset(p, 0, sizeof *p);
    strcpy(p->id, "fz");
    strcpy(p->name, "FuzzPart");
    p->signature[0] = 0x1e;
    p->flash = (ft_mem){.size = 512, .page_size = 64};
    p->eeprom = (ft_mem){.size = 64, .page_size = 4, .paged = true};
    p->has_rdybsy = true;
    p->nfuses = 2;
    p->fuses[0] = (ft_fuse){.name = "lfuse", .index = 0, .writable = 0xff, .factory = 0x62, .nfields = 2,
                            .fields = {{"CKSEL", 0x0f}, {"SUT", 0x30}}};
    p->fuses[1] = (ft_fuse){.name = "hfuse", .index = 1, .writable = 0xff, .factory = 0xd9, .nfields = 2,
                            .fields = {{"EESAVE", 0x08}, {"SPIEN", 0x20}}};
    /* named settings on the high fuse (the config path), none on the low
     * one's neighbours: both config paths get fuzzed */
    p->fuses[1].nsettings = 1;
    p->fuses[1].settings[0] = (ft_setting){.name = "eesave", .mask = 0x08, .factory = 0x08, .nvalues = 2,
                                           .values = EESAVE};
    p->fuses[0].nsettings = 1;
    p->fuses[0].settings[0] = (ft_setting){.name = "sut", .mask = 0x30, .factory = 0x20, .nvalues = 3,
                                           .values = SUT};
    p->lock = (ft_fuse){.name = "lock", .writable = 0x3f, .factory = 0xff, .nfields = 1, .fields = {{"LB", 0x03}}};
    p->calibration_bytes = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096 || memchr(data, '/', size) || memchr(data, '\0', size))
        return 0;
    char *buf = malloc(size + 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    static ft_part p;
    part(&p);
    ft_wire *dry;
    ft_wire_opts wo;
    ft_wire_opts_default(&wo);
    wo.part = &p;
    ft_err err = {0};
    if (ft_wire_open(&dry, "dryrun", &wo, &err) != FT_OK)
        abort();
    FILE *devnull = fopen("/dev/null", "w");
    ft_out out;
    ft_out_init(&out, devnull, -5);
    ft_term_target tg = {.part = &p, .w = dry, .out = &out};
    ft_term *t;
    if (ft_term_new(&t, &tg, devnull, &err) != FT_OK)
        abort();
    for (char *save = NULL, *line = strtok_r(buf, "\n", &save); line && !ft_term_quit_asked(t);
         line = strtok_r(NULL, "\n", &save)) {
        ft_err e = {0};
        if (ft_term_exec(t, line, &e) != FT_OK && !e.msg[0])
            abort();
    }
    ft_err e = {0};
    ft_term_flush(t, &e);
    ft_term_free(t);
    ft_wire_close(dry);
    fclose(devnull);
    free(buf);
    return 0;
}
