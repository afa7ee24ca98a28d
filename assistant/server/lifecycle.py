"""What every process the launcher starts shares: private files (umask 077, data/ 0700), and an end with its parent."""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import stat
from pathlib import Path

PR_SET_PDEATHSIG = 1
PRIVATE_UMASK = 0o077


def die_with_parent(sig: int = signal.SIGTERM) -> bool:
    """Asks the kernel (Linux) to send this process `sig` when its parent dies; False where it cannot."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def child_setup() -> None:
    """The preexec_fn of every child: files it creates are readable by its user only, and it ends with the launcher."""
    os.umask(PRIVATE_UMASK)
    die_with_parent(signal.SIGTERM)


def secure_data_dir(data_dir: Path) -> None:
    """Creates the data folder 0700 and takes group and other access away from everything already in it
    (SQLite files with their -wal and -shm, the API token, keys)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    data_dir.chmod(0o700)
    for root, dirs, files in os.walk(data_dir):
        for name in dirs:
            _private(Path(root) / name, 0o700)
        for name in files:
            _private(Path(root) / name, 0o600)


def _private(path: Path, mode: int) -> None:
    try:
        current = path.lstat().st_mode
        if stat.S_ISLNK(current):
            return  # a link's target is not ours to change
        if current & 0o077:
            path.chmod(stat.S_IMODE(current) & 0o700 | (mode & 0o700))
    except OSError:
        pass  # a file removed meanwhile (SQLite's -shm) or not ours
