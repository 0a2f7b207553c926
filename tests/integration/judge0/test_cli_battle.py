"""``bitcode battle`` with ``JUDGE0_API_URL`` pointing at the fake Judge0: the
same battle, judged remotely."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.test_cli_battle import ACCEPTED_PY, WRONG_PY
from tests.judge0_fake.server import free_port

pytestmark = pytest.mark.no_skip


def battle(
    *args: str, data_dir: Path, **variables: str
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BITCODE_DATA_DIR": str(data_dir), **variables}
    return subprocess.run(
        [sys.executable, "-m", "bitcode_cli", "battle", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
        cwd=data_dir,
    )


class TestBattleThroughJudge0:
    def test_a_battle_is_judged_by_judge0_with_the_sandboxs_verdicts(
        self, tmp_path, fake, fake_url
    ) -> None:
        result = battle(
            "max-subarray", str(ACCEPTED_PY), str(WRONG_PY),
            "--name", "alice", "--name", "bob", "--json",
            data_dir=tmp_path, JUDGE0_API_URL=fake_url,
        )  # fmt: skip

        assert result.returncode == 0, result.stderr[-2000:]
        report = json.loads(result.stdout)
        assert report["winners"] == ["alice"]
        alice, bob = report["results"]["alice"], report["results"]["bob"]
        assert alice["verdict"] == "AC"
        assert alice["tests_passed"] == alice["total_tests"] == 18
        assert bob["verdict"] == "WA"
        assert fake.counters.submissions >= 2 * 18

    def test_a_full_queue_and_rate_limits_only_delay_the_battle(
        self, tmp_path, fake, fake_url
    ) -> None:
        fake.knobs.refuse = [503, 429, 503, 503]

        result = battle(
            "max-subarray", str(ACCEPTED_PY), str(WRONG_PY), "--json", "--unrated",
            data_dir=tmp_path, JUDGE0_API_URL=fake_url,
        )  # fmt: skip

        assert result.returncode == 0, result.stderr[-2000:]
        verdicts = {
            n: r["verdict"] for n, r in json.loads(result.stdout)["results"].items()
        }
        assert verdicts == {"kadane.py": "AC", "empty_allowed.py": "WA"}
        assert fake.counters.refused == 4

    def test_with_judge0_down_the_battle_ends_in_internal_errors_and_rates_nobody(
        self, tmp_path
    ) -> None:
        result = battle(
            "max-subarray", str(ACCEPTED_PY), str(WRONG_PY), "--json",
            data_dir=tmp_path,
            JUDGE0_API_URL=f"http://127.0.0.1:{free_port()}",
            JUDGE0_GIVE_UP_SECONDS="5",
        )  # fmt: skip

        assert result.returncode == 0, result.stderr[-2000:]
        report = json.loads(result.stdout)
        assert {r["verdict"] for r in report["results"].values()} == {"IE"}
        assert report["judge_failed"]
        assert report["rating_changes"] == []
        assert not (tmp_path / "ratings.json").exists()

    def test_a_malformed_judge0_variable_is_one_line_naming_it(
        self, tmp_path, fake_url
    ) -> None:
        result = battle(
            "--demo", data_dir=tmp_path,
            JUDGE0_API_URL=fake_url, JUDGE0_GIVE_UP_SECONDS="soon",
        )  # fmt: skip

        assert result.returncode == 1
        assert "JUDGE0_GIVE_UP_SECONDS" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


class TestLanguagesThroughJudge0:
    def test_languages_the_server_lacks_are_shown_unavailable(
        self, tmp_path, another_fake, table
    ) -> None:
        _, served = another_fake({71: ("Python (3.8.1)", table.get("python3"))})
        env = {
            **os.environ,
            "BITCODE_DATA_DIR": str(tmp_path),
            "JUDGE0_API_URL": served.url,
            "COLUMNS": "200",
        }

        shown = subprocess.run(
            [sys.executable, "-m", "bitcode_cli", "languages"],
            capture_output=True, text=True, env=env, timeout=120, check=True,
            cwd=tmp_path,
        ).stdout  # fmt: skip

        rows = {
            line.split("│")[1].strip(): line
            for line in shown.splitlines()
            if "│" in line
        }
        assert "yes" in rows["python3"]
        assert "not on the Judge0 server" in rows["rust"]
