"""Toolchains that live outside the system folders, such as a rustup install.

Such a toolchain often sits under a folder the sandbox users cannot enter
(``/root`` is mode 0700), and bubblewrap resolves every bind source as the
sandbox user, so it cannot bind the toolchain itself. The launcher, still root,
first moves into a mount namespace of its own and binds the toolchain onto an
empty folder the judge made where everyone may pass; bubblewrap binds that one.
The host's mount table is never touched. Sandboxes see the toolchain under
``/opt/toolchains/<name>`` with its ``bin`` on their PATH.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Toolchain:
    """A toolchain folder whose ``bin`` goes on the sandbox's PATH."""

    name: str
    home: Path

    @property
    def inside(self) -> str:
        """Where sandboxed processes see it."""
        return f"/opt/toolchains/{self.name}"

    def executables(self) -> frozenset[str]:
        try:
            return frozenset(os.listdir(self.home / "bin"))
        except OSError:
            return frozenset()


def find_rust() -> Toolchain | None:
    """The rustc sysroot, when rustc is installed but not in ``/usr/bin``.

    ``rustc`` on the PATH is usually a rustup proxy that sandboxes cannot run;
    the sysroot it prints holds the real compiler and its libraries.
    """
    if Path("/usr/bin/rustc").exists():
        return None
    rustc = shutil.which("rustc") or shutil.which(
        "rustc", path=str(Path.home() / ".cargo" / "bin")
    )
    if rustc is None:
        return None
    try:
        printed = subprocess.run(
            [rustc, "--print", "sysroot"],
            capture_output=True,
            check=True,
            timeout=30,
            text=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError) as error:
        logger.warning("sandbox.rust_sysroot_unknown", extra={"error": str(error)})
        return None
    sysroot = Path(printed)
    if not (sysroot / "bin" / "rustc").is_file():
        return None
    return Toolchain("rust", sysroot)
