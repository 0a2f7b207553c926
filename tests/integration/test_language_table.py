"""Reading language tables from TOML files."""

from __future__ import annotations

from pathlib import Path

import pytest

from bitcode_adapters.language_table import load_language_table
from bitcode_core.errors import InvalidQuestion


class TestDefaultTable:
    def test_it_holds_the_six_languages_with_their_judge0_ids(self) -> None:
        table = load_language_table()

        ids = {language.key: language.judge0_id for language in table}

        assert ids == {
            "python3": 71,
            "c": 50,
            "cpp": 54,
            "java": 62,
            "javascript": 63,
            "rust": 73,
        }

    @pytest.mark.parametrize(
        ("filename", "key"),
        [
            pytest.param("a.py", "python3", id="python"),
            pytest.param("a.c", "c", id="c"),
            pytest.param("a.cpp", "cpp", id="cpp"),
            pytest.param("Main.java", "java", id="java"),
            pytest.param("a.js", "javascript", id="javascript"),
            pytest.param("a.rs", "rust", id="rust"),
        ],
    )
    def test_each_language_is_found_by_its_extension(
        self, filename: str, key: str
    ) -> None:
        assert load_language_table().for_filename(filename).key == key

    def test_java_sizes_its_heap_from_the_memory_limit(self) -> None:
        java = load_language_table().get("java")

        assert "-Xmx256m" in java.run_argv(256)
        assert java.source_file == "Main.java"

    def test_compiled_languages_optimise_and_link_the_maths_library(self) -> None:
        table = load_language_table()

        assert table.get("c").compile_argv()[:3] == ["gcc", "-O2", "-std=gnu11"]
        assert table.get("cpp").compile_argv()[:3] == ["g++", "-O2", "-std=gnu++17"]
        assert "-lm" in table.get("cpp").compile_argv()
        assert table.get("rust").compile_argv()[:4] == [
            "rustc", "-O", "--edition", "2021"
        ]  # fmt: skip


class TestOtherTables:
    def test_a_table_is_read_from_a_given_file(self, tmp_path: Path) -> None:
        path = tmp_path / "languages.toml"
        path.write_text(
            '[lua]\nname = "Lua"\nextensions = ["lua"]\n'
            'source_file = "main.lua"\nrun = ["lua", "{source}"]\n'
        )

        table = load_language_table(path)

        assert [language.key for language in table] == ["lua"]

    @pytest.mark.parametrize(
        ("text", "complaint"),
        [
            pytest.param("[lua\n", "not valid TOML", id="bad-toml"),
            pytest.param('lua = "a string"\n', "must be a table", id="not-a-table"),
            pytest.param(
                '[lua]\nname = "Lua"\nextensions = ["lua"]\nrun = ["lua"]\n',
                "source_file are required",
                id="missing-field",
            ),
        ],
    )
    def test_every_error_names_the_file(
        self, tmp_path: Path, text: str, complaint: str
    ) -> None:
        path = tmp_path / "languages.toml"
        path.write_text(text)

        with pytest.raises(InvalidQuestion) as raised:
            load_language_table(path)

        assert str(path) in raised.value.message
        assert complaint in raised.value.message

    def test_a_missing_file_is_an_error_naming_it(self, tmp_path: Path) -> None:
        with pytest.raises(InvalidQuestion, match=r"missing\.toml"):
            load_language_table(tmp_path / "missing.toml")
