#!/usr/bin/env python3
"""Types keys into a program on a pseudo-terminal, as a person would.

    ptykeys.py STEPS -- COMMAND [ARG...]

STEPS holds one step a line:
    wait REGEX    read until what the screen shows so far (without \\r, bells and
                  control sequences) matches REGEX (5 s at most)
    send TEXT     type TEXT; \\t is Tab, \\n Enter, \\x04 Ctrl-D, \\\\ a backslash
Then the program's output is read until it exits (5 s at most). Everything
it showed goes to standard output without the terminal's \\r, bells and
control sequences (a line edited in place, say by completion, reads as it
ends up when the edits only append); the
exit status is ptykeys.py's own (124 if it did not exit, 125 if a wait
timed out).
"""
import os
import pty
import re
import select
import sys
import time


def main():
    steps_file = sys.argv[1]
    cmd = sys.argv[sys.argv.index("--") + 1:]
    with open(steps_file) as f:
        steps = [line.rstrip("\n") for line in f if line.strip()]
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["TERM"] = "xterm"
        os.execvp(cmd[0], cmd)
    shown = b""
    status = None

    def cleaned():
        """What the screen shows: no \r, bells or control sequences."""
        text = shown.decode("latin-1").replace("\r", "").replace("\a", "")
        return re.sub(r"\x1b(\[[0-9;?]*[A-Za-z]|[()][A-Z0-9]|[=>])", "", text)

    def read_for(seconds, until=None):
        nonlocal shown
        end = time.time() + seconds
        while time.time() < end:
            if until is not None and re.search(until, cleaned()):
                return True
            r, _, _ = select.select([fd], [], [], 0.05)
            if r:
                try:
                    data = os.read(fd, 4096)
                except OSError:
                    return until is None
                if not data:
                    return until is None
                shown += data
        return until is None

    failed = False
    for step in steps:
        kind, _, arg = step.partition(" ")
        if kind == "wait":
            if not read_for(5, arg):
                sys.stderr.write("ptykeys: timed out waiting for %r\n" % arg)
                failed = True
                break
        elif kind == "send":
            os.write(fd, arg.encode("latin-1").decode("unicode_escape").encode("latin-1"))
        else:
            sys.stderr.write("ptykeys: unknown step %r\n" % step)
            failed = True
            break
    read_for(5)
    for _ in range(50):
        done, st = os.waitpid(pid, os.WNOHANG)
        if done:
            status = os.waitstatus_to_exitcode(st)
            break
        time.sleep(0.05)
    if status is None:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    sys.stdout.write(cleaned())
    if failed:
        sys.exit(125)
    sys.exit(124 if status is None else status)


if __name__ == "__main__":
    main()
