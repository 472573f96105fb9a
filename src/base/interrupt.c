/* The signal handlers. Everything here that runs inside a handler is
 * async-signal-safe: a flag, write(2), unlink(2), _exit(2). */
#include "ftisp/interrupt.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t caught;
static volatile sig_atomic_t have_temp;
static char temp_path[4096];

static void on_signal(int sig)
{
    if (caught) {
        static const char msg[] = "ftisp: second signal: exiting at once; the target may be left "
                                  "in reset until the adapter is unplugged\n";
        if (have_temp)
            unlink(temp_path);
        ssize_t w = write(STDERR_FILENO, msg, sizeof msg - 1);
        (void)w;
        _exit(128 + sig);
    }
    caught = sig;
}

void ft_interrupt_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

int ft_interrupt_signal(void)
{
    return caught;
}

const char *ft_interrupt_name(int sig)
{
    static char buf[24];
    switch (sig) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    case SIGHUP: return "SIGHUP";
    }
    snprintf(buf, sizeof buf, "signal %d", sig);
    return buf;
}

void ft_interrupt_tempfile(const char *path)
{
    have_temp = 0;
    if (!path)
        return;
    snprintf(temp_path, sizeof temp_path, "%s", path);
    have_temp = 1;
}
