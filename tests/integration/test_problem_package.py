from __future__ import annotations

from pathlib import Path

import pytest

from bitcode_adapters.language_table import load_language_table
from bitcode_adapters.problem_package import load_package
from bitcode_core.errors import InvalidQuestion, UnsupportedQuestion
from bitcode_core.questions import Difficulty, StatementFormat

LANGUAGES = load_language_table()
DEMO_BANK = Path(__file__).parents[2] / "questions"


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return root


MINIMAL = {
    "problem.yaml": "name: Echo\n",
    "problem_statement/problem.en.md": "Print what you read.",
    "data/sample/1.in": "5\n",
    "data/sample/1.ans": "5\n",
    "data/secret/b/2.in": "6\n",
    "data/secret/b/2.ans": "6\n",
    "data/secret/a/3.in": "7\n",
    "data/secret/a/3.ans": "7\n",
}


@pytest.fixture
def package(tmp_path):
    def make(**changes: str | bytes | None) -> Path:
        files = {**MINIMAL, **changes}
        root = tmp_path / "echo"
        return write(root, {k: v for k, v in files.items() if v is not None})

    return make


class TestLoadPackage:
    def test_reads_a_minimal_package_with_defaults(self, package):
        question = load_package(package(), LANGUAGES).question

        assert question.id == "echo"
        assert question.title == "Echo"
        assert question.limits.time_s == 1.0
        assert question.limits.memory_mib == 256
        assert question.difficulty is Difficulty.MEDIUM
        assert question.statement == "Print what you read."

    def test_orders_samples_first_then_nested_groups_by_path(self, package):
        question = load_package(package(), LANGUAGES).question

        assert [t.name for t in question.tests] == [
            "sample/1",
            "secret/a/3",
            "secret/b/2",
        ]
        assert [t.sample for t in question.tests] == [True, False, False]

    def test_reads_limits_flags_difficulty_and_tags(self, package):
        root = package(
            **{
                "problem.yaml": (
                    "name: {en: Echo, fr: Écho}\n"
                    "difficulty: hard\n"
                    "keywords: strings io\n"
                    "limits: {time_limit: 2.5, memory: 512, output: 2}\n"
                    "validator_flags: float_tolerance 1e-6 case_sensitive\n"
                )
            }
        )

        question = load_package(root, LANGUAGES).question

        assert question.title == "Echo"
        assert question.difficulty is Difficulty.HARD
        assert question.tags == ("strings", "io")
        assert (question.limits.time_s, question.limits.memory_mib) == (2.5, 512)
        assert question.limits.output_mib == 2
        assert question.check.flags.case_sensitive
        assert question.check.flags.float_absolute_tolerance == 1e-6

    def test_reads_the_legacy_timelimit_file(self, package):
        root = package(**{".timelimit": "3\n"})

        assert load_package(root, LANGUAGES).question.limits.time_s == 3.0

    def test_keeps_a_latex_statement_as_written(self, package):
        root = package(
            **{
                "problem_statement/problem.en.md": None,
                "problem_statement/problem.en.tex": r"Print $\sqrt{x}$.",
            }
        )

        question = load_package(root, LANGUAGES).question

        assert question.statement == r"Print $\sqrt{x}$."
        assert question.statement_format is StatementFormat.LATEX

    def test_loads_a_custom_validator(self, package):
        root = package(
            **{
                "problem.yaml": "name: Echo\nvalidation: custom\n",
                "output_validators/check/validate.py": "import sys\nsys.exit(42)\n",
            }
        )

        validator = load_package(root, LANGUAGES).question.check.validator

        assert validator is not None
        assert (validator.language, validator.filename) == ("python3", "validate.py")

    def test_lists_submissions_by_folder_with_their_language(self, package):
        root = package(
            **{
                "submissions/accepted/good.py": "print(input())",
                "submissions/wrong_answer/bad.cpp": "int main(){}",
                "submissions/accepted/notes.txt": "not a program",
            }
        )

        solutions = load_package(root, LANGUAGES).solutions

        found = {(s.folder, Path(s.path).name): s.language for s in solutions}
        assert found[("accepted", "good.py")].key == "python3"
        assert found[("wrong_answer", "bad.cpp")].key == "cpp"
        assert found[("accepted", "notes.txt")] is None


class TestRefusedPackages:
    @pytest.mark.parametrize(
        ("changes", "named"),
        [
            pytest.param(
                {"problem.yaml": "name: [unclosed\n"}, "problem.yaml", id="yaml"
            ),
            pytest.param({"problem.yaml": "- a list\n"}, "problem.yaml", id="not-map"),
            pytest.param({"data/secret/a/3.ans": None}, "3.in", id="in-without-ans"),
            pytest.param({"data/secret/a/4.ans": "1"}, "4.ans", id="ans-without-in"),
            pytest.param(
                {"problem_statement/problem.en.md": None}, "statement", id="statement"
            ),
            pytest.param(
                {"problem.yaml": "limits: {time_limit: fast}\n"},
                "time_limit",
                id="bad-limit",
            ),
            pytest.param(
                {"problem.yaml": "limits: {memory: 1}\n"}, "memory", id="tiny-memory"
            ),
            pytest.param(
                {"problem.yaml": "validator_flags: float_tolerance x\n"},
                "float_tolerance",
                id="bad-flag",
            ),
            pytest.param(
                {"problem.yaml": "validation: custom\n"}, "validator", id="no-validator"
            ),
            pytest.param(
                {"problem.yaml": "difficulty: brutal\n"}, "difficulty", id="difficulty"
            ),
        ],
    )
    def test_a_malformed_package_gets_an_error_naming_the_problem(
        self, package, changes, named
    ):
        with pytest.raises(InvalidQuestion, match=named):
            load_package(package(**changes), LANGUAGES)

    @pytest.mark.parametrize(
        "changes",
        [
            pytest.param(
                {"problem.yaml": "validation: custom interactive\n"}, id="legacy"
            ),
            pytest.param({"problem.yaml": "type: interactive\n"}, id="2023-07"),
            pytest.param({"data/secret/a/3.interaction": "> 1"}, id="interaction-file"),
            pytest.param({"problem.yaml": "validation: custom score\n"}, id="scoring"),
        ],
    )
    def test_an_interactive_or_scored_package_is_refused_saying_why(
        self, package, changes
    ):
        with pytest.raises(UnsupportedQuestion, match="not supported"):
            load_package(package(**changes), LANGUAGES)

    def test_a_folder_without_problem_yaml_is_not_a_package(self, tmp_path):
        with pytest.raises(InvalidQuestion, match=r"no problem\.yaml"):
            load_package(tmp_path, LANGUAGES)

    def test_a_link_inside_a_package_is_refused(self, package, tmp_path):
        secret = tmp_path / "secret.txt"
        secret.write_text("host secret")
        root = package()
        (root / "data/secret/a/9.in").symlink_to(secret)

        with pytest.raises(InvalidQuestion, match="links are not allowed"):
            load_package(root, LANGUAGES)


class TestDemoBank:
    def test_has_at_least_twelve_problems_from_easy_to_hard(self):
        packages = [
            load_package(p, LANGUAGES)
            for p in sorted(DEMO_BANK.iterdir())
            if (p / "problem.yaml").is_file()
        ]
        difficulties = {p.question.difficulty for p in packages}

        assert len(packages) >= 12
        assert difficulties == set(Difficulty)
        for package in packages:
            question = package.question
            assert question.samples, question.id
            assert len(question.hidden) >= 10, question.id
            accepted = {
                s.language.key
                for s in package.solutions
                if s.folder == "accepted" and s.language
            }
            assert {"python3", "cpp"} <= accepted, question.id

    def test_has_a_float_tolerance_problem_and_a_megabyte_input(self):
        questions = [
            load_package(p, LANGUAGES).question
            for p in sorted(DEMO_BANK.iterdir())
            if (p / "problem.yaml").is_file()
        ]

        assert any(q.check.flags.compares_floats for q in questions)
        assert any(len(t.input) >= 1_000_000 for q in questions for t in q.tests)
        assert any(q.check.validator is not None for q in questions)


class TestHostileConfig:
    def test_a_yaml_alias_bomb_is_refused_before_it_expands(self, package):
        bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
            f"{n}: &{n} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
            for p, n in zip("abcdefgh", "bcdefghi", strict=True)
        )
        root = package(**{"problem.yaml": bomb + "keywords: *i\n"})

        with pytest.raises(InvalidQuestion, match="aliases"):
            load_package(root, LANGUAGES)

    def test_an_oversized_problem_yaml_is_refused(self, package):
        root = package(**{"problem.yaml": "name: x\n#" + "y" * 70_000 + "\n"})

        with pytest.raises(InvalidQuestion, match="larger than"):
            load_package(root, LANGUAGES)

    @pytest.mark.parametrize(
        "keywords",
        [
            pytest.param("[" + ", ".join(f"t{i}" for i in range(40)) + "]", id="many"),
            pytest.param("[" + "x" * 100 + "]", id="long"),
        ],
    )
    def test_tags_beyond_the_rules_are_refused(self, package, keywords):
        root = package(**{"problem.yaml": f"name: Echo\nkeywords: {keywords}\n"})

        with pytest.raises(InvalidQuestion, match="tag"):
            load_package(root, LANGUAGES)

    def test_repeated_tags_are_kept_once(self, package):
        root = package(**{"problem.yaml": "name: Echo\nkeywords: [io, IO, io]\n"})

        assert load_package(root, LANGUAGES).question.tags == ("io",)
