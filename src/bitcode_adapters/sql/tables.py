"""The relational schema, as SQLAlchemy Core tables.

Times are seconds since the epoch in double precision, as the core counts them.
Constraints are named by the convention below, so migrations can refer to them on
every backend. A question version is written once and never updated: an edit is a
new row in ``question_versions`` with its own tags and tests.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Double,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

# Identifiers made by the Secrets port and token digests (a SHA-256 hex is 64).
ID = String(64)
DIGEST = String(128)

# Ladder keys sort by code point, as Python sorts them, whatever the database's
# locale: PostgreSQL compares them in the "C" collation (SQLite always does).
KEY = String(64).with_variant(String(64, collation="C"), "postgresql")
SCOPE = String(16).with_variant(String(16, collation="C"), "postgresql")
PLAYER = Text().with_variant(Text(collation="C"), "postgresql")

users = Table(
    "users",
    metadata,
    Column("id", ID, primary_key=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("username", String(32), nullable=False, unique=True),
    Column("password_hash", Text, nullable=True),
    Column("created_at", Double, nullable=False),
    Column("role", String(16), nullable=False),
    Column("email_verified", Boolean, nullable=False),
    Column("disabled", Boolean, nullable=False),
    Column("display_name", String(64), nullable=False),
    Column("country", String(2), nullable=True),
    Column("bio", Text, nullable=False),
    Column("avatar_url", Text, nullable=True),
    Column("avatar_file_id", Text, nullable=True),
    CheckConstraint("role IN ('player', 'setter', 'admin')", name="role"),
)

device_sessions = Table(
    "device_sessions",
    metadata,
    Column("id", ID, primary_key=True),
    Column(
        "user_id",
        ID,
        ForeignKey("users.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("created_at", Double, nullable=False),
    Column("last_used_at", Double, nullable=False),
    Column("expires_at", Double, nullable=False),
    Column("user_agent", Text, nullable=False),
    Column("ip", String(45), nullable=False),
    Column("revoked", Boolean, nullable=False),
)

refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("token_hash", DIGEST, primary_key=True),
    Column(
        "session_id",
        ID,
        ForeignKey("device_sessions.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("issued_at", Double, nullable=False),
    Column("spent_at", Double, nullable=True),
)

one_time_tokens = Table(
    "one_time_tokens",
    metadata,
    Column("token_hash", DIGEST, primary_key=True),
    Column("purpose", String(32), nullable=False),
    Column(
        "user_id",
        ID,
        ForeignKey("users.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("expires_at", Double, nullable=False),
    Index(None, "user_id", "purpose"),
)

# A provider's identity: its issuer and subject (Google's are at most 255
# ASCII characters), linked to one user, at most one per issuer and user.
linked_identities = Table(
    "linked_identities",
    metadata,
    Column("issuer", String(255), primary_key=True),
    Column("subject", String(255), primary_key=True),
    Column(
        "user_id",
        ID,
        ForeignKey("users.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("email", String(254), nullable=False),
    Column("linked_at", Double, nullable=False),
    UniqueConstraint("user_id", "issuer"),
)

# Browser sign-ins on their way through the provider; spent by their callback.
sign_in_attempts = Table(
    "sign_in_attempts",
    metadata,
    Column("state_hash", DIGEST, primary_key=True),
    Column("browser_hash", DIGEST, nullable=False),
    Column("nonce", String(128), nullable=False),
    Column("code_verifier", String(128), nullable=False),
    Column("return_to", Text, nullable=False),
    Column("expires_at", Double, nullable=False, index=True),
)

questions = Table(
    "questions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("latest_version", Integer, nullable=False),
    Column("created_at", Double, nullable=False),
    Column("deleted_at", Double, nullable=True),
    CheckConstraint("latest_version >= 1", name="latest_version_positive"),
)

question_versions = Table(
    "question_versions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "question_id",
        String(64),
        ForeignKey("questions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("version", Integer, nullable=False),
    Column("setter_id", ID, nullable=True),  # kept even if the setter leaves
    Column("created_at", Double, nullable=False),
    Column("updated_at", Double, nullable=False),
    Column("title", Text, nullable=False),
    Column("statement", Text, nullable=False),
    Column("statement_format", String(16), nullable=False),
    Column("difficulty", String(16), nullable=False),
    Column("time_limit_s", Double, nullable=False),
    Column("memory_limit_mib", Integer, nullable=False),
    Column("output_limit_mib", Integer, nullable=False),
    Column("case_sensitive", Boolean, nullable=False),
    Column("space_change_sensitive", Boolean, nullable=False),
    Column("float_absolute_tolerance", Double, nullable=True),
    Column("float_relative_tolerance", Double, nullable=True),
    Column("validator_language", String(32), nullable=True),
    Column("validator_filename", Text, nullable=True),
    Column("validator_source", LargeBinary, nullable=True),
    # A concurrent edit that lost the race fails here.
    UniqueConstraint("question_id", "version"),
    CheckConstraint("version >= 1", name="version_positive"),
    CheckConstraint("difficulty IN ('easy', 'medium', 'hard')", name="difficulty"),
)

question_tags = Table(
    "question_tags",
    metadata,
    Column(
        "version_id",
        Integer,
        ForeignKey("question_versions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("position", Integer, primary_key=True),
    Column("tag", Text, nullable=False),
)

question_tests = Table(
    "question_tests",
    metadata,
    Column(
        "version_id",
        Integer,
        ForeignKey("question_versions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("position", Integer, primary_key=True),  # judging order
    Column("name", Text, nullable=False),
    Column("sample", Boolean, nullable=False),
    Column("input", LargeBinary, nullable=False),
    Column("answer", LargeBinary, nullable=False),
)

player_ratings = Table(
    "player_ratings",
    metadata,
    Column("player", Text, primary_key=True),
    Column("rating", Double, nullable=False),
    Column("rated_battles", Integer, nullable=False),
)

# A live battle. Its sides, questions, names, forfeits and rematch votes are
# JSON, read and written whole with the row; ``battle_players`` indexes who
# played, for the history. ``ended_at`` is the result's, for its order.
battles = Table(
    "battles",
    metadata,
    Column("id", ID, primary_key=True),
    Column("room_id", ID, nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", Double, nullable=False),
    Column("starts_at", Double, nullable=False),
    Column("ends_at", Double, nullable=False),
    Column("penalty_s", Double, nullable=False),
    Column("previous", ID, nullable=True),
    Column("rematch", ID, nullable=True),
    Column("settings", Text, nullable=False),
    Column("sides", Text, nullable=False),
    Column("questions", Text, nullable=False),
    Column("names", Text, nullable=False),
    Column("forfeits", Text, nullable=False),
    Column("rematch_votes", Text, nullable=False),
    Column("result", Text, nullable=True),
    Column("ended_at", Double, nullable=True),
    # The settings' mode, and the season the battle was rated in (none for a
    # battle that rated nobody): what a player's ladder stats count by.
    Column("mode", String(16), nullable=False),
    Column("season_id", ID, nullable=True),
    CheckConstraint("status IN ('countdown', 'running', 'finished')", name="status"),
    # What is due: a countdown over, or a running battle's time up.
    Index(None, "status", "starts_at"),
    Index(None, "status", "ends_at"),
)

battle_players = Table(
    "battle_players",
    metadata,
    Column(
        "battle_id",
        ID,
        ForeignKey("battles.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("player", Text, primary_key=True),
    Column("side", Integer, nullable=False),
    Index(None, "player"),
)

# ``seq`` is the order submissions were accepted in, for ties in time.
battle_submissions = Table(
    "battle_submissions",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("id", ID, nullable=False, unique=True),
    Column(
        "battle_id",
        ID,
        ForeignKey("battles.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("player", Text, nullable=False),
    Column("question_id", String(64), nullable=False),
    Column("language", String(32), nullable=False),
    Column("source", LargeBinary, nullable=False),
    Column("submitted_at", Double, nullable=False),
    Column("key", Text, nullable=True),
    Column("status", String(16), nullable=False),
    Column("verdict", String(8), nullable=True),
    Column("tests", Text, nullable=False),  # JSON: the tests' outcomes
    Column("tests_total", Integer, nullable=False),
    Column("compile_log", Text, nullable=False),
    Column("judged_at", Double, nullable=True),
    # The instance judging a queued submission, while its lease lasts.
    Column("holder", Text, nullable=True),
    Column("lease_until", Double, nullable=True),
    # A resent submission (same key) is the first one; no key never collides.
    UniqueConstraint("battle_id", "player", "key"),
    CheckConstraint("status IN ('queued', 'judged', 'discarded')", name="status"),
    Index(None, "status", "lease_until"),  # the stale leases
    Index(None, "player", "status"),  # what a player's ladder stats count
)

seasons = Table(
    "seasons",
    metadata,
    Column("id", ID, primary_key=True),
    # Two instances beginning the next season at once: one insert wins.
    Column("number", Integer, nullable=False, unique=True),
    Column("name", String(64), nullable=False),
    Column("starts_at", Double, nullable=False),
    Column("ends_at", Double, nullable=False),
)

# One player's standing on one ladder: a season (or "all-time") and a scope.
ladder_ratings = Table(
    "ladder_ratings",
    metadata,
    Column("season_id", KEY, primary_key=True),
    Column("scope", SCOPE, primary_key=True),
    Column("player", PLAYER, primary_key=True),
    Column("rating", Double, nullable=False),
    Column("rated_battles", Integer, nullable=False),
    Column("best", Double, nullable=False),
    Column("wins", Integer, nullable=False),
    Column("losses", Integer, nullable=False),
    Column("draws", Integer, nullable=False),
    Column("streak", Integer, nullable=False),
    Column("last_at", Double, nullable=False),
)
# A board's page is a range of this index, and a rank counts a range of it.
Index(
    "ix_ladder_ratings_board",
    ladder_ratings.c.season_id,
    ladder_ratings.c.scope,
    ladder_ratings.c.rating.desc(),
    ladder_ratings.c.player,
)

# How many ratings of a board fall in each one-point band (``floor(rating)``),
# kept in the same transactions as ``ladder_ratings``: a rank sums the bands
# above a player's and counts only within their own, instead of counting
# every rating above them.
ladder_rating_bands = Table(
    "ladder_rating_bands",
    metadata,
    Column("season_id", KEY, primary_key=True),
    Column("scope", SCOPE, primary_key=True),
    Column("band", Integer, primary_key=True),
    Column("players", Integer, nullable=False),
)

ladder_changes = Table(
    "ladder_changes",
    metadata,
    Column(
        "battle_id",
        ID,
        ForeignKey("battles.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("player", Text, primary_key=True),
    Column("season_id", ID, primary_key=True),
    Column("scope", String(16), primary_key=True),
    Column("before", Double, nullable=False),
    Column("after", Double, nullable=False),
    Column("k", Double, nullable=False),
    Column("at", Double, nullable=False),
    Column("outcome", String(8), nullable=False),
    CheckConstraint("outcome IN ('win', 'draw', 'loss')", name="outcome"),
    Index(None, "player", "season_id", "scope", "at"),  # a player's history
)

# The battles in the order they were rated (``seq``), each as the ladder saw
# it (JSON): replayed in this order they give every rating back.
rated_battles = Table(
    "rated_battles",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column(
        "battle_id",
        ID,
        ForeignKey("battles.id", ondelete="CASCADE"),
        nullable=False,
        unique=True,
    ),
    Column("battle", Text, nullable=False),
    sqlite_autoincrement=True,  # never reuse a seq, even the last one's
)
