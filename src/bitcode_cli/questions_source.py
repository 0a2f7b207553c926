"""Find questions for the CLI: a package folder, or an id in the demo bank."""

from __future__ import annotations

from pathlib import Path

from bitcode_adapters.problem_package import ProblemPackage, load_package
from bitcode_cli import bootstrap
from bitcode_core.errors import QuestionNotFound
from bitcode_core.languages import LanguageTable


def find_package(reference: str, languages: LanguageTable) -> ProblemPackage:
    path = Path(reference)
    if path.is_dir():
        return load_package(path, languages)
    bank = bootstrap.demo_bank_dir()
    candidate = bank / reference
    if "/" not in reference and candidate.is_dir():
        return load_package(candidate, languages)
    raise QuestionNotFound(
        f"no question {reference!r}: not a package folder, nor an id in the demo "
        f"bank at {bank} (see 'bitcode questions list')"
    )


def demo_bank(languages: LanguageTable) -> list[ProblemPackage]:
    bank = bootstrap.demo_bank_dir()
    folders = sorted(p for p in bank.iterdir() if (p / "problem.yaml").is_file())
    return [load_package(folder, languages) for folder in folders]
