"""Running a piece of a test in a forked child, for code that must not hang or crash the runner."""
import os
import signal


def in_child(body, timeout=20):
    """Runs body() in a forked child and returns its exit code: what body() returned, or -signal
    if the child died (a hang is ended by SIGALRM after `timeout` seconds, a crash shows as
    -SIGSEGV). body returns 0 for success."""
    pid = os.fork()
    if pid == 0:
        code = 99
        try:
            signal.signal(signal.SIGALRM, signal.SIG_DFL)
            signal.alarm(timeout)
            code = body()
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)
