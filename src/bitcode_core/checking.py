"""The default output validator of the ICPC problem package format.

Output is compared token by token with the judge's answer. By default case and the
amount of whitespace do not matter; flags make either significant and let floats
match within a tolerance. Works on bytes so any output, even invalid UTF-8, is judged
rather than crashing the checker.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bitcode_core.errors import InvalidQuestion

_FLOAT = re.compile(rb"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_SPACE_SPLIT = re.compile(rb"(\s+)")
_SHOWN = 40  # bytes of a token quoted in a feedback message


@dataclass(frozen=True, slots=True)
class CheckFlags:
    case_sensitive: bool = False
    space_change_sensitive: bool = False
    float_absolute_tolerance: float | None = None
    float_relative_tolerance: float | None = None

    @property
    def compares_floats(self) -> bool:
        return (
            self.float_absolute_tolerance is not None
            or self.float_relative_tolerance is not None
        )

    def as_words(self) -> tuple[str, ...]:
        words: list[str] = []
        if self.case_sensitive:
            words.append("case_sensitive")
        if self.space_change_sensitive:
            words.append("space_change_sensitive")
        if self.float_absolute_tolerance is not None:
            words += ["float_absolute_tolerance", repr(self.float_absolute_tolerance)]
        if self.float_relative_tolerance is not None:
            words += ["float_relative_tolerance", repr(self.float_relative_tolerance)]
        return tuple(words)


@dataclass(frozen=True, slots=True)
class CheckResult:
    accepted: bool
    message: str = ""


def parse_flags(words: str | Iterable[str]) -> CheckFlags:
    """Read validator flags as written in ``problem.yaml``."""
    tokens = words.split() if isinstance(words, str) else list(words)
    options: dict[str, object] = {}
    i = 0
    while i < len(tokens):
        word = tokens[i]
        if word in ("case_sensitive", "space_change_sensitive"):
            options[word] = True
            i += 1
            continue
        if word not in (
            "float_tolerance",
            "float_absolute_tolerance",
            "float_relative_tolerance",
        ):
            raise InvalidQuestion(f"unknown validator flag {word!r}")
        value = _tolerance(word, tokens[i + 1] if i + 1 < len(tokens) else None)
        if word == "float_tolerance":
            options["float_absolute_tolerance"] = value
            options["float_relative_tolerance"] = value
        else:
            options[word] = value
        i += 2
    return CheckFlags(**options)  # type: ignore[arg-type]


def _tolerance(flag: str, text: str | None) -> float:
    if text is None:
        raise InvalidQuestion(f"validator flag {flag} needs a number")
    try:
        value = float(text)
    except ValueError:
        raise InvalidQuestion(
            f"validator flag {flag} needs a number, not {text!r}"
        ) from None
    if not math.isfinite(value) or value < 0:
        raise InvalidQuestion(f"validator flag {flag} must be a finite number >= 0")
    return value


def check_output(answer: bytes, output: bytes, flags: CheckFlags) -> CheckResult:
    """Judge ``output`` against the judge's ``answer``."""
    if flags.space_change_sensitive:
        judge_parts = _SPACE_SPLIT.split(answer)
        team_parts = _SPACE_SPLIT.split(output)
    else:
        judge_parts = answer.split()
        team_parts = output.split()
    return _compare(judge_parts, team_parts, flags)


def _compare(
    judge: Sequence[bytes], team: Sequence[bytes], flags: CheckFlags
) -> CheckResult:
    for index, (expected, got) in enumerate(zip(judge, team, strict=False)):
        if flags.space_change_sensitive and index % 2 == 1:
            if expected != got:
                return CheckResult(
                    False, f"whitespace differs after token {index // 2 + 1}"
                )
            continue
        problem = _token_problem(expected, got, flags)
        if problem:
            position = index // 2 + 1 if flags.space_change_sensitive else index + 1
            return CheckResult(False, f"token {position}: {problem}")
    if len(team) > len(judge):
        return CheckResult(False, f"trailing output: {_show(team[len(judge)])}")
    if len(team) < len(judge):
        return CheckResult(
            False, f"output ended early: expected {_show(judge[len(team)])}"
        )
    return CheckResult(True)


def _token_problem(expected: bytes, got: bytes, flags: CheckFlags) -> str:
    if _same_text(expected, got, flags.case_sensitive):
        return ""
    if flags.compares_floats and _FLOAT.fullmatch(expected):
        if not _FLOAT.fullmatch(got):
            return f"expected a number {_show(expected)}, got {_show(got)}"
        if _within_tolerance(float(expected), float(got), flags):
            return ""
        return f"{_show(got)} is not within tolerance of {_show(expected)}"
    return f"expected {_show(expected)}, got {_show(got)}"


def _same_text(expected: bytes, got: bytes, case_sensitive: bool) -> bool:
    if case_sensitive:
        return expected == got
    return expected.lower() == got.lower()


def _within_tolerance(expected: float, got: float, flags: CheckFlags) -> bool:
    if math.isinf(expected) or math.isinf(got):
        return expected == got
    error = abs(expected - got)
    absolute = flags.float_absolute_tolerance
    relative = flags.float_relative_tolerance
    if absolute is not None and error <= absolute:
        return True
    return relative is not None and error <= relative * abs(expected)


def _show(token: bytes) -> str:
    text = token[:_SHOWN].decode("utf-8", "replace")
    return repr(text + ("…" if len(token) > _SHOWN else ""))
