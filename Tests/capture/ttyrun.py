#!/usr/bin/env python3
"""ttyrun.py COLS -- ARGV...

Runs ARGV with its stdout connected to a pseudo-terminal of COLS columns
(stdin and stderr are inherited), and copies every byte the program writes to
the terminal to our own stdout. Output post-processing (ONLCR, i.e. \\n -> \\r\\n)
is switched off on the pty, so the copied bytes are exactly what the program
wrote. Exits with the program's exit status. Used to capture the tty-only
layout of programs that format differently when stdout is a terminal (dnf
wraps long names only when it can read a terminal width).
"""
import fcntl, os, pty, struct, sys, termios

def main():
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        sys.exit("usage: ttyrun.py COLS -- ARGV...")
    cols = int(sys.argv[1]); argv = sys.argv[3:]
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, cols, 0, 0))
    attrs = termios.tcgetattr(slave)
    attrs[1] &= ~termios.OPOST          # no output post-processing (no \n -> \r\n)
    termios.tcsetattr(slave, termios.TCSANOW, attrs)
    pid = os.fork()
    if pid == 0:
        os.close(master)
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
        os.dup2(slave, 1)
        os.close(slave)
        os.execvp(argv[0], argv)
    os.close(slave)
    out = sys.stdout.buffer
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:          # EIO once the child closed the pty
            break
        if not chunk:
            break
        out.write(chunk)
    out.flush()
    _, status = os.waitpid(pid, 0)
    sys.exit(os.waitstatus_to_exitcode(status) if hasattr(os, "waitstatus_to_exitcode") else (status >> 8))

if __name__ == "__main__":
    main()
