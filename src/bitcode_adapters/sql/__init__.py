"""SQL storage on PostgreSQL or SQLite, through SQLAlchemy's async engines."""

from bitcode_adapters.sql.arena import SqlBattleRepository, SqlSubmissionRepository
from bitcode_adapters.sql.catalog import SqlQuestionCatalog
from bitcode_adapters.sql.database import (
    Database,
    DatabaseUnavailable,
    normalise_database_url,
    redacted_url,
)
from bitcode_adapters.sql.identities import SqlIdentityRepository
from bitcode_adapters.sql.ladder import SqlLadderStore
from bitcode_adapters.sql.leaderboard import SqlLeaderboard
from bitcode_adapters.sql.one_time_tokens import SqlOneTimeTokenRepository
from bitcode_adapters.sql.ratings import SqlPlayerRatings
from bitcode_adapters.sql.seasons import SqlSeasonRepository
from bitcode_adapters.sql.sessions import SqlSessionRepository
from bitcode_adapters.sql.sign_in_attempts import SqlSignInAttemptRepository
from bitcode_adapters.sql.users import SqlUserRepository

__all__ = [
    "Database",
    "DatabaseUnavailable",
    "SqlBattleRepository",
    "SqlIdentityRepository",
    "SqlLadderStore",
    "SqlLeaderboard",
    "SqlOneTimeTokenRepository",
    "SqlPlayerRatings",
    "SqlQuestionCatalog",
    "SqlSeasonRepository",
    "SqlSessionRepository",
    "SqlSignInAttemptRepository",
    "SqlSubmissionRepository",
    "SqlUserRepository",
    "normalise_database_url",
    "redacted_url",
]
