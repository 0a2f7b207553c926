"""Problem packages uploaded as zip archives, unpacked safely.

An archive is refused before anything is written when it is too big, holds too
many entries, compresses too well (a zip bomb), or holds an entry that is not a
plain file or folder (links, devices, pipes), an absolute path, a ``..`` part or
an encrypted entry. Extraction counts the bytes it really writes, so an archive
lying about its sizes is stopped too. The package is then read by
``load_package``, whose errors name files relative to the archive.
"""

from __future__ import annotations

import io
import os
import re
import stat
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from bitcode_adapters.problem_package import ProblemPackage, load_package
from bitcode_core.errors import InvalidQuestion
from bitcode_core.languages import LanguageTable

_CHUNK = 64 * 1024
_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:")
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]|\.\.")
_RATIO_FLOOR = 1024 * 1024  # entries smaller than this may compress as they like


class UnsafeArchive(InvalidQuestion):
    code = "unsafe-archive"
    default_message = "The archive is refused: it could harm the server."


class ArchiveTooLarge(UnsafeArchive):
    code = "archive-too-large"
    default_message = "The archive is too large."


@dataclass(frozen=True, slots=True)
class ZipLimits:
    compressed_bytes: int = 64 * 1024 * 1024
    uncompressed_bytes: int = 256 * 1024 * 1024
    entries: int = 5000
    ratio: float = 250.0  # uncompressed / compressed, per entry and overall


def load_zipped_package(
    data: bytes,
    filename: str,
    languages: LanguageTable,
    limits: ZipLimits = ZipLimits(),
) -> ProblemPackage:
    """Read the package in ``data``; the question id is the archive's single
    top-level folder, or the file name without ``.zip``."""
    with tempfile.TemporaryDirectory(prefix="bitcode-upload-") as scratch:
        root = extract(data, Path(scratch), _stem(filename), limits)
        try:
            return load_package(root, languages)
        except InvalidQuestion as error:
            message = str(error).replace(f"{scratch}/", "").replace(scratch, ".")
            raise type(error)(message) from None


def extract(data: bytes, destination: Path, name: str, limits: ZipLimits) -> Path:
    """Unpack ``data`` under ``destination``; the package folder it holds."""
    if len(data) > limits.compressed_bytes:
        raise ArchiveTooLarge(
            f"the archive is {len(data)} bytes; at most "
            f"{limits.compressed_bytes} are accepted"
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError) as error:
        raise UnsafeArchive(f"{name}.zip: not a readable zip archive") from error
    with archive:
        entries = _checked_entries(archive, limits)
        top = _single_top_folder(entries)
        base = destination if top else destination / name
        base.mkdir(parents=True, exist_ok=True)
        _write_all(archive, entries, base, limits)
    return destination / top if top else base


def _checked_entries(
    archive: zipfile.ZipFile, limits: ZipLimits
) -> list[zipfile.ZipInfo]:
    entries = archive.infolist()
    if len(entries) > limits.entries:
        raise UnsafeArchive(
            f"the archive has {len(entries)} entries; at most {limits.entries}"
        )
    total = sum(e.file_size for e in entries)
    packed = sum(e.compress_size for e in entries)
    if total > limits.uncompressed_bytes:
        raise ArchiveTooLarge(
            f"the archive unpacks to {total} bytes; at most "
            f"{limits.uncompressed_bytes} are accepted"
        )
    if total > _RATIO_FLOOR and total > limits.ratio * max(packed, 1):
        raise UnsafeArchive("the archive compresses too well to be a package")
    seen: set[str] = set()
    for entry in entries:
        _check_entry(entry, limits)
        key = entry.filename.rstrip("/")
        if key in seen:
            raise UnsafeArchive(f"{entry.filename}: appears twice in the archive")
        seen.add(key)
    return entries


def _check_entry(entry: zipfile.ZipInfo, limits: ZipLimits) -> None:
    name = entry.filename
    parts = PurePosixPath(name).parts
    if (
        not parts
        or name.startswith(("/", "\\"))
        or _WINDOWS_DRIVE.match(name)
        or "\\" in name
        or "\x00" in name
        or ".." in parts
    ):
        raise UnsafeArchive(f"{name!r}: a path outside the package is not allowed")
    kind = stat.S_IFMT(entry.external_attr >> 16)
    # Only Unix archivers record a file type; none recorded means a plain file.
    if entry.create_system == 3 and kind not in {0, stat.S_IFREG, stat.S_IFDIR}:
        raise UnsafeArchive(f"{name}: only plain files and folders are allowed")
    if entry.flag_bits & 0x1:
        raise UnsafeArchive(f"{name}: encrypted entries are not allowed")
    if entry.file_size > _RATIO_FLOOR and entry.file_size > limits.ratio * max(
        entry.compress_size, 1
    ):
        raise UnsafeArchive(f"{name}: compresses too well to be a package file")


def _single_top_folder(entries: list[zipfile.ZipInfo]) -> str | None:
    tops = {PurePosixPath(e.filename).parts[0] for e in entries}
    if len(tops) != 1:
        return None
    top = next(iter(tops))
    nested = all(e.filename.startswith(f"{top}/") or e.filename == top for e in entries)
    return top if nested and any(e.filename != f"{top}/" for e in entries) else None


def _write_all(
    archive: zipfile.ZipFile,
    entries: list[zipfile.ZipInfo],
    base: Path,
    limits: ZipLimits,
) -> None:
    budget = limits.uncompressed_bytes
    for entry in entries:
        target = base.joinpath(*PurePosixPath(entry.filename).parts)
        if entry.is_dir():
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        budget -= _write_one(archive, entry, target, budget)


def _write_one(
    archive: zipfile.ZipFile, entry: zipfile.ZipInfo, target: Path, budget: int
) -> int:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    written = 0
    try:
        descriptor = os.open(target, flags, 0o644)
    except FileExistsError:
        raise UnsafeArchive(f"{entry.filename}: appears twice in the archive") from None
    try:
        with os.fdopen(descriptor, "wb") as output, archive.open(entry) as source:
            while chunk := source.read(_CHUNK):
                written += len(chunk)
                if written > entry.file_size or written > budget:
                    raise ArchiveTooLarge(
                        f"{entry.filename}: unpacks to more than the archive says"
                    )
                output.write(chunk)
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, EOFError) as error:
        raise UnsafeArchive(f"{entry.filename}: cannot be unpacked") from error
    return written


def _stem(filename: str) -> str:
    name = PurePosixPath(filename.replace("\\", "/")).name
    stem = name[:-4] if name.lower().endswith(".zip") else name
    # Only a plain folder name: never a path, never "." or "..".
    return _UNSAFE_NAME.sub("-", stem).strip(".") or "package"
