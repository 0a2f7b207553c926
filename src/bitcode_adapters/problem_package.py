"""Read questions from folders in the ICPC problem package format.

See ``docs/problem-packages.md`` for what is read. Interactive, multi-pass and scored
problems are refused; a malformed package raises ``InvalidQuestion`` naming the file.
Links inside a package are refused, so a package never reads outside its folder.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bitcode_core.checking import CheckFlags, parse_flags
from bitcode_core.errors import InvalidQuestion, UnknownLanguage, UnsupportedQuestion
from bitcode_core.languages import LanguageTable
from bitcode_core.questions import (
    Difficulty,
    Limits,
    OutputCheck,
    Question,
    StatementFormat,
    TestCase,
    ValidatorProgram,
)
from bitcode_core.usecases.check_reference_solutions import ReferenceSolution

_STATEMENT_DIRS = ("problem_statement", "statement")
_STATEMENT_NAMES = ("problem.en.md", "problem.md", "problem.en.tex", "problem.tex")
_VALIDATOR_DIRS = ("output_validators", "output_validator")
_UNSUPPORTED_TYPES = {"interactive", "multi-pass", "scoring", "submit-answer"}
_CONFIG_MAX_BYTES = 64 * 1024


class _PlainYamlLoader(yaml.SafeLoader):
    """Safe YAML without aliases: an alias can make a few bytes of problem.yaml
    expand to gigabytes ("billion laughs"), and a package has no use for one."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.events.AliasEvent):
            mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed", mark
            )
        return super().compose_node(parent, index)


@dataclass(frozen=True, slots=True)
class ProblemPackage:
    root: Path
    question: Question
    solutions: tuple[ReferenceSolution, ...]


def load_package(root: Path, languages: LanguageTable) -> ProblemPackage:
    root = Path(root)
    if not root.is_dir():
        raise InvalidQuestion(f"{root}: not a folder")
    _refuse_links(root)
    config = _read_config(root)
    limits = _limits(root, config)
    flags, validator = _validation(root, config, languages)
    statement, statement_format = _statement(root)
    question = Question(
        id=_slug(root.resolve().name),
        title=_title(root, config),
        statement=statement,
        statement_format=statement_format,
        difficulty=_difficulty(root, config),
        tags=_tags(config),
        limits=limits,
        samples=tuple(_tests(root, "sample")),
        hidden=tuple(_tests(root, "secret")),
        check=OutputCheck(flags, validator),
    )
    return ProblemPackage(root, question, tuple(_solutions(root, languages)))


def _refuse_links(root: Path) -> None:
    for path in root.rglob("*"):
        if path.is_symlink():
            raise InvalidQuestion(f"{path}: links are not allowed in a package")


def _read_config(root: Path) -> dict[str, Any]:
    path = root / "problem.yaml"
    if not path.is_file():
        raise InvalidQuestion(f"{root}: not a problem package (no problem.yaml)")
    if path.stat().st_size > _CONFIG_MAX_BYTES:
        raise InvalidQuestion(f"{path}: larger than {_CONFIG_MAX_BYTES // 1024} KiB")
    try:
        config = yaml.load(path.read_text(encoding="utf-8"), Loader=_PlainYamlLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as error:
        raise InvalidQuestion(f"{path}: broken YAML: {_yaml_problem(error)}") from None
    except UnicodeDecodeError:
        raise InvalidQuestion(f"{path}: not UTF-8 text") from None
    if config is None:
        return {}
    if not isinstance(config, dict):
        raise InvalidQuestion(f"{path}: expected a mapping at the top level")
    return config


def _yaml_problem(error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    if mark is not None:
        return f"{problem} (line {mark.line + 1}, column {mark.column + 1})"
    return str(problem)


def _title(root: Path, config: dict[str, Any]) -> str:
    name = config.get("name")
    if isinstance(name, dict):
        name = name.get("en") or next(iter(name.values()), None)
    if name is None:
        return root.resolve().name.replace("-", " ").replace("_", " ").title()
    if not isinstance(name, str) or not name.strip():
        raise InvalidQuestion(f"{root / 'problem.yaml'}: name must be text")
    return name.strip()


def _difficulty(root: Path, config: dict[str, Any]) -> Difficulty:
    value = config.get("difficulty", "medium")
    try:
        return Difficulty(str(value).lower())
    except ValueError:
        choices = ", ".join(d.value for d in Difficulty)
        raise InvalidQuestion(
            f"{root / 'problem.yaml'}: difficulty must be one of {choices}"
        ) from None


def _tags(config: dict[str, Any]) -> tuple[str, ...]:
    keywords = config.get("keywords", [])
    if isinstance(keywords, str):
        keywords = keywords.split()
    if not isinstance(keywords, list):
        raise InvalidQuestion("problem.yaml: keywords must be a list of words")
    tags = (str(k).strip().lower() for k in keywords if not isinstance(k, dict | list))
    return tuple(dict.fromkeys(t for t in tags if t))


def _limits(root: Path, config: dict[str, Any]) -> Limits:
    where = root / "problem.yaml"
    limits = config.get("limits") or {}
    if not isinstance(limits, dict):
        raise InvalidQuestion(f"{where}: limits must be a mapping")
    time_s = limits.get("time_limit")
    legacy = root / ".timelimit"
    if time_s is None and legacy.is_file():
        time_s = _number(legacy, legacy.read_text().strip(), "the time limit")
    try:
        return Limits(
            time_s=_number(where, time_s, "limits.time_limit", 1.0),
            memory_mib=int(_number(where, limits.get("memory"), "limits.memory", 256)),
            output_mib=int(_number(where, limits.get("output"), "limits.output", 8)),
        )
    except InvalidQuestion as error:
        raise InvalidQuestion(f"{where}: {error}") from None


def _number(where: Path, value: object, what: str, default: float = 0.0) -> float:
    if value is None:
        return default
    if isinstance(value, bool):
        raise InvalidQuestion(f"{where}: {what} must be a number")
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InvalidQuestion(f"{where}: {what} must be a number") from None


def _validation(
    root: Path, config: dict[str, Any], languages: LanguageTable
) -> tuple[CheckFlags, ValidatorProgram | None]:
    where = root / "problem.yaml"
    words = str(config.get("validation", "default")).split()
    kinds = config.get("type", [])
    kinds = kinds.split() if isinstance(kinds, str) else list(kinds or [])
    refused = _UNSUPPORTED_TYPES.intersection(words + [str(k) for k in kinds])
    if "score" in words:
        refused.add("scoring")
    if refused:
        raise UnsupportedQuestion(
            f"{where}: {', '.join(sorted(refused))} problems are not supported"
        )
    flags_text = config.get("validator_flags", "")
    if isinstance(flags_text, list):
        flags_text = " ".join(str(f) for f in flags_text)
    try:
        flags = parse_flags(str(flags_text or ""))
    except InvalidQuestion as error:
        raise InvalidQuestion(f"{where}: {error}") from None
    if "custom" not in words:
        return flags, None
    return flags, _validator(root, languages)


def _validator(root: Path, languages: LanguageTable) -> ValidatorProgram:
    candidates = [
        (path, key)
        for folder in _VALIDATOR_DIRS
        if (root / folder).is_dir()
        for path in sorted((root / folder).rglob("*"))
        if path.is_file() and (key := _language_key(path, languages))
    ]
    if len(candidates) != 1:
        found = ", ".join(str(path) for path, _ in candidates) or "none"
        raise InvalidQuestion(
            f"{root}: custom validation needs exactly one validator program in "
            f"output_validators/ (found {found})"
        )
    path, key = candidates[0]
    return ValidatorProgram(key, path.name, path.read_bytes())


def _language_key(path: Path, languages: LanguageTable) -> str | None:
    try:
        return languages.for_filename(path.name).key
    except UnknownLanguage:
        return None


def _statement(root: Path) -> tuple[str, StatementFormat]:
    for folder in _STATEMENT_DIRS:
        for name in _STATEMENT_NAMES:
            path = root / folder / name
            if path.is_file():
                try:
                    text = path.read_text(encoding="utf-8")
                except UnicodeDecodeError:
                    raise InvalidQuestion(f"{path}: not UTF-8 text") from None
                latex = path.suffix == ".tex"
                return (
                    text,
                    StatementFormat.LATEX if latex else StatementFormat.MARKDOWN,
                )
    raise InvalidQuestion(
        f"{root}: no statement (expected problem_statement/problem.en.md or .tex)"
    )


def _tests(root: Path, group: str) -> Iterator[TestCase]:
    folder = root / "data" / group
    if not folder.is_dir():
        return
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    for path in files:
        if path.suffix in (".interaction", ".args", ".files"):
            raise UnsupportedQuestion(f"{path}: interactive tests are not supported")
    inputs = {p.with_suffix("") for p in files if p.suffix == ".in"}
    answers = {p.with_suffix("") for p in files if p.suffix == ".ans"}
    for stem in sorted(answers - inputs):
        raise InvalidQuestion(f"{stem}.ans: answer file without a matching .in")
    for stem in sorted(inputs):
        answer = stem.with_suffix(".ans")
        if stem not in answers:
            raise InvalidQuestion(f"{stem}.in: test input without a matching .ans")
        name = stem.relative_to(root / "data").as_posix()
        yield TestCase(
            name,
            (stem.with_suffix(".in")).read_bytes(),
            answer.read_bytes(),
            sample=group == "sample",
        )


def _solutions(root: Path, languages: LanguageTable) -> Iterator[ReferenceSolution]:
    folder = root / "submissions"
    if not folder.is_dir():
        return
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        relative = path.relative_to(folder)
        if len(relative.parts) < 2:
            continue
        key = _language_key(path, languages)
        yield ReferenceSolution(
            folder=relative.parts[0],
            path=str(path),
            language=languages.get(key) if key else None,
            source=path.read_bytes(),
        )


def _slug(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug[:64].strip("-") or "question"
