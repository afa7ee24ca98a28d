"""Free local ports for stacks started on the fly (the retrain gate's private stack, the tests' stacks)."""
from __future__ import annotations

import random
import socket
from pathlib import Path

_given_ports: set = set()


def free_port() -> int:
    """A free port below the kernel's ephemeral range: a port the kernel picked (bind to 0) may be
    handed out again meanwhile as the local end of some outgoing connection, and the server that
    was to listen on it then fails with "address already in use". Never the same port twice per process."""
    low = 20000
    try:
        low = min(low, int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0]) - 1000)
    except (OSError, ValueError, IndexError):
        pass
    for _ in range(200):
        port = random.randint(low - 9000, low)
        if port in _given_ports:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _given_ports.add(port)
        return port
    raise RuntimeError("no free port found")
