"""Host-side files of the sandbox: work directories, sealed inputs, safe removal.

Sandboxed processes can write into a compile directory, so the host treats every
name in one as planted: it never reads a file back from such a directory, and it
removes directories with ``shutil.rmtree``'s descriptor-based walk, which unlinks
symbolic links instead of following them.
"""

from __future__ import annotations

import fcntl
import logging
import os
import secrets
import shutil
from pathlib import Path

logger = logging.getLogger(__name__)

# F_SEAL_FUTURE_WRITE (Linux 5.1; the fcntl module lacks the name before Python
# 3.12) refuses writes and writable mappings as F_SEAL_WRITE does. F_SEAL_WRITE
# also waits for the kernel to drop every transient reference to the file's
# pages, and fails with EBUSY when that takes a moment too long, as it does
# while reclaim or migration holds them on a busy host (a fork bomb in another
# slot). A file nobody has mapped or pinned gains nothing from that wait.
_F_SEAL_FUTURE_WRITE: int = getattr(fcntl, "F_SEAL_FUTURE_WRITE", 0x0010)
_SEALS = (
    fcntl.F_SEAL_SEAL | fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | _F_SEAL_FUTURE_WRITE
)


def rmtree_is_safe() -> bool:
    return shutil.rmtree.avoids_symlink_attacks


def remove_tree(path: Path) -> None:
    """Remove ``path`` and everything in it without following any link in it."""

    def report(_function: object, name: str, error: object) -> None:
        logger.warning("sandbox.remove_failed", extra={"path": name, "error": error})

    shutil.rmtree(path, onerror=report)


def new_directory(parent: Path, prefix: str, *, owner: tuple[int, int] | None) -> Path:
    """Create a fresh directory with an unguessable name under ``parent``.

    With ``owner`` the directory is given to that uid and gid with mode 0700, for a
    sandboxed process to write in; otherwise it stays root's with mode 0755.
    """
    path = parent / f"{prefix}-{secrets.token_hex(8)}"
    os.mkdir(path, 0o700)
    if owner is None:
        os.chmod(path, 0o755)  # noqa: S103 - every slot's uid runs what is in it
    else:
        os.chown(path, *owner)
    return path


def write_new_file(directory: Path, name: str, data: bytes) -> None:
    """Write a file the host names itself into a directory nobody else writes."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    fd = os.open(directory / name, flags, 0o644)
    with open(fd, "wb") as file:
        file.write(data)


def seal_directory(path: Path) -> None:
    """Take a compile directory back from its sandbox user: root's, mode 0755.

    The directory is opened without following links; its parent is root's, so the
    sandbox could not have replaced it with anything else.
    """
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        os.fchown(fd, 0, 0)
        os.fchmod(fd, 0o755)
    finally:
        os.close(fd)


def sealed_input(data: bytes) -> int:
    """A read-only descriptor on an anonymous in-memory file holding ``data``.

    Nothing in the sandbox can name the file, and its seals refuse writes even
    through a descriptor opened for writing. It is never mapped, so sealing it
    cannot be refused for a mapping or a pinned page.
    """
    fd = os.memfd_create("stdin", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
    try:
        os.fchmod(fd, 0o444)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        fcntl.fcntl(fd, fcntl.F_ADD_SEALS, _SEALS)
        os.lseek(fd, 0, os.SEEK_SET)
    except BaseException:
        os.close(fd)
        raise
    return fd


class Descriptors:
    """File descriptors a launch opens, each closed exactly once."""

    def __init__(self) -> None:
        self._open: set[int] = set()

    def __enter__(self) -> Descriptors:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close(*self._open)

    def pipe(self) -> tuple[int, int]:
        read, write = os.pipe2(os.O_CLOEXEC)
        self._open.update((read, write))
        return read, write

    def filled_pipe(self, data: bytes) -> int:
        """A read end holding ``data`` then end-of-file (``data`` fits a pipe)."""
        read, write = self.pipe()
        os.write(write, data)
        self.close(write)
        return read

    def adopt(self, fd: int) -> int:
        """Take ``fd``, opened elsewhere, to close with the rest."""
        self._open.add(fd)
        return fd

    def close(self, *fds: int) -> None:
        for fd in fds:
            if fd in self._open:
                self._open.remove(fd)
                os.close(fd)
