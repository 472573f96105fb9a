/* fsync and fdatasync at a modeled cost, and the threads a program runs them
 * on (FTEMU_FSYNC_MS; README "Modeled time", item 7).
 *
 * How long an fsync takes depends on the disk under the program, not on the
 * program: 0.5 ms here, 10 ms on a consumer SSD's flush, 30 ms on a disk or
 * an SD card. With FTEMU_FSYNC_MS=L every fsync/fdatasync still reaches the
 * kernel (the file is as durable as without the emulator) but its real
 * duration is not counted: the calling thread's modeled clock advances by L
 * instead. Unset, nothing changes: the real duration is host time like any
 * other (and nothing at all with FTEMU_HOST_TIME=0).
 *
 * A program may sync on another thread while its main thread goes on driving
 * the adapter, and wait for that thread later. So threads the program creates
 * get their own modeled clock, started at the creator's clock: it advances
 * by their real time (host time on) and by L per fsync. pthread_join on such
 * a thread moves the joiner's clock to the thread's end if that is later, so
 * the main thread waits, in modeled time, only for what the overlap did not
 * hide; the real time spent blocked in the join is not counted. A program
 * that waits for a thread by other means (a condition variable, a pipe) is
 * not modeled: that wait counts as real host time. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "emu_internal.h"

#define API __attribute__((visibility("default")))

/* ---- this thread's modeled clock (threads the program created) ---- */

static _Thread_local bool t_bg;       /* created by the program through pthread_create */
static _Thread_local bool t_modeled;  /* the clock was running when it was created */
static _Thread_local emu_ns t_clock;  /* its modeled clock ... */
static _Thread_local emu_ns t_mark;   /* ... brought up to this real time */

static emu_ns real_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (emu_ns)ts.tv_sec * EMU_S + ts.tv_nsec;
}

static emu_ns bg_now(void)
{
    emu_ns r = real_ns();
    if (emu_cfg_g.host_time)
        t_clock += r - t_mark;
    t_mark = r;
    return t_clock;
}

/* A modeled sleep (FTEMU_HOST_TIME=0) on a thread the program created
 * moves that thread's clock, not the main one. */
bool emu_thread_sleep(emu_ns d)
{
    if (!t_bg)
        return false;
    if (t_modeled)
        t_clock += d;
    return true;
}

/* The modeled time at which each finished thread ended, until joined. */
#define NSLOT 64
static struct {
    pthread_t th;
    emu_ns end;
    bool used;
} slots[NSLOT];
static pthread_mutex_t slot_mu = PTHREAD_MUTEX_INITIALIZER;

static void slot_put(emu_ns end)
{
    pthread_mutex_lock(&slot_mu);
    for (int i = 0; i < NSLOT; i++)
        if (!slots[i].used) {
            slots[i].th = pthread_self();
            slots[i].end = end;
            slots[i].used = true;
            break;
        }
    pthread_mutex_unlock(&slot_mu);
}

static bool slot_take(pthread_t th, emu_ns *end)
{
    bool found = false;
    pthread_mutex_lock(&slot_mu);
    for (int i = 0; i < NSLOT && !found; i++)
        if (slots[i].used && pthread_equal(slots[i].th, th)) {
            *end = slots[i].end;
            slots[i].used = false;
            found = true;
        }
    pthread_mutex_unlock(&slot_mu);
    return found;
}

static void *real_sym(const char *name)
{
    void *f = dlsym(RTLD_NEXT, name);
    if (!f) {
        emu_warn("%s: not found after the emulator (%s)", name, dlerror());
        abort();
    }
    return f;
}

/* ---- the syncs ---- */

static int model_sync(int fd, const char *name, int (**real)(int))
{
    if (!*real)
        *real = (int (*)(int))real_sym(name);
    /* t_modeled: the thread was created with the clock running */
    if (t_bg ? !t_modeled : !emu_clock_started())
        return (*real)(fd);
    long us = emu_cfg_g.fsync_us;
    if (us < 0)
        return (*real)(fd);
    emu_ns cost = us * EMU_US;
    int rc;
    if (t_bg) {
        emu_ns start = bg_now();
        rc = (*real)(fd);
        t_clock = start + cost;
        t_mark = real_ns();
        __atomic_fetch_add(&emu_st.fsync_calls, 1, __ATOMIC_RELAXED);
        return rc;
    }
    emu_enter();
    rc = (*real)(fd);
    emu_now += cost;
    emu_st.host_ns += cost;
    emu_st.fsync_driver_ns += cost;
    __atomic_fetch_add(&emu_st.fsync_calls, 1, __ATOMIC_RELAXED);
    emu_leave();
    return rc;
}

API int fsync(int fd)
{
    static int (*real)(int);
    return model_sync(fd, "fsync", &real);
}

API int fdatasync(int fd)
{
    static int (*real)(int);
    return model_sync(fd, "fdatasync", &real);
}

/* ---- threads ---- */

struct start {
    void *(*fn)(void *);
    void *arg;
    emu_ns clock;
    bool modeled;
};

static void thread_end(void *unused)
{
    (void)unused;
    if (t_modeled)
        slot_put(bg_now());
}

static void *trampoline(void *p)
{
    struct start s = *(struct start *)p;
    free(p);
    t_bg = true;
    t_modeled = s.modeled;
    t_clock = s.clock;
    t_mark = real_ns();
    void *ret;
    pthread_cleanup_push(thread_end, NULL);
    ret = s.fn(s.arg);
    pthread_cleanup_pop(1);
    return ret;
}

API int pthread_create(pthread_t *th, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
    static int (*real)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
    if (!real)
        real = (int (*)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *))real_sym("pthread_create");
    struct start *s = malloc(sizeof *s);
    if (!s)
        return real(th, attr, fn, arg);
    s->fn = fn;
    s->arg = arg;
    s->modeled = t_bg ? t_modeled : emu_clock_started();
    bool enter = !t_bg && s->modeled;
    if (enter)
        emu_enter();
    s->clock = t_bg ? bg_now() : emu_now;
    int rc = real(th, attr, trampoline, s);
    if (rc != 0)
        free(s);
    if (enter)
        emu_leave();
    return rc;
}

API int pthread_join(pthread_t th, void **ret)
{
    static int (*real)(pthread_t, void **);
    if (!real)
        real = (int (*)(pthread_t, void **))real_sym("pthread_join");
    bool driver = !t_bg && emu_clock_started();
    if (driver)
        emu_enter();
    else if (t_bg)
        bg_now();
    int rc = real(th, ret);
    emu_ns end;
    if (rc == 0 && slot_take(th, &end)) {
        if (driver && end > emu_now) {
            emu_st.host_ns += end - emu_now;
            emu_st.fsync_join_ns += end - emu_now;
            emu_now = end;
        } else if (t_bg && end > t_clock) {
            t_clock = end;
        }
    }
    if (driver)
        emu_leave();
    else if (t_bg)
        t_mark = real_ns();
    return rc;
}
