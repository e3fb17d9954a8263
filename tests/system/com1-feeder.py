#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The far end of Bochs' COM1 for scenarios that type on the console.

    com1-feeder.py LOG PORT_FILE INPUT DEADLINE_SECONDS

Bochs 2.7's `com1: mode=socket-client, dev=HOST:PORT` connects once, at
device init, to a TCP server that must already listen ("if connection fails
Bochs treats com port as not connected", bochsrc sample, COM1 section); every
byte the guest transmits is written to that socket and, while the receiver is
empty, one byte at a time is read from it. This program is that server:

  - it listens on 127.0.0.1 with port 0, so the kernel picks a free port
    (no guessing, no race with a second scenario running beside it), and
    writes the number to PORT_FILE (atomically, by rename) once listening;
  - it appends every byte received from Bochs to LOG (serial.log: the harness
    goes on judging that file exactly as in file mode), unbuffered;
  - it sends Bochs every byte written to INPUT, a FIFO the harness created
    and keeps open for writing (the harness decides when to type).

It never closes its end of the connection first: Bochs' receive poll treats a
readable socket as a byte and would read an endless stream of NULs from a
closed one. It ends when Bochs closes the connection (Bochs exited or was
killed), when no connection came within ACCEPT_SECONDS, when DEADLINE_SECONDS
have passed, or when its parent (the harness) is gone. Diagnostics go to
stderr, one line per event.
"""
import os
import select
import socket
import sys
import time

ACCEPT_SECONDS = 120    # Bochs connects at device init, seconds after its start
TICK = 0.5              # how often the deadline and the parent are checked


def note(msg):
    print(f"com1-feeder: {msg}", file=sys.stderr, flush=True)


def publish_port(path, port):
    tmp = f"{path}.tmp"
    with open(tmp, "w") as f:
        f.write(f"{port}\n")
    os.rename(tmp, path)


def accept_one(srv, deadline, parent):
    srv.settimeout(TICK)
    limit = min(deadline, time.monotonic() + ACCEPT_SECONDS)
    while time.monotonic() < limit and os.getppid() == parent:
        try:
            conn, peer = srv.accept()
        except socket.timeout:
            continue
        note(f"Bochs connected from {peer[0]}:{peer[1]}")
        return conn
    return None


def pump(conn, log, fifo, deadline, parent):
    """Moves bytes until Bochs closes; returns the reason it stopped."""
    received = sent = 0
    while True:
        if time.monotonic() >= deadline:
            return f"deadline reached ({received} bytes received, {sent} sent)"
        if os.getppid() != parent:
            return f"the harness is gone ({received} bytes received, {sent} sent)"
        ready, _, _ = select.select([conn, fifo], [], [], TICK)
        if conn in ready:
            data = conn.recv(65536)
            if not data:
                return f"Bochs closed COM1 ({received} bytes received, {sent} sent)"
            log.write(data)
            received += len(data)
        if fifo in ready:
            data = os.read(fifo, 4096)
            conn.sendall(data)
            sent += len(data)
            note(f"sent {len(data)} byte(s): {data!r}")


def main(argv):
    if len(argv) != 5:
        print(__doc__.splitlines()[2].strip(), file=sys.stderr)
        return 2
    log_path, port_file, input_path = argv[1], argv[2], argv[3]
    deadline = time.monotonic() + float(argv[4])
    parent = os.getppid()

    # O_RDWR: opening never blocks and the FIFO never reads as closed while
    # the harness has no writer open (Linux fifo(7)).
    fifo = os.open(input_path, os.O_RDWR | os.O_NONBLOCK)
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    publish_port(port_file, srv.getsockname()[1])
    note(f"listening on 127.0.0.1:{srv.getsockname()[1]}")

    conn = accept_one(srv, deadline, parent)
    srv.close()
    if conn is None:
        note("Bochs never connected")
        return 1
    with open(log_path, "ab", buffering=0) as log:
        note(pump(conn, log, fifo, deadline, parent))
    conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
