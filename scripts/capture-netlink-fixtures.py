#!/usr/bin/env python3
"""Records real proc-connector datagrams into Tests/Fixtures/netlink/ (run as root).

Each scenario runs a small process tree and keeps the datagrams about it, in
arrival order, concatenated into one .bin file (a proc-connector datagram is
one netlink message, so the file is itself a valid multi-message datagram).
The parser tests decode these files; re-run this after a kernel change to see
whether the kernel still sends what the tests expect.
"""
import os, signal, socket, struct, sys, threading, time, resource

NETLINK_CONNECTOR, CN_IDX_PROC, CN_VAL_PROC, LISTEN = 11, 1, 1, 1
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "netlink")


def subscribe():
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, NETLINK_CONNECTOR)
    sock.bind((0, CN_IDX_PROC))
    payload = struct.pack("=IIIIHHI", CN_IDX_PROC, CN_VAL_PROC, 0, 0, 4, 0, LISTEN)
    sock.send(struct.pack("=IHHII", 16 + len(payload), 3, 0, 0, 0) + payload)
    return sock


def tasks_of(datagram):
    """(tid, tgid) pairs a datagram names, to keep those about the scenario."""
    what, = struct.unpack_from("=I", datagram, 36)
    ids = struct.unpack_from("=ii", datagram, 52) if len(datagram) >= 60 else ()
    if what in (0x1, 0x100, 0x40000000):  # fork, ptrace, coredump: two tasks
        ids += struct.unpack_from("=ii", datagram, 60)
    if what == 0x80000000:
        ids += struct.unpack_from("=ii", datagram, 68)
    return set(ids), what


def capture(name, scenario):
    sock = subscribe()
    sock.settimeout(0.5)
    ack = sock.recv(65536)
    if name == "subscribe":
        write(name, [ack])
        return
    root = scenario()
    time.sleep(0.3)
    kept, family = [], {root}
    while True:
        try:
            datagram = sock.recv(65536)
        except socket.timeout:
            break
        ids, what = tasks_of(datagram)
        if what == 0x1 and family & ids:
            family |= ids - {0}
        if family & (ids - {0}):
            kept.append(datagram)
    sock.close()
    write(name, kept)


def write(name, datagrams):
    with open(os.path.join(OUT, name + ".bin"), "wb") as f:
        f.write(b"".join(datagrams))
    print(f"{name}.bin: {len(datagrams)} datagrams")


def spawn(body):
    pid = os.fork()
    if pid == 0:
        try:
            body()
        finally:
            os._exit(0)
    return pid


def reaped(pid):
    os.waitpid(pid, 0)
    return pid


def exit_3():
    return reaped(spawn(lambda: os.execv("/bin/sh", ["sh", "-c", "exit 3"])))


def sigkill():
    pid = spawn(lambda: os.execv("/bin/sleep", ["sleep", "100"]))
    time.sleep(0.2)
    os.kill(pid, signal.SIGKILL)
    return reaped(pid)


def threads_exit_group():
    def body():
        for _ in range(2):
            threading.Thread(target=time.sleep, args=(100,), daemon=True).start()
        time.sleep(0.1)
        os._exit(5)
    return reaped(spawn(body))


def thread_execs():
    def body():
        threading.Thread(target=time.sleep, args=(100,), daemon=True).start()
        worker = threading.Thread(target=lambda: os.execv("/bin/true", ["true"]))
        worker.start()
        worker.join()
    return reaped(spawn(body))


def abort_without_core():
    def body():
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        os.abort()
    return reaped(spawn(body))


def identity_changes():
    def body():
        os.setsid()
        with open("/proc/self/comm", "w") as f:
            f.write("renamed")
        os.setgid(65534)
        os.setuid(65534)
    return reaped(spawn(body))


def autoreaped():
    def body():
        signal.signal(signal.SIGCHLD, signal.SIG_IGN)
        spawn(lambda: None)
        time.sleep(0.2)
    return reaped(spawn(body))


SCENARIOS = {
    "subscribe": None,
    "exit-3": exit_3,
    "sigkill": sigkill,
    "threads-exit-group": threads_exit_group,
    "thread-execs": thread_execs,
    "abort-without-core": abort_without_core,
    "identity-changes": identity_changes,
    "autoreaped": autoreaped,
}

if __name__ == "__main__":
    if os.geteuid() != 0:
        sys.exit("capture-netlink-fixtures: the proc connector needs root (CAP_NET_ADMIN)")
    os.makedirs(OUT, exist_ok=True)
    for name in sys.argv[1:] or SCENARIOS:
        capture(name, SCENARIOS[name])
