"""`bitcode battle` and `bitcode questions` as a user runs them: real processes,
real sandbox, the real demo bank."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).parents[2]
MAX_SUBARRAY = REPO / "questions" / "max-subarray"
ACCEPTED_PY = MAX_SUBARRAY / "submissions" / "accepted" / "kadane.py"
WRONG_PY = MAX_SUBARRAY / "submissions" / "wrong_answer" / "empty_allowed.py"

pytestmark = pytest.mark.no_skip


def bitcode(
    *args: str, data_dir: Path, check: bool = False
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BITCODE_DATA_DIR": str(data_dir), "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "bitcode_cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=check,
    )


class TestBattle:
    def test_the_demo_battle_names_the_accepted_solution_the_winner(self, tmp_path):
        result = bitcode("battle", "--demo", data_dir=tmp_path)

        assert result.returncode == 0, result.stderr
        assert "Winner: kadane.py" in result.stdout
        assert "AC" in result.stdout
        assert "WA" in result.stdout

    def test_json_gives_standings_per_test_verdicts_and_rating_changes(self, tmp_path):
        result = bitcode(
            "battle", "max-subarray", str(ACCEPTED_PY), str(WRONG_PY),
            "--name", "alice", "--name", "bob", "--json",
            data_dir=tmp_path,
        )  # fmt: skip

        report = json.loads(result.stdout)
        assert report["winners"] == ["alice"]
        assert not report["draw"]
        alice, bob = report["results"]["alice"], report["results"]["bob"]
        assert alice["verdict"] == "AC"
        assert alice["tests_passed"] == alice["total_tests"] == 18
        assert bob["verdict"] == "WA"
        assert len(bob["tests"]) == 18
        deltas = {c["player"]: c["delta"] for c in report["rating_changes"]}
        assert deltas["alice"] > 0 > deltas["bob"]

    def test_ratings_accumulate_between_battles_unless_unrated(self, tmp_path):
        args = ("battle", "max-subarray", str(ACCEPTED_PY), str(WRONG_PY), "--json")
        bitcode(*args, data_dir=tmp_path, check=True)
        bitcode(*args, "--unrated", data_dir=tmp_path, check=True)
        second = json.loads(bitcode(*args, data_dir=tmp_path, check=True).stdout)

        stored = json.loads((tmp_path / "ratings.json").read_text())
        winner = stored["players"]["kadane.py"]
        assert winner["battles"] == 2
        assert second["rating_changes"][0]["before"] == pytest.approx(1520.0)

    def test_two_accepted_solutions_in_different_languages_draw(self, tmp_path):
        accepted = MAX_SUBARRAY / "submissions" / "accepted"
        cpp = next(accepted.glob("*.cpp"))

        result = bitcode(
            "battle", "max-subarray", str(ACCEPTED_PY), str(cpp), "--json", "--unrated",
            data_dir=tmp_path,
        )  # fmt: skip

        report = json.loads(result.stdout)
        assert report["draw"]
        assert report["rating_changes"] == []

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            pytest.param(
                ["max-subarray", "missing.py", str(WRONG_PY)],
                "no such solution file: missing.py",
                id="unknown-file",
            ),
            pytest.param(
                ["max-subarray", str(ACCEPTED_PY), str(MAX_SUBARRAY / "problem.yaml")],
                "unknown extension 'yaml'",
                id="unknown-extension",
            ),
            pytest.param(
                ["max-subarray", str(ACCEPTED_PY), str(WRONG_PY), "--lang", "cobol"],
                "unknown language 'cobol'",
                id="unknown-language",
            ),
            pytest.param(
                ["no-such-question", str(ACCEPTED_PY), str(WRONG_PY)],
                "no question 'no-such-question'",
                id="unknown-question",
            ),
            pytest.param(
                ["max-subarray", str(ACCEPTED_PY)], "at least two", id="alone"
            ),
            pytest.param(
                ["max-subarray", str(MAX_SUBARRAY), str(WRONG_PY)],
                "is a folder, not a solution file",
                id="folder",
            ),
            pytest.param(
                ["max-subarray", str(ACCEPTED_PY), str(ACCEPTED_PY)],
                "different name",
                id="same-name",
            ),
            pytest.param(["--demo", "max-subarray"], "--demo takes no", id="demo-args"),
        ],
    )
    def test_a_mistake_is_one_clear_line_and_a_failure_status(
        self, tmp_path, args, message
    ):
        result = bitcode("battle", *args, data_dir=tmp_path)

        assert result.returncode == 1
        assert message in result.stderr
        assert len(result.stderr.splitlines()) == 1
        assert not (tmp_path / "ratings.json").exists()

    def test_an_unusable_ratings_file_fails_before_judging_in_one_line(self, tmp_path):
        (tmp_path / "ratings.json").mkdir()

        result = bitcode("battle", "--demo", data_dir=tmp_path)

        assert result.returncode == 1
        assert "ratings.json" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1

    def test_a_broken_package_is_one_clear_line_naming_the_file(self, tmp_path):
        package = tmp_path / "broken"
        (package / "data" / "secret").mkdir(parents=True)
        (package / "problem.yaml").write_text("name: [oops\n")

        result = bitcode(
            "battle", str(package), str(ACCEPTED_PY), str(WRONG_PY), data_dir=tmp_path
        )

        assert result.returncode == 1
        assert "problem.yaml: broken YAML" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


class TestQuestionsCommand:
    def test_lists_the_demo_bank(self, tmp_path):
        result = bitcode("questions", "list", data_dir=tmp_path)

        assert result.returncode == 0
        assert "max-subarray" in result.stdout
        assert "pair-with-sum" in result.stdout

    def test_validate_reports_a_solution_in_the_wrong_folder(self, tmp_path):
        package = shutil.copytree(MAX_SUBARRAY, tmp_path / "max-subarray")
        misplaced = package / "submissions" / "accepted" / "misplaced.py"
        misplaced.write_bytes(WRONG_PY.read_bytes())

        result = bitcode("questions", "validate", str(package), data_dir=tmp_path)

        assert result.returncode == 1
        assert "misplaced.py: expected AC, got WA" in result.stdout


def test_every_packaged_submission_in_the_demo_bank_gets_its_folders_verdict(tmp_path):
    folders = sorted(str(p.parent) for p in (REPO / "questions").glob("*/problem.yaml"))

    result = bitcode("questions", "validate", *folders, data_dir=tmp_path)

    assert result.returncode == 0, result.stdout[-3000:]
    assert "skipped" not in result.stdout
    assert result.stdout.count("✓") >= 60
