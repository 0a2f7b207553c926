"""Battles and submissions in this process: for one instance that may forget
them at exit (local play, tests of the rules). Ratings live beside them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from bitcode_adapters.arena.cursor import (
    history_cursor,
    history_key,
    parse_history_cursor,
)
from bitcode_adapters.ladder.memory import InMemoryLadderStore
from bitcode_core.arena.model import (
    BattleStatus,
    BattleSubmission,
    LiveBattle,
    SubmissionStatus,
)
from bitcode_core.arena.ports import BattlePage, Decide, Finished
from bitcode_core.ladder.model import ALL_TIME, LadderKey, Scope
from bitcode_core.ladder.rules import LadderUpdate
from bitcode_core.ports import PlayerRating
from bitcode_core.verdicts import SubmissionResult, Verdict


class InMemoryBattleRepository:
    def __init__(
        self,
        submissions: InMemorySubmissionRepository,
        ladder: InMemoryLadderStore | None = None,
    ) -> None:
        self._battles: dict[str, LiveBattle] = {}
        self._submissions = submissions
        self.ladder = ladder if ladder is not None else InMemoryLadderStore()

    async def add(self, battle: LiveBattle) -> None:
        self._battles[battle.id] = battle

    async def get(self, battle_id: str) -> LiveBattle | None:
        return self._battles.get(battle_id)

    async def begin(self, battle_id: str) -> bool:
        battle = self._battles.get(battle_id)
        if battle is None or battle.status is not BattleStatus.COUNTDOWN:
            return False
        self._battles[battle_id] = replace(battle, status=BattleStatus.RUNNING)
        return True

    async def add_forfeit(self, battle_id: str, player: str, at: float) -> bool:
        battle = self._battles.get(battle_id)
        if (
            battle is None
            or battle.status is BattleStatus.FINISHED
            or battle.forfeited(player)
        ):
            return False
        self._battles[battle_id] = battle.with_forfeit(player, at)
        return True

    async def finish(
        self,
        battle_id: str,
        keys: Sequence[LadderKey],
        decide: Decide,
        discard: Sequence[str],
    ) -> Finished | None:
        battle = self._battles.get(battle_id)
        if battle is None or battle.status is not BattleStatus.RUNNING:
            return None
        result, update = decide(await self.ladder.ratings(keys))
        if update is not None:
            self._rate(battle, update)
        self._battles[battle_id] = replace(
            battle, status=BattleStatus.FINISHED, result=result
        )
        self._submissions.discard(discard)
        return result, update

    def _rate(self, battle: LiveBattle, update: LadderUpdate) -> None:
        self.ladder.apply(update)
        season = update.battle.season
        judged = [
            s
            for s in self._submissions.all_of(battle.id)
            if s.status is SubmissionStatus.JUDGED
        ]
        scopes = (Scope.of(battle.settings.mode), Scope.OVERALL)
        for player in battle.players:
            mine = [s for s in judged if s.player == player]
            solved = {s.question_id for s in mine if s.verdict is Verdict.ACCEPTED}
            for ladder_season in (season, ALL_TIME):
                for scope in scopes:
                    self.ladder.played_in(
                        (player, ladder_season, scope),
                        [s.language for s in mine],
                        solved,
                    )

    async def vote_rematch(self, battle_id: str, player: str) -> LiveBattle:
        battle = self._battles[battle_id]
        voted = replace(battle, rematch_votes=battle.rematch_votes | {player})
        self._battles[battle_id] = voted
        return voted

    async def link_rematch(self, battle_id: str, rematch: LiveBattle) -> bool:
        battle = self._battles[battle_id]
        if battle.rematch is not None:
            return False
        self._battles[battle_id] = replace(battle, rematch=rematch.id)
        self._battles[rematch.id] = rematch
        return True

    async def due(self, now: float, limit: int) -> Sequence[str]:
        due = [
            b.id
            for b in self._battles.values()
            if (b.status is BattleStatus.COUNTDOWN and b.starts_at <= now)
            or (b.status is BattleStatus.RUNNING and b.ends_at <= now)
        ]
        return due[:limit]

    async def running(self) -> Sequence[str]:
        return [
            b.id
            for b in self._battles.values()
            if b.status is not BattleStatus.FINISHED
        ]

    async def history(self, player: str, cursor: str | None, limit: int) -> BattlePage:
        after = parse_history_cursor(cursor)
        mine = sorted(
            (
                b
                for b in self._battles.values()
                if b.result is not None and player in b.players
            ),
            key=history_key,
            reverse=True,
        )
        if after is not None:
            mine = [b for b in mine if history_key(b) < after]
        page = tuple(mine[:limit])
        more = len(mine) > limit
        return BattlePage(page, history_cursor(page[-1]) if more and page else None)


class InMemorySubmissionRepository:
    def __init__(self) -> None:
        self._submissions: dict[str, BattleSubmission] = {}
        self._leases: dict[str, tuple[str, float]] = {}

    async def add(
        self,
        submission: BattleSubmission,
        holder: str,
        lease_until: float,
        max_queued: int | None = None,
    ) -> tuple[BattleSubmission, bool] | None:
        if submission.key is not None:
            for earlier in self._submissions.values():
                if (
                    earlier.battle_id == submission.battle_id
                    and earlier.player == submission.player
                    and earlier.key == submission.key
                ):
                    return earlier, False
        if max_queued is not None:
            waiting = await self.queued_of(submission.battle_id, submission.player)
            if waiting >= max_queued:
                return None
        self._submissions[submission.id] = submission
        self._leases[submission.id] = (holder, lease_until)
        return submission, True

    async def get(self, submission_id: str) -> BattleSubmission | None:
        return self._submissions.get(submission_id)

    def all_of(self, battle_id: str) -> list[BattleSubmission]:
        return [s for s in self._submissions.values() if s.battle_id == battle_id]

    async def of_battle(self, battle_id: str) -> Sequence[BattleSubmission]:
        return [s for s in self._submissions.values() if s.battle_id == battle_id]

    async def queued_of(self, battle_id: str, player: str) -> int:
        return sum(
            1
            for s in self._submissions.values()
            if s.battle_id == battle_id
            and s.player == player
            and s.status is SubmissionStatus.QUEUED
        )

    async def judged(
        self, submission_id: str, result: SubmissionResult, at: float
    ) -> BattleSubmission | None:
        submission = self._submissions.get(submission_id)
        if submission is None or submission.status is not SubmissionStatus.QUEUED:
            return None
        judged = replace(
            submission,
            status=SubmissionStatus.JUDGED,
            verdict=result.verdict,
            tests=result.tests,
            tests_total=result.total_tests,
            compile_log=result.compile_log,
            judged_at=at,
        )
        self._submissions[submission_id] = judged
        self._leases.pop(submission_id, None)
        return judged

    async def renew(
        self, submission_ids: Sequence[str], holder: str, lease_until: float
    ) -> None:
        for submission_id in submission_ids:
            lease = self._leases.get(submission_id)
            if lease is not None and lease[0] == holder:
                self._leases[submission_id] = (holder, lease_until)

    async def claim_stale(
        self, holder: str, now: float, lease_until: float, limit: int
    ) -> Sequence[BattleSubmission]:
        claimed: list[BattleSubmission] = []
        for submission_id, (_, until) in list(self._leases.items()):
            if len(claimed) >= limit:
                break
            submission = self._submissions[submission_id]
            if until < now and submission.status is SubmissionStatus.QUEUED:
                self._leases[submission_id] = (holder, lease_until)
                claimed.append(submission)
        return claimed

    def discard(self, submission_ids: Sequence[str]) -> None:
        for submission_id in submission_ids:
            submission = self._submissions.get(submission_id)
            if submission is not None and submission.status is SubmissionStatus.QUEUED:
                self._submissions[submission_id] = replace(
                    submission, status=SubmissionStatus.DISCARDED
                )
                self._leases.pop(submission_id, None)


class InMemoryArenaRatings:
    """The ratings the in-memory battles move, read as the lobby reads them."""

    def __init__(self, ratings: dict[str, PlayerRating]) -> None:
        self._ratings = ratings

    async def get_many(self, players: Iterable[str]) -> Mapping[str, PlayerRating]:
        return {p: self._ratings[p] for p in players if p in self._ratings}
