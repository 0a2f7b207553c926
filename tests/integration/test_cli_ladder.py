"""``bitcode seasons``, ``bitcode ratings`` and ``bitcode leaderboards`` as an
operator runs them: real processes on the embedded SQLite database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.judge0_fake.server import free_port

pytestmark = pytest.mark.no_skip


def bitcode(
    *args: str, data_dir: Path, **variables: str
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "BITCODE_DATA_DIR": str(data_dir),
        "LOAD_DEMO_BANK": "0",
        "COLUMNS": "200",
    }
    env.pop("REDIS_URL", None)
    env.pop("DATABASE_URL", None)
    env.update(variables)
    return subprocess.run(
        [sys.executable, "-m", "bitcode_cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


class TestSeasons:
    def test_the_first_season_begins_by_itself_and_the_next_is_scheduled(
        self, tmp_path
    ):
        listed = bitcode("seasons", "list", data_dir=tmp_path)
        created = bitcode(
            "seasons", "create", "--name", "Spring cup", "--ends", "2999-01-01",
            data_dir=tmp_path,
        )  # fmt: skip
        again = bitcode("seasons", "list", data_dir=tmp_path)

        assert listed.returncode == 0, listed.stderr
        assert "Season 1" in listed.stdout
        assert "(current)" in listed.stdout
        assert created.returncode == 0, created.stderr
        assert "Spring cup" in created.stdout
        lines = again.stdout.splitlines()
        assert len(lines) == 2
        assert "(current)" in lines[0]
        assert "(current)" not in lines[1]

    def test_the_first_season_can_be_scheduled_to_start_later(self, tmp_path):
        created = bitcode(
            "seasons", "create", "--name", "Kickoff", "--starts", "2990-01-01",
            "--ends", "2990-06-01", data_dir=tmp_path,
        )  # fmt: skip
        listed = bitcode("seasons", "list", data_dir=tmp_path)

        assert created.returncode == 0, created.stderr
        (line,) = listed.stdout.splitlines()
        assert "Kickoff  2990-01-01T00:00:00+00:00" in line

    def test_a_bad_date_is_one_line_and_a_failure(self, tmp_path):
        result = bitcode(
            "seasons", "create", "--name", "X", "--ends", "next tuesday",
            data_dir=tmp_path,
        )  # fmt: skip

        assert result.returncode == 1
        assert result.stderr.strip().count("\n") == 0
        assert "--ends" in result.stderr

    def test_a_season_that_would_end_before_it_starts_is_refused(self, tmp_path):
        result = bitcode(
            "seasons", "create", "--name", "Past", "--ends", "2001-01-01",
            data_dir=tmp_path,
        )  # fmt: skip

        assert result.returncode == 1
        assert "end after it starts" in result.stderr

    def test_a_season_past_the_year_3000_is_refused_and_the_list_still_reads(
        self, tmp_path
    ):
        created = bitcode(
            "seasons", "create", "--name", "Far", "--ends",
            "9999-12-31T23:59:59-05:00", data_dir=tmp_path,
        )  # fmt: skip
        listed = bitcode("seasons", "list", data_dir=tmp_path)

        assert created.returncode == 1
        assert created.stderr.strip().count("\n") == 0
        assert "year 3000" in created.stderr
        assert listed.returncode == 0, listed.stderr
        assert "Far" not in listed.stdout


class TestRatings:
    def test_a_rebuild_of_no_battles_finds_nothing_to_change(self, tmp_path):
        checked = bitcode("ratings", "rebuild", "--check", data_dir=tmp_path)

        assert checked.returncode == 0, checked.stderr
        assert "0 rated battles" in checked.stdout
        assert "0 differed" in checked.stdout

    def test_without_redis_there_is_no_index_to_rebuild(self, tmp_path):
        result = bitcode("leaderboards", "rebuild", data_dir=tmp_path)

        assert result.returncode == 0, result.stderr
        assert "read from the database" in result.stdout


class TestUnreachable:
    @pytest.mark.parametrize(
        ("args", "variables"),
        [
            pytest.param(
                ("ratings", "rebuild", "--check"),
                {"DATABASE_URL": f"postgresql://postgres@127.0.0.1:{free_port()}/x"},
                id="database",
            ),
            pytest.param(
                ("leaderboards", "rebuild"),
                {"REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"},
                id="redis",
            ),
        ],
    )
    def test_a_service_that_cannot_be_reached_is_one_line(
        self, tmp_path, args, variables
    ):
        result = bitcode(*args, data_dir=tmp_path, **variables)

        assert result.returncode != 0
        assert result.stderr.strip().count("\n") == 0, result.stderr
        assert "cannot be reached" in result.stderr
