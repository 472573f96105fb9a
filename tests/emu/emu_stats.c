/* What a run did, for tests and benchmarks: memory dumps and stats.json in
 * FTEMU_OUT, written at close, at libusb_exit and at process exit. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "emu_internal.h"

emu_stats emu_st;

const char *const emu_instr_names[I_COUNT] = {
    "prog_enable", "chip_erase", "poll", "load_ext_addr", "load_page", "write_page", "read_flash",
    "load_ee_page", "write_ee_page", "write_ee_byte", "read_eeprom", "read_lock", "read_signature",
    "read_calibration", "read_fuse", "write_fuse", "write_lock", "unknown",
};

int emu_ndevs_all(void);
emu_dev *emu_dev_at(int i);

static double sec(emu_ns t)
{
    return (double)t / EMU_S;
}

static void write_json(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        emu_warn("%s: cannot write", path);
        return;
    }
    const emu_stats *s = &emu_st;
    fprintf(f, "{\n  \"transfers_out\": %ld,\n  \"transfers_in\": %ld,\n  \"control_transfers\": %ld,\n",
            s->transfers_out, s->transfers_in, s->controls);
    fprintf(f, "  \"bytes_out\": %ld,\n  \"bytes_in\": %ld,\n  \"round_trips\": %ld,\n", s->bytes_out,
            s->bytes_in, s->round_trips);
    fprintf(f, "  \"latency_flushes\": %ld,\n  \"send_immediate\": %ld,\n  \"spi_bytes\": %ld,\n",
            s->latency_flushes, s->send_immediate, s->spi_bytes);
    fprintf(f,
            "  \"bitbang\": {\"bytes\": %ld, \"samples\": %ld, \"stalls\": %ld},\n"
            "  \"usb_packets\": {\"out\": %ld, \"in\": %ld, \"out_naks\": %ld},\n",
            s->bb_bytes, s->bb_samples, s->bb_stalls, s->usb_packets_out, s->usb_packets_in, s->usb_out_naks);
    fprintf(f,
            "  \"modeled_s\": {\"total\": %.6f, \"usb\": %.6f, \"spi\": %.6f, \"host\": %.6f, "
            "\"latency_wait\": %.6f, \"target_busy\": %.6f},\n",
            sec(emu_now), sec(s->usb_ns), sec(s->spi_ns), sec(s->host_ns), sec(s->latency_ns), sec(s->busy_ns));
    fprintf(f,
            "  \"fsync\": {\"ms_each\": %.3f, \"calls\": %ld, \"driver_s\": %.6f, \"join_wait_s\": %.6f},\n",
            emu_cfg_g.fsync_us < 0 ? -1.0 : emu_cfg_g.fsync_us / 1000.0, s->fsync_calls, sec(s->fsync_driver_ns),
            sec(s->fsync_join_ns));
    fprintf(f, "  \"emulator_cpu_s\": %.6f,\n  \"instructions\": {", emu_cpu_seconds());
    for (int i = 0; i < I_COUNT; i++)
        fprintf(f, "%s\"%s\": %ld", i ? ", " : "", emu_instr_names[i], s->instr[i]);
    fprintf(f,
            "},\n  \"violations\": {\"sent_while_busy\": %ld, \"garbled_sck_bytes\": %ld, "
            "\"prog_enable_early\": %ld, \"bad_opcodes\": %ld, \"unknown_instructions\": %ld, "
            "\"adaptive_stalls\": %ld, \"write_timeouts\": %ld, \"unsupported_calls\": %ld, "
            "\"calls_after_unplug\": %ld, \"garbled_sck_bytes_before_sync\": %ld, "
            "\"garbled_sck_bytes_after_sync\": %ld, \"garbled_instructions_executed\": %ld},\n"
            "  \"reads_while_busy\": %ld,\n  \"gpio_driven_high\": %u,\n",
            s->v_busy_lost, s->v_garbled_bytes, s->v_enable_early, s->v_bad_opcode, s->v_unknown_instr,
            s->v_adaptive_stall, s->v_write_timeout, s->v_unsupported, s->v_no_device,
            s->v_garbled_before_sync, s->v_garbled_after_sync, s->v_garbled_executed, s->v_read_busy,
            s->gpio_high);
    /* the RESET level each target sees when the dump is taken (at close
     * and at exit): 0 means the adapter still holds it in reset */
    fputs("  \"reset_level\": [", f);
    for (int i = 0, n = 0; i < emu_ndevs_all(); i++) {
        emu_dev *d = emu_dev_at(i);
        for (int c = 0; c < d->nchan; c++)
            fprintf(f, "%s%d", n++ ? ", " : "", d->ch[c].avr.reset);
    }
    fputs("]", f);
    emu_tpi_json(f);
    fputs("\n}\n", f);
    fclose(f);
}

/* Only the targets this process talked to are dumped, each with the
 * process's stats.json beside it: several processes (one per adapter) can
 * share one FTEMU_OUT without overwriting each other's results. */
void emu_stats_dump(void)
{
    const char *dir = emu_cfg_g.out_dir;
    if (!dir)
        return;
    mkdir(dir, 0777); /* one level; a missing parent is the caller's mistake */
    for (int i = 0; i < emu_ndevs_all(); i++) {
        emu_dev *d = emu_dev_at(i);
        for (int c = 0; c < d->nchan; c++) {
            if (!d->ch[c].used)
                continue;
            emu_avr_dump(&d->ch[c].avr, dir);
            emu_boards_dump(&d->ch[c].avr, dir);
            char path[1200];
            snprintf(path, sizeof path, "%s/%sstats.json", dir, d->ch[c].avr.tag);
            write_json(path);
        }
    }
}

void emu_dump(void)
{
    emu_init();
    emu_stats_dump();
}
