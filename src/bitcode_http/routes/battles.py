"""Battles over REST: what is not live (a battle's detail, a player's match
history, a submission) and the plays themselves for clients that would
rather not send code over the socket. What a play changes is announced on
the battle's channel either way (``docs/battles.md``)."""

from __future__ import annotations

import re
from typing import Annotated, Any

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import HeaderParameter, JSONBody, PathParameter, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_202_ACCEPTED
from litestar.types import ControllerRouterHandler

from bitcode_core.accounts.model import Principal
from bitcode_core.arena.announce import battle_data
from bitcode_core.arena.arena import Arena
from bitcode_core.errors import InvalidInput, SubmissionNotFound
from bitcode_core.ladder.ladder import Ladder
from bitcode_http.battle_schemas import (
    RunRequest,
    SubmitRequest,
    run_data,
    submission_detail,
    view_data,
)
from bitcode_http.principal import SECURED, player_named
from bitcode_http.problems import documented

BattleId = Annotated[str, PathParameter(max_length=64)]
_KEY = re.compile(r"[\x21-\x7e]{1,64}")


class BattlesController(Controller):
    path = "/battles"
    tags = ("battles",)

    @get(
        "/{battle_id:str}",
        security=SECURED,
        responses=documented(401, 404),
        summary="A battle: sides, clock, questions once revealed, live standings",
    )
    async def detail(
        self,
        battle_id: BattleId,
        arena: NamedDependency[Arena],
        principal: NamedDependency[Principal],
    ) -> dict[str, Any]:
        view = await arena.view(principal, battle_id)
        return view_data(view, principal.user_id)

    @post(
        "/{battle_id:str}/submissions",
        security=SECURED,
        status_code=HTTP_202_ACCEPTED,
        responses=documented(401, 403, 404, 409, 422, 429),
        summary="Submit a solution: stored at once, judged on every test",
    )
    async def submit(
        self,
        battle_id: BattleId,
        data: JSONBody[SubmitRequest],
        arena: NamedDependency[Arena],
        principal: NamedDependency[Principal],
        idempotency_key: Annotated[
            str | None, HeaderParameter(name="Idempotency-Key", max_length=200)
        ] = None,
    ) -> dict[str, Any]:
        if idempotency_key is not None and not _KEY.fullmatch(idempotency_key):
            raise InvalidInput(
                "Idempotency-Key takes 1 to 64 printable ASCII characters, no spaces",
                field="Idempotency-Key",
            )
        if None not in (idempotency_key, data.key) and idempotency_key != data.key:
            raise InvalidInput(
                "Idempotency-Key and key name two submissions; send one of them",
                field="key",
            )
        submission = await arena.submit(
            principal,
            battle_id,
            question_id=data.question,
            language=data.language,
            source=data.source.encode(),
            key=idempotency_key if idempotency_key is not None else data.key,
        )
        return submission_detail(submission, with_code=False)

    @get(
        "/{battle_id:str}/submissions/{submission_id:str}",
        security=SECURED,
        responses=documented(401, 404),
        summary="A submission; its code for its author, for all players after the end",
    )
    async def submission(
        self,
        battle_id: BattleId,
        submission_id: Annotated[str, PathParameter(max_length=64)],
        arena: NamedDependency[Arena],
        principal: NamedDependency[Principal],
    ) -> dict[str, Any]:
        submission, with_code = await arena.submission(principal, submission_id)
        if submission.battle_id != battle_id:
            raise SubmissionNotFound()
        return submission_detail(submission, with_code)

    @post(
        "/{battle_id:str}/runs",
        security=SECURED,
        status_code=HTTP_200_OK,
        responses=documented(401, 403, 404, 409, 422, 429),
        summary="Run code on your own input (the samples by default); not scored",
    )
    async def run(
        self,
        battle_id: BattleId,
        data: JSONBody[RunRequest],
        arena: NamedDependency[Arena],
        principal: NamedDependency[Principal],
    ) -> dict[str, Any]:
        result = await arena.run(
            principal,
            battle_id,
            question_id=data.question,
            language=data.language,
            source=data.source.encode(),
            stdin=data.input.encode() if data.input is not None else None,
        )
        return run_data(result)

    @post(
        "/{battle_id:str}/forfeit",
        security=SECURED,
        status_code=HTTP_200_OK,
        responses=documented(401, 403, 404, 409),
        summary="Give up the battle (your side is out once all of it has)",
    )
    async def forfeit(
        self,
        battle_id: BattleId,
        arena: NamedDependency[Arena],
        principal: NamedDependency[Principal],
    ) -> dict[str, Any]:
        return battle_data(await arena.forfeit(principal, battle_id))

    @post(
        "/{battle_id:str}/rematch",
        security=SECURED,
        status_code=HTTP_200_OK,
        responses=documented(401, 403, 404, 409),
        summary="Ask for a rematch; when every player has, it begins",
    )
    async def rematch(
        self,
        battle_id: BattleId,
        arena: NamedDependency[Arena],
        principal: NamedDependency[Principal],
    ) -> dict[str, Any]:
        return battle_data(await arena.vote_rematch(principal, battle_id))


class HistoryController(Controller):
    path = "/users"
    tags = ("battles",)

    @get(
        "/{user_id:str}/battles",
        security=SECURED,
        responses=documented(401, 404, 422),
        summary="A player's finished battles, newest first",
    )
    async def history(
        self,
        *,
        user_id: Annotated[str, PathParameter(max_length=64)],
        arena: NamedDependency[Arena],
        ladder: NamedDependency[Ladder],
        principal: NamedDependency[Principal],
        cursor: Annotated[str | None, QueryParameter(max_length=200)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 20,
    ) -> dict[str, Any]:
        player = player_named(user_id, principal)
        await ladder.check_player(player)
        page = await arena.history(principal, player, cursor, limit)
        return {
            "battles": [battle_data(b) for b in page.battles],
            "next_cursor": page.next_cursor,
        }


ROUTES: list[ControllerRouterHandler] = [BattlesController, HistoryController]
