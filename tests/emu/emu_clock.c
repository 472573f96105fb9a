/* The modeled clock. It advances by the real time the program spends between
 * its USB calls (unless FTEMU_HOST_TIME=0) and by what the device model says
 * each transfer costs; time spent inside the emulator itself is not counted,
 * so the figure is what the run would take on real hardware. */
#include <time.h>

#include "emu_internal.h"

emu_ns emu_now;
static emu_ns real_last;
static bool started;
static emu_ns cpu_in, cpu_total;
static int depth;

static emu_ns clock_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (emu_ns)ts.tv_sec * EMU_S + ts.tv_nsec;
}

void emu_enter(void)
{
    if (depth++ > 0)
        return;
    emu_ns real = clock_ns(CLOCK_MONOTONIC);
    cpu_in = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
    if (!started) {
        started = true;
        real_last = real;
        return;
    }
    emu_ns gap = real - real_last;
    if (gap > 0 && emu_cfg_g.host_time) {
        emu_now += gap;
        emu_st.host_ns += gap;
    }
}

void emu_leave(void)
{
    if (--depth > 0)
        return;
    real_last = clock_ns(CLOCK_MONOTONIC);
    cpu_total += clock_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu_in;
}

bool emu_clock_started(void)
{
    return started;
}

emu_ns emu_uframe_ceil(emu_ns t)
{
    return (t + EMU_UFRAME - 1) / EMU_UFRAME * EMU_UFRAME;
}

double emu_cpu_seconds(void)
{
    return (double)cpu_total / EMU_S;
}

/* With FTEMU_HOST_TIME=0 a program's sleeps are modeled instead of slept:
 * the wait it asked for is added to the clock at once (and counted as host
 * time), so runs are fast and their modeled time does not depend on the
 * machine. With host time on, sleeps pass through to the kernel. */
#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

static int modeled_sleep(const struct timespec *req)
{
    emu_ns d = (emu_ns)req->tv_sec * EMU_S + req->tv_nsec;
    if (d > 0 && !emu_thread_sleep(d)) {
        emu_now += d;
        emu_st.host_ns += d;
    }
    return 0;
}

__attribute__((visibility("default"))) int nanosleep(const struct timespec *req, struct timespec *rem)
{
    if (started && !emu_cfg_g.host_time)
        return modeled_sleep(req);
    return (int)syscall(SYS_nanosleep, req, rem);
}

__attribute__((visibility("default"))) int clock_nanosleep(clockid_t id, int flags, const struct timespec *req,
                                                           struct timespec *rem)
{
    if (started && !emu_cfg_g.host_time && !(flags & TIMER_ABSTIME))
        return modeled_sleep(req);
    long r = syscall(SYS_clock_nanosleep, id, flags, req, rem);
    return r < 0 ? errno : 0;
}

__attribute__((visibility("default"))) int usleep(useconds_t us)
{
    struct timespec ts = {(time_t)(us / 1000000), (long)(us % 1000000) * 1000};
    return nanosleep(&ts, NULL);
}
