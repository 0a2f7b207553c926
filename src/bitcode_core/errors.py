"""Errors raised by the core.

BitCodeError
 ├── InvalidQuestion        a question or package breaks the format
 │    └── UnsupportedQuestion   well-formed, but a kind BitCode cannot judge
 ├── QuestionNotFound       no question with that id
 ├── UnknownLanguage        no language in the table matches
 ├── LanguageUnavailable    the language is known, its toolchain is missing
 ├── SandboxUnavailable     no safe way to run untrusted code here
 ├── JudgeFailure           the judge itself broke (never the player's fault)
 └── BattleRuleViolation    an action the battle's rules refuse
      └── BattleOver         the battle has ended
"""

from __future__ import annotations


class BitCodeError(Exception):
    """Root of every error the core raises; ``code`` is stable across releases."""

    code = "bitcode-error"
    default_message = "Something went wrong in BitCode."

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.default_message)

    @property
    def message(self) -> str:
        return str(self)


class InvalidQuestion(BitCodeError):
    code = "invalid-question"
    default_message = "The question is malformed."


class UnsupportedQuestion(InvalidQuestion):
    code = "unsupported-question"
    default_message = "BitCode cannot judge this kind of question."


class QuestionNotFound(BitCodeError):
    code = "question-not-found"
    default_message = "No such question."


class UnknownLanguage(BitCodeError):
    code = "unknown-language"
    default_message = "No such language."


class LanguageUnavailable(BitCodeError):
    code = "language-unavailable"
    default_message = "The language's toolchain is not installed here."


class SandboxUnavailable(BitCodeError):
    code = "sandbox-unavailable"
    default_message = "No sandbox is available to run untrusted code."


class JudgeFailure(BitCodeError):
    code = "judge-failure"
    default_message = "The judge failed; the submission was not held against you."


class BattleRuleViolation(BitCodeError):
    code = "battle-rule"
    default_message = "The battle's rules do not allow that."


class BattleOver(BattleRuleViolation):
    code = "battle-over"
    default_message = "The battle is over."
