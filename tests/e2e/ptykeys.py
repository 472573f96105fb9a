#!/usr/bin/env python3
"""Types keys into a program on a pseudo-terminal, as a person would.

    ptykeys.py STEPS -- COMMAND [ARG...]

STEPS holds one step a line:
    wait REGEX    read until the screen so far matches REGEX (5 s at most)
    keys          wait until the program reads keys one at a time, as a line
                  editor does (the terminal out of canonical mode; 5 s at
                  most): keys typed before that are echoed by the terminal
                  and then drawn again by the editor, and a Ctrl-D is read
                  as end of file
    send TEXT     type TEXT; \\t is Tab, \\n Enter, \\x04 Ctrl-D, \\\\ a backslash
Then the program's output is read until it exits (5 s at most). What the
screen shows goes to standard output: the output is drawn on a model of a
terminal that follows carriage returns, backspaces, tabs and the cursor
and erase sequences line editors use, so a line edited in place reads as
it ends up. The exit status is ptykeys.py's own (124 if the program did
not exit, 125 if a step timed out).
"""
import os
import pty
import re
import select
import sys
import termios
import time

CSI = re.compile(r"\x1b\[([0-9;?]*)([A-Za-z])|\x1b[()][A-Z0-9]|\x1b[=>]")


def screen(text):
    """The lines a terminal shows after drawing TEXT."""
    lines, row, col, i = [[]], 0, 0, 0
    while i < len(text):
        m = CSI.match(text, i)
        if m:
            i = m.end()
            n = int(m.group(1)) if m.group(1) and m.group(1).isdigit() else 1
            op = m.group(2)
            if op == "G":
                col = n - 1
            elif op == "C":
                col += n
            elif op == "D":
                col = max(0, col - n)
            elif op == "A":
                row = max(0, row - n)
            elif op == "B":
                row += n
            elif op == "K" and m.group(1) in ("", "0"):
                del lines[row][col:]
            elif op == "J" and m.group(1) in ("", "0"):
                del lines[row][col:]
                del lines[row + 1:]
            while len(lines) <= row:
                lines.append([])
            continue
        c = text[i]
        i += 1
        if c == "\n":
            row, col = row + 1, 0
            while len(lines) <= row:
                lines.append([])
        elif c == "\r":
            col = 0
        elif c == "\b":
            col = max(0, col - 1)
        elif c == "\t":
            col = (col // 8 + 1) * 8
        elif c == "\a" or c == "\x1b":
            pass
        else:
            line = lines[row]
            line.extend(" " * (col - len(line)))
            if col < len(line):
                line[col] = c
            else:
                line.append(c)
            col += 1
    return "\n".join("".join(line) for line in lines)


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
        return screen(shown.decode("latin-1"))

    def reads_keys():
        try:
            return not termios.tcgetattr(fd)[3] & termios.ICANON
        except termios.error:
            return False

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
        elif kind == "keys":
            end = time.time() + 5
            while not reads_keys() and time.time() < end:
                read_for(0.01)
            if not reads_keys():
                sys.stderr.write("ptykeys: timed out waiting for the program to read keys\n")
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
