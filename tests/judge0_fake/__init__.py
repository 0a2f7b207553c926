"""A fake Judge0 CE server for the tests, on a real uvicorn on loopback."""

from tests.judge0_fake.app import CE_LANGUAGES, FakeJudge0, build_app
from tests.judge0_fake.server import Served, serve

__all__ = ["CE_LANGUAGES", "FakeJudge0", "Served", "build_app", "serve"]
