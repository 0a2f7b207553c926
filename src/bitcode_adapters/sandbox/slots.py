"""Host-wide claims on sandbox uids, so that no two judges ever share one.

A slot's uid must be the slot's alone: RLIMIT_NPROC counts every process of a
uid, and an unconfined run ends by killing every process of its uid. Each judge
therefore holds an exclusive ``flock`` on one file per uid for as long as it
lives (the kernel drops the locks when the process ends, however it ends) and
skips uids that another judge holds or that a user or group of the host has.
"""

from __future__ import annotations

import contextlib
import fcntl
import grp
import os
import pwd
import stat
from pathlib import Path

from bitcode_core.errors import SandboxUnavailable

LOCK_FOLDER = Path("/run/lock/bitcode-sandbox")
_SEARCHED = 4096  # uids looked at past the base before giving up


class UidClaims:
    def __init__(self, base: int, count: int, folder: Path = LOCK_FOLDER) -> None:
        self._fds: list[int] = []
        self.uids: list[int] = []
        _make_private_folder(folder)
        for uid in range(base, base + _SEARCHED):
            if len(self.uids) == count:
                break
            if _has_account(uid):  # its files and processes are not ours to share
                continue
            fd = _lock(folder / f"uid-{uid}.lock")
            if fd is not None:
                self._fds.append(fd)
                self.uids.append(uid)
        if len(self.uids) < count:
            self.close()
            raise SandboxUnavailable(
                f"no {count} free sandbox uids from {base} on: other judges hold them"
            )

    def close(self) -> None:
        for fd in self._fds:
            os.close(fd)
        self._fds.clear()


def _make_private_folder(folder: Path) -> None:
    with contextlib.suppress(FileExistsError):
        folder.mkdir(mode=0o700, parents=True)
    info = folder.lstat()
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != 0 or info.st_mode & 0o022:
        raise SandboxUnavailable(
            f"{folder} must be a folder of root's that nobody else can write"
        )


def _lock(path: Path) -> int | None:
    flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
    fd = os.open(path, flags, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def _has_account(uid: int) -> bool:
    """Whether a host user or group already uses the number (gid = uid here)."""
    try:
        pwd.getpwuid(uid)
    except KeyError:
        try:
            grp.getgrgid(uid)
        except KeyError:
            return False
    return True
