"""In-memory adapters: real implementations for one process, used by the local
battle command, by embedded single-user runs, and as the reference in contract tests.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence

from bitcode_core.errors import QuestionNotFound
from bitcode_core.ports import PlayerRating
from bitcode_core.questions import Question


class InMemoryQuestionRepository:
    def __init__(self, questions: Iterable[Question] = ()) -> None:
        self._questions: dict[str, Question] = {}
        self._lock = threading.Lock()
        for question in questions:
            self.add(question)

    def get(self, question_id: str) -> Question:
        with self._lock:
            try:
                return self._questions[question_id]
            except KeyError:
                raise QuestionNotFound(f"no question {question_id!r}") from None

    def list(self) -> Sequence[Question]:
        with self._lock:
            return sorted(self._questions.values(), key=lambda q: q.id)

    def add(self, question: Question) -> None:
        with self._lock:
            self._questions[question.id] = question


class InMemoryRatingStore:
    def __init__(self) -> None:
        self._ratings: dict[str, PlayerRating] = {}
        self._lock = threading.Lock()

    def get_many(self, players: Iterable[str]) -> Mapping[str, PlayerRating]:
        with self._lock:
            return {p: self._ratings[p] for p in players if p in self._ratings}

    def save_many(self, ratings: Iterable[PlayerRating]) -> None:
        with self._lock:
            for rating in ratings:
                self._ratings[rating.player] = rating
