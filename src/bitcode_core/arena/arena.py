"""The arena's use cases: battles from the start of a room to the result.

Time is the server's: every check uses the clock handed in, never a time the
client sent. Each step checks, stores, then announces on the battle's channel
(``battle:ID``); a submission is stored before it is acknowledged and a
result before it is announced, so an instance that stops loses neither. The
steps that fall due (the reveal at the end of the countdown, the end) may be
taken by any instance: the store lets only one of them through.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from collections.abc import Coroutine, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

from bitcode_core.accounts.model import Principal, Role
from bitcode_core.accounts.ports import RateLimiter, Secrets, UserRepository
from bitcode_core.arena.announce import (
    battle_data,
    question_data,
    result_data,
    submission_data,
    test_data,
    tests_data,
)
from bitcode_core.arena.fair_queue import FairQueue
from bitcode_core.arena.model import (
    BattleSide,
    BattleStatus,
    BattleSubmission,
    LiveBattle,
    QuestionRef,
    SubmissionStatus,
    decide,
    rated_battle,
    replay,
    with_ratings,
)
from bitcode_core.arena.ports import (
    BattlePage,
    BattleRepository,
    Finished,
    SubmissionRepository,
)
from bitcode_core.battles import EndReason
from bitcode_core.catalog.model import CatalogEntry, QuestionFilter
from bitcode_core.catalog.ports import QuestionCatalog
from bitcode_core.checking import check_output
from bitcode_core.errors import (
    BattleNotFound,
    BattleOver,
    BattleRuleViolation,
    BitCodeError,
    InvalidInput,
    LanguageUnavailable,
    PermissionDenied,
    RateLimited,
    RoomNotFound,
    SubmissionNotFound,
)
from bitcode_core.ladder.ladder import Ladder
from bitcode_core.ladder.model import LadderKey, LadderRating
from bitcode_core.ladder.rules import RatedBattle, keys_needed, rate
from bitcode_core.languages import LanguageTable
from bitcode_core.ports import Clock, ExitStatus, Judge
from bitcode_core.questions import TestCase
from bitcode_core.rooms.channels import battle_channel, room_channel, user_channel
from bitcode_core.rooms.lobby import Lobby
from bitcode_core.rooms.lobby_room import LobbyRoom
from bitcode_core.rooms.ports import EventBus, JsonValue, Presence, RoomRepository
from bitcode_core.rooms.settings import ChosenQuestions, RandomQuestions, RoomSettings
from bitcode_core.usecases.judge_submission import (
    Submission,
    ValidatorCache,
    judge_submission,
)
from bitcode_core.verdicts import SubmissionResult, TestOutcome, Verdict

logger = logging.getLogger(__name__)

# Pages of a match history read at most to fill one for another viewer.
_HISTORY_READS = 10


class Scheduler(Protocol):
    """Work for later, provided by the server: judging once a submission is
    acknowledged, and the battle steps that fall due at a time. Failures are
    logged by the scheduler; a lost wake-up is made good by a periodic sweep
    over ``Arena.due``."""

    def spawn(self, work: Coroutine[Any, Any, None], name: str) -> None: ...

    def wake(self, battle_id: str, at: float) -> None:
        """Call ``Arena.advance(battle_id)`` at wall-clock time ``at``."""
        ...


@dataclass(frozen=True, slots=True)
class ArenaSettings:
    countdown_s: float = 5.0
    penalty_s: float = 300.0
    max_source_bytes: int = 64 * 1024
    max_input_bytes: int = 64 * 1024
    max_queued: int = 3  # a player's submissions waiting, across instances
    run_burst: int = 5  # runs a player may make ...
    run_window_s: float = 30.0  # ... per this many seconds
    run_output_bytes: int = 16 * 1024  # shown of each run's output
    lease_s: float = 60.0  # an instance holds a submission it judges this long


@dataclass(frozen=True, slots=True)
class RunOutput:
    name: str  # the sample's name, or "input"
    status: str
    verdict: Verdict | None  # against the sample's answer; None on own input
    stdout: str
    stderr: str
    time_s: float
    memory_kib: int


@dataclass(frozen=True, slots=True)
class RunResult:
    compiled: bool
    compile_log: str
    outputs: tuple[RunOutput, ...]


@dataclass(frozen=True, slots=True)
class BattleView:
    battle: LiveBattle
    questions: tuple[CatalogEntry, ...]  # empty until the reveal
    submissions: tuple[BattleSubmission, ...]
    standings: Sequence[Mapping[str, JsonValue]]


class Arena:
    def __init__(
        self,
        *,
        battles: BattleRepository,
        submissions: SubmissionRepository,
        lobby: Lobby,
        rooms: RoomRepository,
        catalog: QuestionCatalog,
        judge: Judge,
        validators: ValidatorCache,
        languages: LanguageTable,
        bus: EventBus,
        presence: Presence,
        limiter: RateLimiter,
        secrets: Secrets,
        clock: Clock,
        queue: FairQueue,
        scheduler: Scheduler,
        holder: str,
        settings: ArenaSettings | None = None,
        ladder: Ladder | None = None,
        users: UserRepository | None = None,
    ) -> None:
        self._battles = battles
        self._submissions = submissions
        self._lobby = lobby
        self._rooms = rooms
        self._catalog = catalog
        self._judge = judge
        self._validators = validators
        self._languages = languages
        self._bus = bus
        self._presence = presence
        self._limiter = limiter
        self._secrets = secrets
        self._clock = clock
        self.queue = queue
        self._scheduler = scheduler
        self.holder = holder  # this instance, as the holder of leases
        self.settings = settings or ArenaSettings()
        self._ladder = ladder  # None: rated battles move no rating
        self._users = users
        self._judging: set[str] = set()  # submission ids held by this instance

    # Starting

    async def start_room(self, host: Principal, room_id: str) -> LiveBattle:
        """The host starts the room: its battle counts down at once."""
        lobby_room = await self._lobby.start(host, room_id)
        room = lobby_room.room
        sides = tuple(
            BattleSide(index, members)
            for index, members in enumerate(s for s in room.seats if s)
        )
        try:
            battle = await self._open(lobby_room.id, room.settings, sides, lobby_room)
        except Exception:
            await self._lobby.battle_over(room_id, None)
            raise
        await self._rooms.change(room_id, lambda r: _began(r, battle.id))
        return battle

    async def _open(
        self,
        room_id: str,
        settings: RoomSettings,
        sides: tuple[BattleSide, ...],
        names: LobbyRoom | Mapping[str, str],
        previous: LiveBattle | None = None,
    ) -> LiveBattle:
        exclude = previous.question_ids if previous else ()
        if previous is not None:
            settings = _rematch_settings(settings)
        questions = await self._draw(settings, exclude)
        now = self._clock.now()
        starts_at = now + self.settings.countdown_s
        battle = LiveBattle(
            id=self._secrets.new_id(),
            room_id=room_id,
            settings=settings,
            sides=sides,
            questions=questions,
            names=dict(names.names if isinstance(names, LobbyRoom) else names),
            created_at=now,
            starts_at=starts_at,
            ends_at=starts_at + settings.time_limit_s,
            penalty_s=self.settings.penalty_s,
            previous=previous.id if previous else None,
        )
        if previous is not None:
            if not await self._battles.link_rematch(previous.id, battle):
                raise BattleRuleViolation("the rematch has already begun")
        else:
            await self._battles.add(battle)
        self._scheduler.wake(battle.id, battle.starts_at)

        data = battle_data(battle)
        await self._bus.publish(room_channel(room_id), "battle.created", data)
        await self._bus.publish(battle_channel(battle.id), "battle.created", data)
        logger.info(
            "battle.created",
            extra={"battle_id": battle.id, "room_id": room_id},
        )
        return battle

    async def _draw(
        self, settings: RoomSettings, exclude: Sequence[str]
    ) -> tuple[QuestionRef, ...]:
        choice = settings.questions
        if isinstance(choice, ChosenQuestions):
            wanted = choice.ids
        else:
            count = choice.count
            pool = await self._candidates(choice)
            fresh = [q for q in pool if q not in exclude]
            # A rematch takes new questions while there are enough of them.
            candidates = fresh if len(fresh) >= count else pool
            if len(candidates) < count:
                raise InvalidInput("not enough questions left in the catalog")
            token = self._secrets.token()
            wanted = tuple(sorted(candidates, key=lambda q: _shuffle(token, q))[:count])
        refs = []
        for question_id in wanted:
            entry = await self._catalog.get(question_id)
            if entry is None:
                raise InvalidInput(f"question {question_id!r} is gone from the catalog")
            refs.append(QuestionRef(entry.id, entry.version))
        return tuple(refs)

    async def _candidates(self, choice: RandomQuestions) -> list[str]:
        tags = choice.tags
        first = min(tags) if tags else None
        where = QuestionFilter(difficulty=choice.difficulty, tag=first)
        found: list[str] = []
        cursor: str | None = None
        while True:
            page = await self._catalog.list(where, cursor, 100)
            found += [q.id for q in page.entries if tags <= set(q.tags)]
            cursor = page.next_cursor
            if cursor is None:
                return found

    # Steps that fall due

    async def advance(self, battle_id: str) -> LiveBattle | None:
        """Take whatever step is due now: the reveal, or the end."""
        battle = await self._battles.get(battle_id)
        if battle is None or battle.status is BattleStatus.FINISHED:
            return battle
        now = self._clock.now()
        if battle.status is BattleStatus.COUNTDOWN:
            if now < battle.starts_at:
                return battle
            if await self._battles.begin(battle_id):
                await self._reveal(battle)
                self._scheduler.wake(battle_id, battle.ends_at)
            battle = replace(battle, status=BattleStatus.RUNNING)
        return await self._settle(battle, now)

    async def _reveal(self, battle: LiveBattle) -> None:
        entries = await self._entries(battle)
        await self._bus.publish(
            battle_channel(battle.id),
            "battle.started",
            {
                "battle": battle.id,
                "starts_at": battle.starts_at,
                "ends_at": battle.ends_at,
                "questions": [question_data(e) for e in entries],
            },
        )

    async def _settle(self, battle: LiveBattle, now: float) -> LiveBattle:
        submissions = await self._submissions.of_battle(battle.id)
        decision = replay(battle, submissions, now)
        if not decision.decided:
            return battle
        late = [
            s.id
            for s in submissions
            if s.status is SubmissionStatus.QUEUED and s.id not in decision.counted
        ]
        result = decide(battle, submissions, decision)
        rated: RatedBattle | None = None
        if battle.rated and not result.voided and self._ladder is not None:
            season, before = await self._ladder.season_at(result.ended_at)
            rated = rated_battle(
                battle, result, season.id, before.id if before else None
            )
        rules = self._ladder.rules if self._ladder is not None else None

        def decide_with(book: Mapping[LadderKey, LadderRating]) -> Finished:
            if rated is None or rules is None:
                return result, None
            update = rate(rated, book, rules)
            return with_ratings(result, update, rated.season), update

        keys = keys_needed(rated) if rated is not None else ()
        stored = await self._battles.finish(battle.id, keys, decide_with, late)
        if stored is None:  # another instance finished it
            return await self._battles.get(battle.id) or battle
        result, update = stored
        finished = replace(battle, status=BattleStatus.FINISHED, result=result)
        for submission in submissions:
            if submission.id in late:
                await self._bus.publish(
                    user_channel(submission.player),
                    "submission.discarded",
                    {"battle": battle.id, "submission": submission.id},
                )
        await self._bus.publish(
            battle_channel(battle.id),
            "battle.finished",
            {"battle": battle.id, **result_data(result)},
        )
        await self._reopen_room(finished)
        if update is not None and self._ladder is not None:
            countries = await self._countries(battle.players)
            await self._ladder.rated(update, countries)
        logger.info(
            "battle.finished",
            extra={
                "battle_id": battle.id,
                "reason": result.reason.value,
                "voided": result.voided,
                "rated": bool(result.rating_changes),
            },
        )
        return finished

    async def _reopen_room(self, battle: LiveBattle) -> None:
        """The result is stored and announced: a room that cannot be reached
        now only stays in battle until its players' seats expire."""
        try:
            await self._lobby.battle_over(battle.room_id, battle.id)
        except BitCodeError:
            logger.warning(
                "room.reopen_failed",
                extra={"battle_id": battle.id, "room_id": battle.room_id},
            )

    async def due(self, limit: int = 100) -> Sequence[str]:
        return await self._battles.due(self._clock.now(), limit)

    async def unfinished(self) -> Sequence[LiveBattle]:
        found = []
        for battle_id in await self._battles.running():
            battle = await self._battles.get(battle_id)
            if battle is not None:
                found.append(battle)
        return found

    # Playing

    async def submit(
        self,
        player: Principal,
        battle_id: str,
        *,
        question_id: str,
        language: str,
        source: bytes,
        key: str | None = None,
    ) -> BattleSubmission:
        now = self._clock.now()
        if key is not None:
            # A retry answers what was accepted, even once the battle is over:
            # a client whose answer was lost learns that its code counts.
            earlier = await self._sent_with(battle_id, player.user_id, key)
            if earlier is not None:
                return _retried(earlier, question_id, language, source)
        battle = await self._playing(player, battle_id, now)
        self._check_code(battle, question_id, language, source)
        self.queue.check_room(player.user_id)

        submission = BattleSubmission(
            id=self._secrets.new_id(),
            battle_id=battle_id,
            player=player.user_id,
            question_id=question_id,
            language=language,
            source=source,
            submitted_at=now,
            key=key,
            tests_total=0,
        )
        added = await self._submissions.add(
            submission,
            self.holder,
            now + self.settings.lease_s,
            max_queued=self.settings.max_queued,
        )
        if added is None:
            raise RateLimited(
                "wait for your earlier submissions to be judged", retry_after_s=1.0
            )
        stored, fresh = added
        if not fresh:  # the same key at the same time: judged once
            return _retried(stored, question_id, language, source)
        await self._bus.publish(
            battle_channel(battle_id), "submission.queued", submission_data(stored)
        )
        self._judge_later(stored)
        return stored

    async def _sent_with(
        self, battle_id: str, player: str, key: str
    ) -> BattleSubmission | None:
        return next(
            (
                s
                for s in await self._submissions.of_battle(battle_id)
                if s.player == player and s.key == key
            ),
            None,
        )

    def _judge_later(self, submission: BattleSubmission) -> None:
        self._judging.add(submission.id)
        self._scheduler.spawn(self._judge_one(submission), f"judge-{submission.id}")

    async def _judge_one(self, submission: BattleSubmission) -> None:
        try:
            battle = await self._battles.get(submission.battle_id)
            if battle is None:
                return
            result = await self.queue.run(
                submission.player,
                lambda: self._verdict(battle, submission),
                admit=False,  # admitted when it was accepted
            )
            stored = await self._submissions.judged(
                submission.id, result, self._clock.now()
            )
            if stored is None:
                return
            await self._announce_verdict(stored, result)
            await self.advance(submission.battle_id)
        finally:
            self._judging.discard(submission.id)

    async def _verdict(
        self, battle: LiveBattle, submission: BattleSubmission
    ) -> SubmissionResult:
        ref = next(q for q in battle.questions if q.id == submission.question_id)
        entry = await self._catalog.get(ref.id, ref.version)
        if entry is None:
            return SubmissionResult(Verdict.INTERNAL_ERROR, (), 0, "question is gone")
        question = entry.question
        channel = battle_channel(battle.id)
        done: list[TestOutcome] = []

        async def progress(outcome: TestOutcome) -> None:
            done.append(outcome)
            await self._bus.publish(
                user_channel(submission.player),
                "submission.test",
                {
                    "battle": battle.id,
                    "submission": submission.id,
                    **test_data(outcome, len(done) - 1),
                },
            )
            await self._bus.publish(
                channel,
                "submission.progress",
                {
                    "battle": battle.id,
                    "submission": submission.id,
                    "player": submission.player,
                    "question": submission.question_id,
                    "tests_done": len(done),
                    "tests_passed": sum(
                        1 for o in done if o.verdict is Verdict.ACCEPTED
                    ),
                    "tests_total": len(question.tests),
                },
            )

        try:
            language = self._languages.get(submission.language)
            return await judge_submission(
                self._judge,
                self._validators,
                Submission(question, language, submission.source),
                run_all=True,
                on_test=progress,
            )
        except BitCodeError:
            # The judge's failure, never the player's: an Internal Error,
            # which voids a rated battle rather than rating anyone on it.
            logger.exception(
                "submission.judge_failed", extra={"submission_id": submission.id}
            )
            return SubmissionResult(Verdict.INTERNAL_ERROR, (), len(question.tests))

    async def _announce_verdict(
        self, stored: BattleSubmission, result: SubmissionResult
    ) -> None:
        await self._bus.publish(
            user_channel(stored.player),
            "submission.result",
            {
                **submission_data(stored),
                "compile_log": result.compile_log[-4000:],
                "tests": tests_data(result.tests),
            },
        )
        await self._bus.publish(
            battle_channel(stored.battle_id),
            "submission.judged",
            submission_data(stored),
        )
        logger.info(
            "submission.judged",
            extra={
                "submission_id": stored.id,
                "battle_id": stored.battle_id,
                "verdict": stored.verdict.value if stored.verdict else None,
                "seconds": round((stored.judged_at or 0) - stored.submitted_at, 3),
            },
        )

    async def run(
        self,
        player: Principal,
        battle_id: str,
        *,
        question_id: str,
        language: str,
        source: bytes,
        stdin: bytes | None = None,
    ) -> RunResult:
        """Run code on the player's own input (the samples when none): output,
        errors, time and memory; never scored."""
        now = self._clock.now()
        battle = await self._playing(player, battle_id, now)
        self._check_code(battle, question_id, language, source)
        if stdin is not None and len(stdin) > self.settings.max_input_bytes:
            limit = self.settings.max_input_bytes
            raise InvalidInput(f"input takes at most {limit} bytes", field="input")
        decision = await self._limiter.hit(
            f"run:{player.user_id}", self.settings.run_burst, self.settings.run_window_s
        )
        if not decision.allowed:
            raise RateLimited(
                "you are running code too often", retry_after_s=decision.retry_after_s
            )

        ref = next(q for q in battle.questions if q.id == question_id)
        entry = await self._catalog.get(ref.id, ref.version)
        if entry is None:
            raise BattleNotFound("the question is gone")
        question = entry.question
        tests = (
            (TestCase("input", stdin, b""),) if stdin is not None else question.samples
        )
        lang = self._languages.get(language)

        async def work() -> RunResult:
            compilation = await self._judge.compile(lang, source)
            if compilation.program is None:
                return RunResult(False, compilation.log[-4000:], ())
            try:
                executions = await self._judge.run_many(
                    compilation.program, [t.input for t in tests], question.limits
                )
            finally:
                await self._judge.release(compilation.program)
            outputs = []
            for test, execution in zip(tests, executions, strict=True):
                verdict = None
                if stdin is None and execution.status is ExitStatus.OK:
                    checked = check_output(
                        test.answer, execution.stdout, question.check.flags
                    )
                    verdict = (
                        Verdict.ACCEPTED if checked.accepted else Verdict.WRONG_ANSWER
                    )
                limit = self.settings.run_output_bytes
                outputs.append(
                    RunOutput(
                        name=test.name,
                        status=execution.status.value,
                        verdict=verdict,
                        stdout=execution.stdout[:limit].decode("utf-8", "replace"),
                        stderr=execution.stderr[-limit:].decode("utf-8", "replace"),
                        time_s=execution.cpu_time_s,
                        memory_kib=execution.memory_kib,
                    )
                )
            return RunResult(True, compilation.log[-4000:], tuple(outputs))

        return await self.queue.run(player.user_id, work)

    async def forfeit(self, player: Principal, battle_id: str) -> LiveBattle:
        battle = await self._battle_of(player, battle_id)
        if player.user_id not in battle.players:
            raise PermissionDenied("you are not playing in this battle")
        if battle.status is BattleStatus.FINISHED:
            raise BattleOver("the battle is over")
        if self._clock.now() < battle.starts_at:
            # Nothing was played yet: a result decided here would rate a
            # battle nobody fought.
            raise BattleRuleViolation("the battle has not started yet")
        return await self._give_up(battle, player.user_id)

    async def _give_up(self, battle: LiveBattle, player: str) -> LiveBattle:
        at = max(self._clock.now(), battle.starts_at)
        if at >= battle.ends_at:
            # Time is up (the battle waits only for verdicts): too late to
            # change anything by leaving.
            return await self.advance(battle.id) or battle
        if await self._battles.add_forfeit(battle.id, player, at):
            await self._bus.publish(
                battle_channel(battle.id),
                "battle.forfeited",
                {"battle": battle.id, "player": player, "at": at},
            )
            logger.info(
                "battle.forfeited", extra={"battle_id": battle.id, "player": player}
            )
        return await self.advance(battle.id) or battle

    # Presence: a player who leaves a running battle forfeits after the grace

    async def connected(self, player: str, battle_id: str) -> None:
        if await self._presence.connect(battle_channel(battle_id), player) == 1:
            await self._bus.publish(
                battle_channel(battle_id),
                "presence.changed",
                {"player": player, "online": True},
            )

    async def disconnected(self, player: str, battle_id: str) -> bool:
        return await self._presence.disconnect(battle_channel(battle_id), player) == 0

    async def grace_over(self, player: str, battle_id: str) -> None:
        channel = battle_channel(battle_id)
        if player in await self._presence.online(channel):
            return
        battle = await self._battles.get(battle_id)
        if battle is None or battle.status is BattleStatus.FINISHED:
            return
        await self._bus.publish(
            channel, "presence.changed", {"player": player, "online": False}
        )
        if player in battle.players and not battle.forfeited(player):
            await self._give_up(battle, player)

    # After the end

    async def vote_rematch(self, player: Principal, battle_id: str) -> LiveBattle:
        """One click each: when every player of the battle asked, the same
        sides meet again on new questions."""
        battle = await self._battle_of(player, battle_id)
        if player.user_id not in battle.players:
            raise PermissionDenied("only the battle's players can ask for a rematch")
        if battle.status is not BattleStatus.FINISHED:
            raise BattleRuleViolation("the battle is not over yet")
        if battle.rematch is not None:
            raise BattleRuleViolation("the rematch has already begun")

        voted = battle
        if player.user_id not in battle.rematch_votes:
            voted = await self._battles.vote_rematch(battle_id, player.user_id)
            await self._bus.publish(
                battle_channel(battle_id),
                "rematch.voted",
                {
                    "battle": battle_id,
                    "player": player.user_id,
                    "waiting_for": _waiting_for(voted),
                },
            )
        if _waiting_for(voted):
            return voted  # one click each: a second one changes nothing
        # Everyone asked: begin it (again, if it could not begin before), in
        # the room, which must still seat exactly the battle's players.
        room_id = voted.room_id
        await self._lobby.rematch(room_id, tuple(s.members for s in voted.sides))
        try:
            rematch = await self._open(
                room_id, voted.settings, voted.sides, voted.names, previous=voted
            )
        except Exception:
            await self._lobby.battle_over(room_id, None)
            raise
        with contextlib.suppress(RoomNotFound):  # rooms in Redis expire
            await self._rooms.change(room_id, lambda r: _began(r, rematch.id))
        await self._bus.publish(
            battle_channel(battle_id),
            "battle.rematch",
            {"battle": battle_id, "rematch": rematch.id},
        )
        return rematch

    # Reading

    async def authorize(self, viewer: Principal, battle_id: str) -> LiveBattle:
        """May ``viewer`` follow the battle? Its players may; anyone may watch
        a battle of a public room."""
        return await self._battle_of(viewer, battle_id)

    async def view(self, viewer: Principal, battle_id: str) -> BattleView:
        battle = await self._battle_of(viewer, battle_id)
        now = self._clock.now()
        revealed = (
            battle.status is not BattleStatus.COUNTDOWN or now >= battle.starts_at
        )
        entries = tuple(await self._entries(battle)) if revealed else ()
        submissions = tuple(await self._submissions.of_battle(battle_id))
        state = replay(battle, submissions, now).battle
        standings = [
            {
                "side": int(s.side.id),
                "rank": s.rank,
                "solved": s.solved,
                "penalty_s": s.penalty_s,
                "partial": s.partial,
                "left": s.left,
            }
            for s in state.standings()
        ]
        return BattleView(battle, entries, submissions, standings)

    async def submission(
        self, viewer: Principal, submission_id: str
    ) -> tuple[BattleSubmission, bool]:
        """A submission and whether ``viewer`` may read its code: its author
        always, the battle's other players once it is over."""
        submission = await self._submissions.get(submission_id)
        if submission is None:
            raise SubmissionNotFound()
        try:
            battle = await self._battle_of(viewer, submission.battle_id)
        except BattleNotFound:
            raise SubmissionNotFound() from None
        mine = submission.player == viewer.user_id
        over = battle.status is BattleStatus.FINISHED
        participant = viewer.user_id in battle.players
        if not (mine or participant or viewer.role is Role.ADMIN):
            raise SubmissionNotFound()
        return submission, mine or (over and participant) or viewer.role is Role.ADMIN

    async def history(
        self, viewer: Principal, player: str, cursor: str | None, limit: int = 20
    ) -> BattlePage:
        """A player's finished battles, newest first; another's private
        battles are left out unless the viewer played in them too."""
        if not 1 <= limit <= 100:
            raise InvalidInput("limit must be 1 to 100", field="limit")
        if viewer.user_id == player or viewer.role is Role.ADMIN:
            return await self._battles.history(player, cursor, limit)
        # Pages are read until the hidden battles are made up for, each no
        # longer than what is missing, so the cursor stays at a page's end.
        shown: list[LiveBattle] = []
        for _ in range(_HISTORY_READS):
            page = await self._battles.history(player, cursor, limit - len(shown))
            shown.extend(
                b
                for b in page.battles
                if not b.settings.private or viewer.user_id in b.players
            )
            cursor = page.next_cursor
            if cursor is None or len(shown) == limit:
                break
        return BattlePage(tuple(shown), cursor)

    # Recovery: what a stopped instance held is judged by another

    async def renew_leases(self) -> None:
        if self._judging:
            until = self._clock.now() + self.settings.lease_s
            await self._submissions.renew(sorted(self._judging), self.holder, until)

    @property
    def holding(self) -> tuple[str, ...]:
        """The submissions this instance is judging now."""
        return tuple(sorted(self._judging))

    async def release_leases(self, submission_ids: Sequence[str]) -> None:
        """Hand back submissions this instance will not finish judging (it is
        stopping), for the next instance to take at once."""
        if submission_ids:
            await self._submissions.renew(submission_ids, self.holder, 0.0)

    async def recover(self, limit: int = 50) -> int:
        """Take over queued submissions whose holder stopped renewing."""
        now = self._clock.now()
        claimed = await self._submissions.claim_stale(
            self.holder, now, now + self.settings.lease_s, limit
        )
        for submission in claimed:
            logger.info(
                "submission.recovered",
                extra={
                    "submission_id": submission.id,
                    "battle_id": submission.battle_id,
                },
            )
            self._judge_later(submission)
        return len(claimed)

    async def _countries(self, players: Sequence[str]) -> dict[str, str | None]:
        found: dict[str, str | None] = {}
        for player in players:
            user = await self._users.get(player) if self._users else None
            found[player] = user.country if user is not None else None
        return found

    # Shared checks

    async def _battle_of(self, viewer: Principal, battle_id: str) -> LiveBattle:
        battle = await self._battles.get(battle_id)
        if battle is None:
            raise BattleNotFound()
        may_see = (
            not battle.settings.private
            or viewer.user_id in battle.players
            or viewer.role is Role.ADMIN
        )
        if not may_see:
            raise BattleNotFound()
        return battle

    async def _playing(
        self, player: Principal, battle_id: str, now: float
    ) -> LiveBattle:
        battle = await self._battle_of(player, battle_id)
        if player.user_id not in battle.players:
            raise PermissionDenied("you are not playing in this battle")
        if battle.forfeited(player.user_id):
            raise BattleRuleViolation("you have left this battle")
        if battle.status is BattleStatus.FINISHED or now >= battle.ends_at:
            raise BattleOver(f"the battle is over: {_how_it_ended(battle)}")
        if now < battle.starts_at:
            raise BattleRuleViolation("the battle has not started yet")
        return battle

    def _check_code(
        self, battle: LiveBattle, question_id: str, language: str, source: bytes
    ) -> None:
        if question_id not in battle.question_ids:
            raise InvalidInput("that question is not in this battle", field="question")
        if language not in battle.settings.languages:
            raise InvalidInput(
                "this battle does not allow that language", field="language"
            )
        if not self._judge.available(self._languages.get(language)):
            raise LanguageUnavailable(f"{language} cannot be judged here right now")
        if not source.strip():
            raise InvalidInput("the source is empty", field="source")
        if len(source) > self.settings.max_source_bytes:
            limit = self.settings.max_source_bytes
            raise InvalidInput(f"source takes at most {limit} bytes", field="source")

    async def _entries(self, battle: LiveBattle) -> list[CatalogEntry]:
        entries = []
        for ref in battle.questions:
            entry = await self._catalog.get(ref.id, ref.version)
            if entry is not None:
                entries.append(entry)
        return entries


def _waiting_for(battle: LiveBattle) -> list[str]:
    return [p for p in battle.players if p not in battle.rematch_votes]


def _retried(
    earlier: BattleSubmission, question_id: str, language: str, source: bytes
) -> BattleSubmission:
    sent = (earlier.question_id, earlier.language, earlier.source)
    if sent != (question_id, language, source):
        raise InvalidInput(
            "this key was sent with other code; a new submission takes a new key",
            field="key",
        )
    return earlier


def _began(lobby_room: LobbyRoom, battle_id: str) -> Sequence[Any]:
    lobby_room.room.battle_began()
    lobby_room.battle = battle_id
    return []


def _rematch_settings(settings: RoomSettings) -> RoomSettings:
    """A rematch is played on new questions: chosen ones give way to a draw
    of as many from the whole catalog, and its settings say so."""
    choice = settings.questions
    if isinstance(choice, ChosenQuestions):
        return replace(settings, questions=RandomQuestions(choice.count))
    return settings


def _how_it_ended(battle: LiveBattle) -> str:
    reason = battle.result.reason if battle.result is not None else None
    if reason is EndReason.ALL_SOLVED:
        return "a side solved every question"
    if reason is EndReason.LAST_SIDE_STANDING:
        return "only one side is left"
    return "time ran out on the server"  # over, or waiting for verdicts


def _shuffle(token: str, question_id: str) -> bytes:
    return hashlib.sha256(f"{token}:{question_id}".encode()).digest()
