/* The emulator's fsync model (FTEMU_FSYNC_MS, tests/emu/emu_fsync.c) seen
 * from a program: opens the emulated FT232H through libftdi1 (which starts
 * the modeled clock), then syncs a file in the ways a program may, and prints
 * how far the modeled clock moved (ns) for tests/e2e/test_emu_fsync.sh.
 * Run it with FTEMU_HOST_TIME=0 so that only modeled time counts.
 *
 *   driver            one fsync and one fdatasync on the main thread
 *   thread N          a thread that makes N fsyncs, joined at once
 *   overlap MS        a thread that makes one fsync while the main thread
 *                     sleeps MS ms (modeled), then joined */
#define _GNU_SOURCE /* RTLD_DEFAULT */
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <ftdi.h>

static int64_t (*now_ns)(void);
static int fd = -1;

static void die(const char *what)
{
    fprintf(stderr, "probe: %s\n", what);
    exit(1);
}

static void *syncs(void *arg)
{
    long n = (long)arg;
    for (long i = 0; i < n; i++)
        if (write(fd, "x", 1) != 1 || fsync(fd) != 0)
            die("fsync on the thread");
    return NULL;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
    if (argc < 2)
        die("usage: ftemu_fsync_probe driver | thread N | overlap MS");
    struct ftdi_context *ft = ftdi_new();
    if (!ft || ftdi_usb_open(ft, 0x0403, 0x6014) < 0)
        die("open");
    now_ns = (int64_t (*)(void))dlsym(RTLD_DEFAULT, "ftemu_now_ns");
    if (!now_ns)
        die("not running on the emulator (ftemu_now_ns missing)");
    char path[] = "/tmp/ftemu-fsync-XXXXXX";
    fd = mkstemp(path);
    if (fd < 0)
        die("mkstemp");
    unlink(path);
    int64_t t0 = now_ns();
    long arg = argc > 2 ? strtol(argv[2], NULL, 10) : 0;
    pthread_t th;
    if (argv[1][0] == 'd') {
        if (write(fd, "x", 1) != 1 || fsync(fd) != 0 || fdatasync(fd) != 0)
            die("fsync");
    } else if (argv[1][0] == 't') {
        if (pthread_create(&th, NULL, syncs, (void *)arg) != 0 || pthread_join(th, NULL) != 0)
            die("thread");
    } else if (argv[1][0] == 'o') {
        if (pthread_create(&th, NULL, syncs, (void *)1L) != 0)
            die("thread");
        sleep_ms(arg);
        if (pthread_join(th, NULL) != 0)
            die("join");
    } else {
        die("unknown command");
    }
    printf("%lld\n", (long long)(now_ns() - t0));
    close(fd);
    ftdi_usb_close(ft);
    ftdi_free(ft);
    return 0;
}
