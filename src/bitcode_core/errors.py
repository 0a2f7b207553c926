"""Errors raised by the core.

BitCodeError
 ├── InvalidQuestion        a question or package breaks the format
 │    └── UnsupportedQuestion   well-formed, but a kind BitCode cannot judge
 ├── UnknownLanguage        no language in the table matches
 ├── LanguageUnavailable    the language is known, its toolchain is missing
 ├── SandboxUnavailable     no safe way to run untrusted code here
 ├── JudgeFailure           the judge itself broke (never the player's fault)
 ├── BattleRuleViolation    an action the battle's rules refuse
 │    ├── BattleOver         the battle has ended
 │    └── RoomRuleViolation  an action a room's lobby rules refuse
 ├── InvalidInput           a field's value breaks a rule (names the field)
 │    ├── WeakPassword       too short, too long or too common
 │    └── InvalidMedia       an upload that is not a readable image
 │         ├── UnsupportedImageType  readable bytes, but not PNG, JPEG, WebP or GIF
 │         ├── MediaTooLarge         more bytes than the cap
 │         └── ImageTooLarge         more pixels than the cap
 ├── MediaNotConfigured     the feature needs ImageKit, which is not set up
 ├── MediaStorageUnavailable  the media store failed; nothing was changed
 ├── Conflict               the name or address is taken
 ├── NotAuthenticated       no valid credentials (same answer for every cause)
 │    ├── InvalidCredentials wrong email or password
 │    └── InvalidToken       an access, refresh or one-time token is bad or spent
 ├── PermissionDenied       authenticated, but not allowed
 │    ├── EmailNotVerified   a provider vouches for an address it has not verified
 │    └── MediaNotInYourFolder  a direct upload outside the caller's avatar folder
 ├── NotConfigured          the server is not set up for this
 │    └── GoogleSignInNotConfigured
 ├── NotFound               no such thing (or not visible to you)
 │    ├── QuestionNotFound   no question with that id
 │    ├── MediaFileNotFound  the media store has no file with that id
 │    ├── RoomNotFound       no room with that id (or not visible to you)
 │    ├── BattleNotFound     no battle with that id (or not visible to you)
 │    ├── SubmissionNotFound no submission with that id (or not yours to see)
 │    ├── SeasonNotFound     no season with that id
 │    ├── UserNotFound       no such player (never one, or hidden from view)
 │    └── NotRanked          the player has no rating on that leaderboard
 └── RateLimited            too many tries; ``retry_after_s`` says when to come back
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


class RoomRuleViolation(BattleRuleViolation):
    code = "room-rule"
    default_message = "The room's rules do not allow that."


class InvalidInput(BitCodeError):
    code = "invalid-input"
    default_message = "A value is not valid."

    def __init__(self, message: str | None = None, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class WeakPassword(InvalidInput):
    code = "weak-password"
    default_message = "Choose a longer or less common password."


class InvalidMedia(InvalidInput):
    code = "invalid-media"
    default_message = "The file is not a readable image."


class UnsupportedImageType(InvalidMedia):
    code = "unsupported-image-type"
    default_message = "Send a PNG, JPEG, WebP or GIF image."


class MediaTooLarge(InvalidMedia):
    code = "media-too-large"
    default_message = "The file is larger than the upload limit."


class ImageTooLarge(InvalidMedia):
    code = "image-too-large"
    default_message = "The image has more pixels than the limit."


class MediaNotConfigured(BitCodeError):
    code = "media-not-configured"
    default_message = "Direct uploads need ImageKit, which this server does not use."


class MediaStorageUnavailable(BitCodeError):
    code = "media-storage-unavailable"
    default_message = (
        "The image could not be stored; nothing was changed. Try again later."
    )


class Conflict(BitCodeError):
    code = "conflict"
    default_message = "That is already taken."


class NotAuthenticated(BitCodeError):
    code = "not-authenticated"
    default_message = "Sign in first."


class InvalidCredentials(NotAuthenticated):
    code = "invalid-credentials"
    default_message = "The email or password is wrong."


class InvalidToken(NotAuthenticated):
    code = "invalid-token"
    default_message = "The token is invalid, expired or already used."


class PermissionDenied(BitCodeError):
    code = "permission-denied"
    default_message = "You are not allowed to do that."


class EmailNotVerified(PermissionDenied):
    code = "email-not-verified"
    default_message = (
        "Google has not verified this email address; verify it with Google first."
    )


class MediaNotInYourFolder(PermissionDenied):
    code = "media-not-in-your-folder"
    default_message = "That file is not in your avatar folder."


class NotConfigured(BitCodeError):
    code = "not-configured"
    default_message = "This server is not set up for that."


class GoogleSignInNotConfigured(NotConfigured):
    code = "google-sign-in-not-configured"
    default_message = "Google sign-in is not configured on this server."


class NotFound(BitCodeError):
    code = "not-found"
    default_message = "No such thing."


class RateLimited(BitCodeError):
    code = "rate-limited"
    default_message = "Too many tries; wait and try again."

    def __init__(
        self, message: str | None = None, *, retry_after_s: float = 60
    ) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class QuestionNotFound(NotFound):
    code = "question-not-found"
    default_message = "No such question."


class MediaFileNotFound(NotFound):
    code = "media-file-not-found"
    default_message = "The media store has no file with that id."


class RoomNotFound(NotFound):
    code = "room-not-found"
    default_message = "No such room."


class BattleNotFound(NotFound):
    code = "battle-not-found"
    default_message = "No such battle, or it is not yours to see."


class SubmissionNotFound(NotFound):
    code = "submission-not-found"
    default_message = "No such submission, or it is not yours to see."


class SeasonNotFound(NotFound):
    code = "season-not-found"
    default_message = "No such season."


class UserNotFound(NotFound):
    code = "user-not-found"
    default_message = "No such player."


class NotRanked(NotFound):
    code = "not-ranked"
    default_message = "That player has no rating on this leaderboard."
