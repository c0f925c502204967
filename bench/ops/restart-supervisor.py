"""Restarts a server again and again the way systemd does, for bench/ops/restarts.ts.

With --listen NAME=HOST:PORT (one or more), the listening sockets are bound here once and held
across every restart, as pmproxy.socket has systemd hold them: each start gets them as fd 3, 4 …
with LISTEN_FDS, LISTEN_FDNAMES and LISTEN_PID (the child's own pid, set by `sh -c 'LISTEN_PID=$$
exec …'`). Without --listen the server binds its own ports, which shows what socket activation
saves. Readiness is Type=notify's: READY=1 on a NOTIFY_SOCKET of our own (systemd-notify's barrier
answered by closing the descriptor it sends). A restart is systemctl restart's: SIGTERM, wait for
the exit, start the next (never overlapped: two servers on one store would both charge it).

Protocol: events as JSON lines on stdout ({"event": "ready"|"stopping"|"exited"|"restarted", "t":
seconds on the monotonic clock, …}); the restarts begin on a "go" line on stdin and the last server
runs until stdin closes or SIGTERM, then it is stopped too.
"""
import argparse
import array
import ctypes
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

PR_SET_PDEATHSIG = 1
FIRST_FD = 3
BACKLOG = 4096  # pmproxy.socket's Backlog=


def say(event, **fields):
    print(json.dumps({"event": event, "t": time.monotonic(), **fields}), flush=True)


def bind(address):
    host, port = address.rsplit(":", 1)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, int(port)))
    sock.listen(BACKLOG)
    return sock


class Notifications(threading.Thread):
    """Reads the notification socket all along, as systemd does: systemd-notify sends each message's
    barrier after it and waits until the descriptor it passes is closed, STOPPING=1 included."""

    def __init__(self, sock):
        super().__init__(daemon=True)
        self.sock = sock
        self.ready = threading.Event()

    def run(self):
        while True:
            try:
                data, ancillary, _flags, _addr = self.sock.recvmsg(65536, socket.CMSG_SPACE(16 * 4))
            except OSError:
                return
            fds = array.array("i")
            for level, kind, payload in ancillary:
                if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                    fds.frombytes(payload[: len(payload) - len(payload) % fds.itemsize])
            for fd in fds:
                os.close(fd)  # how systemd answers the barrier
            if "READY=1" in data.decode("utf-8", "replace").split("\n"):
                self.ready.set()

    def wait_ready(self, child, timeout):
        """True once READY=1 arrived since the last call; False if the child exits or time runs out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.ready.wait(0.02):
                self.ready.clear()
                return True
            if child.poll() is not None:
                return False
        return False


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--listen", action="append", default=[], help="NAME=HOST:PORT")
    parser.add_argument("--restarts", type=int, required=True)
    parser.add_argument("--hold", type=float, required=True, help="seconds each server runs")
    parser.add_argument("--log", required=True, help="the servers' stdout and stderr, appended")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command

    names = [item.split("=", 1)[0] for item in args.listen]
    held = [bind(item.split("=", 1)[1]) for item in args.listen]
    # Out of the way of 3, 4 …, where each child gets them.
    spare = [os.dup2(sock.fileno(), 100 + i) for i, sock in enumerate(held)]

    folder = tempfile.mkdtemp(prefix="pmproxy-notify-")
    notify_path = os.path.join(folder, "notify")
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(notify_path)
    notifications = Notifications(notify)
    notifications.start()

    env = dict(os.environ, NOTIFY_SOCKET=notify_path)
    if held:
        env.update(LISTEN_FDS=str(len(held)), LISTEN_FDNAMES=":".join(names))
    log = open(args.log, "ab")
    libc = ctypes.CDLL(None, use_errno=True)

    def in_child():
        # A bench that dies must not leave servers behind.
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        for i, fd in enumerate(spare):
            os.dup2(fd, FIRST_FD + i)

    def start():
        shell = 'LISTEN_PID=$$ exec "$@"' if held else 'exec "$@"'
        began = time.monotonic()
        child = subprocess.Popen(
            ["sh", "-c", shell, "sh", *command],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            pass_fds=tuple(FIRST_FD + i for i in range(len(spare))),
            preexec_fn=in_child,
        )
        if not notifications.wait_ready(child, 60):
            say("failed", pid=child.pid, code=child.poll())
            child.kill()
            child.wait()
            sys.exit(1)
        say("ready", pid=child.pid, startSeconds=time.monotonic() - began)
        return child

    def stop(child):
        say("stopping", pid=child.pid)
        began = time.monotonic()
        child.send_signal(signal.SIGTERM)
        code = child.wait()
        say("exited", pid=child.pid, code=code, stopSeconds=time.monotonic() - began)

    child = start()
    signal.signal(signal.SIGTERM, lambda *_: (stop(child), sys.exit(0)))
    if sys.stdin.readline().strip() == "go":
        for number in range(args.restarts):
            stop(child)
            child = start()
            time.sleep(args.hold)
        say("restarted")
        sys.stdin.read()  # until the bench closes it
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    stop(child)
    os.unlink(notify_path)
    os.rmdir(folder)


if __name__ == "__main__":
    main()
