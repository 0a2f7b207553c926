"""Read-through caches for the question catalog and public profiles.

Entries live under a namespace generation: every change bumps the generation
after it is stored, so no reader can find an entry written before the change,
including one a slow reader stores after it. Old generations age out.
"""

from bitcode_adapters.cache.base import Cache, CacheUnavailable
from bitcode_adapters.cache.in_process import InProcessCache
from bitcode_adapters.cache.questions import CachedQuestionCatalog
from bitcode_adapters.cache.redis_cache import RedisCache
from bitcode_adapters.cache.users import CachedUserRepository

__all__ = [
    "Cache",
    "CacheUnavailable",
    "CachedQuestionCatalog",
    "CachedUserRepository",
    "InProcessCache",
    "RedisCache",
]
