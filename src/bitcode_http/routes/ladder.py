"""Seasons, leaderboards and player stats. Reading is open to everyone;
scheduling seasons is for admins. A season is named by its id, ``current``
or ``all-time``; a board's scope is a mode or ``overall``."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, patch, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, PathParameter, QueryParameter
from litestar.status_codes import HTTP_201_CREATED
from litestar.types import ControllerRouterHandler

from bitcode_core.accounts.model import Principal
from bitcode_core.ladder.ladder import Ladder
from bitcode_core.ladder.model import Board, Scope
from bitcode_http.ladder_schemas import (
    AroundOut,
    BoardOut,
    ChangeSeason,
    RankedOut,
    RatingHistory,
    ScheduleSeason,
    SeasonList,
    SeasonOut,
    StatsOut,
)
from bitcode_http.principal import SECURED, player_named
from bitcode_http.problems import documented

SeasonRef = Annotated[str, PathParameter(max_length=64)]
PlayerId = Annotated[
    str,
    PathParameter(
        max_length=64,
        description="A player's id, or `me` for yourself (signed in)",
    ),
]
ScopeRef = Annotated[Scope, PathParameter()]

Country = Annotated[
    str | None, QueryParameter(min_length=2, max_length=2, pattern="^[A-Z]{2}$")
]


class SeasonsController(Controller):
    path = "/seasons"
    tags = ("seasons",)

    @get("/", summary="Every season, first first; exactly one is current")
    async def list_seasons(self, ladder: NamedDependency[Ladder]) -> SeasonList:
        current = await ladder.current_season()
        seasons = await ladder.seasons()
        return SeasonList(seasons=[SeasonOut.of(s, current) for s in seasons])

    @get("/current", summary="The season under way")
    async def current(self, ladder: NamedDependency[Ladder]) -> SeasonOut:
        current = await ladder.current_season()
        return SeasonOut.of(current, current)

    @post(
        "/",
        security=SECURED,
        status_code=HTTP_201_CREATED,
        responses=documented(401, 403, 422),
        summary="Schedule the next season (admins): it starts when the last ends",
    )
    async def schedule(
        self,
        data: JSONBody[ScheduleSeason],
        ladder: NamedDependency[Ladder],
        principal: NamedDependency[Principal],
    ) -> SeasonOut:
        season = await ladder.schedule(
            principal, name=data.name, ends_at=data.ends_at, starts_at=data.starts_at
        )
        return SeasonOut.of(season, await ladder.current_season())

    @patch(
        "/{season_id:str}",
        security=SECURED,
        responses=documented(401, 403, 404, 422),
        summary="Rename a season, or move the last one's end (admins)",
    )
    async def change(
        self,
        season_id: SeasonRef,
        data: JSONBody[ChangeSeason],
        ladder: NamedDependency[Ladder],
        principal: NamedDependency[Principal],
    ) -> SeasonOut:
        season = await ladder.change_season(
            principal, season_id, name=data.name, ends_at=data.ends_at
        )
        return SeasonOut.of(season, await ladder.current_season())


class LeaderboardsController(Controller):
    path = "/leaderboards/{season:str}/{board_scope:str}"
    tags = ("leaderboards",)

    @get("/", responses=documented(404, 422), summary="A leaderboard, best first")
    async def top(
        self,
        *,
        season: SeasonRef,
        board_scope: ScopeRef,
        ladder: NamedDependency[Ladder],
        country: Country = None,
        cursor: Annotated[str | None, QueryParameter(max_length=16)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 50,
    ) -> BoardOut:
        board = Board(await ladder.resolve(season), board_scope, country)
        page = await ladder.top(board, cursor, limit)
        return BoardOut.of(
            page,
            season=board.season,
            scope=board_scope.value,
            country=country,
            tiers=ladder.tiers,
            names=await ladder.names(r.player for r in page.rows),
        )

    @get(
        "/players/{player:str}",
        responses=documented(401, 404, 422),
        summary="One player's rank (ties share a rank)",
    )
    async def rank(
        self,
        *,
        season: SeasonRef,
        board_scope: ScopeRef,
        player: PlayerId,
        ladder: NamedDependency[Ladder],
        viewer: NamedDependency[Principal | None],
        country: Country = None,
    ) -> RankedOut:
        board = Board(await ladder.resolve(season), board_scope, country)
        row = await ladder.rank(board, player_named(player, viewer))
        return RankedOut.of(row, ladder.tiers, await ladder.names([row.player]))

    @get(
        "/players/{player:str}/around",
        responses=documented(401, 404, 422),
        summary="The players around one player (21 by default, them in the middle)",
    )
    async def around(
        self,
        *,
        season: SeasonRef,
        board_scope: ScopeRef,
        player: PlayerId,
        ladder: NamedDependency[Ladder],
        viewer: NamedDependency[Principal | None],
        country: Country = None,
        size: Annotated[int, QueryParameter(ge=1, le=101)] = 21,
    ) -> AroundOut:
        board = Board(await ladder.resolve(season), board_scope, country)
        rows = await ladder.around(board, player_named(player, viewer), size)
        names = await ladder.names(r.player for r in rows)
        return AroundOut(
            season=board.season,
            scope=board_scope.value,
            country=country,
            rows=[RankedOut.of(r, ladder.tiers, names) for r in rows],
        )


class PlayerLadderController(Controller):
    path = "/users/{user_id:str}"
    tags = ("leaderboards",)

    @get(
        "/stats",
        responses=documented(401, 404, 422),
        summary="A player's battles, wins, losses, draws, streak, best rating…",
    )
    async def stats(
        self,
        *,
        user_id: PlayerId,
        ladder: NamedDependency[Ladder],
        viewer: NamedDependency[Principal | None],
        season: Annotated[str, QueryParameter(max_length=64)] = "current",
        board_scope: Annotated[Scope, QueryParameter(name="scope")] = Scope.OVERALL,
    ) -> StatsOut:
        user_id = player_named(user_id, viewer)
        await ladder.check_player(user_id)
        season_id = await ladder.resolve(season)
        stats = await ladder.stats(user_id, season_id, board_scope)
        return StatsOut.of(user_id, season_id, board_scope.value, stats)

    @get(
        "/rating-history",
        responses=documented(401, 404, 422),
        summary="Every rating change of a player on one ladder, oldest first",
    )
    async def rating_history(
        self,
        *,
        user_id: PlayerId,
        ladder: NamedDependency[Ladder],
        viewer: NamedDependency[Principal | None],
        season: Annotated[str, QueryParameter(max_length=64)] = "current",
        board_scope: Annotated[Scope, QueryParameter(name="scope")] = Scope.OVERALL,
    ) -> RatingHistory:
        user_id = player_named(user_id, viewer)
        await ladder.check_player(user_id)
        season_id = await ladder.resolve(season)
        changes = list(await ladder.history(user_id, season_id, board_scope))
        return RatingHistory.of(user_id, season_id, board_scope.value, changes)


ROUTES: list[ControllerRouterHandler] = [
    SeasonsController,
    LeaderboardsController,
    PlayerLadderController,
]
