"""Ratings kept in a JSON file, for local battles on one machine.

Writes are atomic (a temporary file renamed over the old one) and serialised with
an advisory lock, so two ``bitcode battle`` runs at once never lose an update.
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from bitcode_core.errors import BitCodeError
from bitcode_core.ports import PlayerRating


class RatingFileCorrupt(BitCodeError):
    code = "rating-file-corrupt"
    default_message = "The local ratings file cannot be read."


class JsonFileRatingStore:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def get_many(self, players: Iterable[str]) -> Mapping[str, PlayerRating]:
        with self._locked():
            ratings = self._read()
        return {p: ratings[p] for p in players if p in ratings}

    def save_many(self, ratings: Iterable[PlayerRating]) -> None:
        with self._locked():
            stored = self._read()
            stored.update((r.player, r) for r in ratings)
            self._write(stored)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            lock_path = self.path.with_name(self.path.name + ".lock")
            lock = lock_path.open("a")
        except OSError as error:
            raise RatingFileCorrupt(
                f"cannot use the ratings file {self.path}: {error.strerror}"
            ) from error
        with lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _read(self) -> dict[str, PlayerRating]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except OSError as error:
            raise RatingFileCorrupt(f"{self.path}: {error.strerror}") from error
        except (ValueError, UnicodeDecodeError) as error:
            raise RatingFileCorrupt(f"{self.path}: {error}") from error
        try:
            return {
                player: PlayerRating(player, float(e["rating"]), int(e["battles"]))
                for player, e in data["players"].items()
            }
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise RatingFileCorrupt(f"{self.path}: unexpected layout") from error

    def _write(self, ratings: Mapping[str, PlayerRating]) -> None:
        document = {
            "version": 1,
            "players": {
                p: {"rating": r.rating, "battles": r.rated_battles}
                for p, r in sorted(ratings.items())
            },
        }
        try:
            fd, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".ratings-")
        except OSError as error:
            raise RatingFileCorrupt(f"{self.path}: {error.strerror}") from error
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(document, handle, indent=2)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.path)
        except OSError as error:
            Path(temporary).unlink(missing_ok=True)
            raise RatingFileCorrupt(f"{self.path}: {error.strerror}") from error
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
