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
