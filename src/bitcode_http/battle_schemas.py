"""Battles at the edge: what clients send to play, and what they read back.

Requests are typed structs; what the server sends back is the same data the
battle channel carries (``bitcode_core.arena.announce``), so a client reads
one shape over REST and over the socket.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from msgspec import Meta

from bitcode_core.arena.announce import (
    battle_data,
    question_data,
    submission_data,
    tests_data,
)
from bitcode_core.arena.arena import BattleView, RunResult
from bitcode_core.arena.model import BattleSubmission

QuestionId = Annotated[str, Meta(min_length=1, max_length=64)]
LanguageKey = Annotated[str, Meta(min_length=1, max_length=32)]
# Bytes are checked again by the arena (its limit is in bytes, not characters).
Source = Annotated[str, Meta(min_length=1, max_length=64 * 1024)]
Input = Annotated[str, Meta(max_length=64 * 1024)]
IdempotencyKey = Annotated[
    str, Meta(min_length=1, max_length=64, pattern=r"^[\x21-\x7e]+$")
]


class SubmitRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    question: QuestionId
    language: LanguageKey
    source: Source
    # Sending the same key again returns the first submission, judged once.
    key: IdempotencyKey | None = None


class RunRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    question: QuestionId
    language: LanguageKey
    source: Source
    input: Input | None = None  # None: the question's samples


def view_data(view: BattleView, viewer: str) -> dict[str, Any]:
    data: dict[str, Any] = battle_data(view.battle)
    data["questions"] = [question_data(e) for e in view.questions]
    data["standings"] = list(view.standings)
    data["submissions"] = [submission_data(s) for s in view.submissions]
    data["you"] = viewer
    return data


def submission_detail(submission: BattleSubmission, with_code: bool) -> dict[str, Any]:
    data: dict[str, Any] = submission_data(submission)
    data["tests"] = tests_data(submission.tests) if with_code else []
    data["compile_log"] = submission.compile_log[-4000:] if with_code else ""
    data["source"] = submission.source.decode("utf-8", "replace") if with_code else None
    return data


def run_data(result: RunResult) -> dict[str, Any]:
    return {
        "compiled": result.compiled,
        "compile_log": result.compile_log,
        "outputs": [
            {
                "name": o.name,
                "status": o.status,
                "verdict": o.verdict.value if o.verdict else None,
                "stdout": o.stdout,
                "stderr": o.stderr,
                "time_s": o.time_s,
                "memory_kib": o.memory_kib,
            }
            for o in result.outputs
        ],
    }
