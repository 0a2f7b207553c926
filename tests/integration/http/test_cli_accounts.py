"""The operator commands on the server's database: ``bitcode users ...`` and
``bitcode questions import``, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bitcode_cli.questions_import import import_
from bitcode_cli.users import users
from tests.integration.http.conftest import DEMO_BANK, PASSWORD


@pytest.fixture
def runner(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> CliRunner:
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("BITCODE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("AUTO_MIGRATE", "1")
    return CliRunner()


class TestUsersCommands:
    def test_create_admin_then_change_role_and_disable(self, runner: CliRunner) -> None:
        created = runner.invoke(
            users,
            ["create-admin", "--email", "root@example.org", "--username", "root"],
            env={"BITCODE_ADMIN_PASSWORD": PASSWORD},
        )
        runner.invoke(
            users,
            ["create-admin", "--email", "two@example.org", "--username", "two"],
            env={"BITCODE_ADMIN_PASSWORD": PASSWORD},
        )
        demoted = runner.invoke(users, ["set-role", "root", "setter"])
        disabled = runner.invoke(users, ["disable", "root"])

        assert created.exit_code == 0, created.output
        assert "root <root@example.org>: admin, active" in created.output
        assert "root <root@example.org>: setter" in demoted.output
        assert "setter, disabled" in disabled.output

    def test_the_last_admin_cannot_be_demoted(self, runner: CliRunner) -> None:
        runner.invoke(
            users,
            ["create-admin", "--email", "root@example.org", "--username", "root"],
            env={"BITCODE_ADMIN_PASSWORD": PASSWORD},
        )

        result = runner.invoke(users, ["set-role", "root", "player"])

        assert result.exit_code == 1
        assert "last admin" in result.output

    def test_an_unknown_user_is_one_line_and_exit_status_1(
        self, runner: CliRunner
    ) -> None:
        result = runner.invoke(users, ["disable", "nobody"])

        assert result.exit_code == 1
        assert result.output.strip() == "bitcode: no user named 'nobody'"


class TestQuestionsImport:
    def test_packages_import_once_and_unchanged_ones_stay_at_their_version(
        self, runner: CliRunner
    ) -> None:
        folders = [str(DEMO_BANK / "a-plus-b"), str(DEMO_BANK / "palindrome-check")]

        first = runner.invoke(import_, folders)
        again = runner.invoke(import_, folders)

        assert first.exit_code == 0, first.output
        assert first.output.splitlines() == [
            "a-plus-b: version 1",
            "palindrome-check: version 1",
        ]
        assert again.output == first.output

    def test_a_bad_package_names_its_file(
        self, runner: CliRunner, tmp_path: Path
    ) -> None:
        broken = tmp_path / "broken"
        broken.mkdir()
        (broken / "problem.yaml").write_text("name: [unclosed\n")

        result = runner.invoke(import_, [str(broken)])

        assert result.exit_code == 1
        assert "problem.yaml" in result.output
