"""Developer sessions. Each runs in the project's locked uv environment."""

from __future__ import annotations

import os

import nox

nox.options.default_venv_backend = "uv"
nox.options.sessions = ["lint", "typecheck", "tests"]


def _sync(session: nox.Session) -> None:
    env = {"UV_PROJECT_ENVIRONMENT": session.virtualenv.location}
    session.run_install("uv", "sync", "--locked", external=True, env=env)


@nox.session
def tests(session: nox.Session) -> None:
    """Unit and integration tests; arguments go to pytest."""
    _sync(session)
    session.run("pytest", *session.posargs)


@nox.session
def bank(session: nox.Session) -> None:
    """Every demo bank submission through the fake Judge0 and the sandbox."""
    _sync(session)
    session.run("pytest", "-m", "bank", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check, ruff format --check and the import contracts."""
    _sync(session)
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("lint-imports")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy, strict on bitcode_core."""
    _sync(session)
    session.run("mypy")


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks (slow; not part of the test suite). Each prints its report."""
    _sync(session)
    scripts = sorted(
        name
        for name in os.listdir("benchmarks")
        if name.startswith("bench_") and name.endswith(".py")
    )
    wanted = set(session.posargs)
    for script in scripts:
        if not wanted or script.removesuffix(".py").removeprefix("bench_") in wanted:
            session.run("python", f"benchmarks/{script}")
