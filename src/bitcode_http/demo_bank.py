"""Loading problem package folders into the catalog (the demo bank at first
start, and ``bitcode questions import``)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Iterator
from pathlib import Path

from bitcode_adapters.problem_package import load_package
from bitcode_core.catalog.model import CatalogEntry, QuestionFilter
from bitcode_core.catalog.usecases import Catalog
from bitcode_core.languages import LanguageTable

logger = logging.getLogger(__name__)


def package_folders(paths: Iterable[Path]) -> Iterator[Path]:
    """Each path that is a package, and the packages directly inside the others."""
    for path in paths:
        if (path / "problem.yaml").is_file():
            yield path
        elif path.is_dir():
            inside = path.iterdir()
            yield from sorted(p for p in inside if (p / "problem.yaml").is_file())
        else:
            yield path  # load_package names what is wrong with it


async def import_packages(
    catalog: Catalog, folders: Iterable[Path], languages: LanguageTable
) -> list[CatalogEntry]:
    """Import every package: new questions at version 1, changed ones as a new
    version, unchanged ones left alone. The first bad package stops the import."""
    entries = []
    for folder in package_folders(folders):
        package = await asyncio.to_thread(load_package, folder, languages)
        entries.append(await catalog.import_question(package.question))
    return entries


async def load_demo_bank_once(
    catalog: Catalog, bank: Path, languages: LanguageTable
) -> int:
    """Import the demo bank if the catalog is empty; how many questions came in."""
    if (await catalog.browse(QuestionFilter(), None, 1)).entries:
        return 0
    if not bank.is_dir():
        logger.warning("demo_bank.missing", extra={"folder": str(bank)})
        return 0
    entries = await import_packages(catalog, [bank], languages)
    logger.info("demo_bank.loaded", extra={"questions": len(entries)})
    return len(entries)
