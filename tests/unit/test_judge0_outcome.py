"""Judge0's answers in the judge port's terms: statuses, base64, limits, languages
(no I/O)."""

from __future__ import annotations

import base64
import io
import signal
import zipfile

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bitcode_adapters.judge0.languages import match_languages, offered_languages
from bitcode_adapters.judge0.multi_file import validator_archive
from bitcode_adapters.judge0.outcome import (
    ServerLimits,
    decode,
    encode,
    execution_of,
    is_finished,
    limit_fields,
)
from bitcode_core.languages import Language
from bitcode_core.ports import ExitStatus
from bitcode_core.questions import Limits

LIMITS = Limits(time_s=1.0, memory_mib=256, output_mib=1)


def result(status: int, **fields: object) -> dict[str, object]:
    return {"status": {"id": status, "description": "?"}, "time": "0.010", **fields}


def b64(data: bytes) -> str:
    return encode(data)


class TestStatuses:
    @pytest.mark.parametrize(
        ("judge0", "status"),
        [
            pytest.param(result(3), ExitStatus.OK, id="accepted"),
            pytest.param(result(4), ExitStatus.OK, id="wrong-answer-is-ours-to-say"),
            pytest.param(result(5), ExitStatus.TIME_LIMIT, id="tle"),
            pytest.param(result(3, time="1.200"), ExitStatus.TIME_LIMIT, id="slow"),
            pytest.param(result(7, exit_signal=11), ExitStatus.SIGNALED, id="sigsegv"),
            pytest.param(
                result(8, exit_signal=25), ExitStatus.OUTPUT_LIMIT, id="fsize"
            ),
            pytest.param(result(9, exit_signal=8), ExitStatus.SIGNALED, id="sigfpe"),
            pytest.param(result(10, exit_signal=6), ExitStatus.SIGNALED, id="sigabrt"),
            pytest.param(result(11, exit_code=1), ExitStatus.NONZERO_EXIT, id="nzec"),
            pytest.param(result(12, exit_signal=31), ExitStatus.SIGNALED, id="other"),
            pytest.param(result(13), ExitStatus.INTERNAL, id="internal"),
            pytest.param(result(14), ExitStatus.INTERNAL, id="exec-format"),
            pytest.param(result(6), ExitStatus.INTERNAL, id="ce-while-running"),
            pytest.param(result(99), ExitStatus.INTERNAL, id="unknown"),
            pytest.param({"status": None}, ExitStatus.INTERNAL, id="no-status"),
        ],
    )
    def test_each_status_maps_to_how_the_run_ended(self, judge0, status) -> None:
        assert execution_of(judge0, LIMITS).status is status

    @pytest.mark.parametrize(
        "judge0",
        [
            pytest.param(result(12, exit_signal=9, memory=100), id="oom-killed"),
            pytest.param(result(12, memory=250 * 1024), id="at-the-limit"),
            pytest.param(
                result(11, exit_code=1, stderr=b64(b"MemoryError\n")), id="python"
            ),
            pytest.param(
                result(10, exit_signal=6, stderr=b64(b"std::bad_alloc")), id="cpp"
            ),
        ],
    )
    def test_a_run_that_died_of_memory_is_recognised(self, judge0) -> None:
        assert execution_of(judge0, LIMITS).status is ExitStatus.MEMORY_LIMIT

    def test_more_output_than_the_limit_is_an_output_limit(self) -> None:
        flood = result(3, stdout=b64(b"y" * (LIMITS.output_bytes + 1)))

        assert execution_of(flood, LIMITS).status is ExitStatus.OUTPUT_LIMIT

    def test_a_callbacks_default_fields_still_give_the_exit_code_and_signal(
        self,
    ) -> None:
        exited = result(11, message=b64(b"Exited with error status 3"))
        killed = result(7, message=b64(b"Caught fatal signal 11"))

        assert execution_of(exited, LIMITS).exit_code == 3
        assert execution_of(killed, LIMITS).signal == signal.SIGSEGV

    def test_times_are_decimal_strings_and_memory_is_in_kilobytes(self) -> None:
        execution = execution_of(
            result(3, time="0.125", wall_time="0.300", memory=2048), LIMITS
        )

        assert execution.cpu_time_s == pytest.approx(0.125)
        assert execution.wall_time_s == pytest.approx(0.3)
        assert execution.memory_kib == 2048

    def test_queued_and_processing_are_not_finished(self) -> None:
        assert not is_finished(result(1))
        assert not is_finished(result(2))
        assert is_finished(result(3))


class TestBase64:
    @given(st.binary(max_size=2000), st.integers(min_value=1, max_value=100))
    def test_output_wrapped_at_any_width_decodes_to_the_same_bytes(
        self, data: bytes, width: int
    ) -> None:
        text = base64.b64encode(data).decode()
        wrapped = "\n".join(text[i : i + width] for i in range(0, len(text), width))

        assert decode(wrapped + "\n") == data

    def test_missing_padding_and_null_are_forgiven(self) -> None:
        assert decode("aGk") == b"hi"
        assert decode(None) == b""


class TestLimits:
    def test_limits_are_capped_at_the_servers_maximums(self) -> None:
        server = ServerLimits.from_config(
            {"max_cpu_time_limit": 2, "max_memory_limit": "100000"}
        )

        fields = limit_fields(Limits(time_s=5, memory_mib=512, output_mib=2), server)

        assert fields["cpu_time_limit"] == 2
        assert fields["memory_limit"] == 100_000
        assert fields["max_file_size"] == 2048
        assert fields["wall_time_limit"] == 11

    def test_a_missing_or_malformed_maximum_keeps_judge0s_default(self) -> None:
        server = ServerLimits.from_config({"max_cpu_time_limit": "lots"})

        assert server == ServerLimits()


def language(key: str, name: str, pinned: int | None = None) -> Language:
    return Language(
        key, key, (key,), "main", ("run",), judge0_id=pinned, judge0_name=name
    )


class TestLanguageMatching:
    offered = offered_languages(
        [
            {"id": 71, "name": "Python (3.8.1)"},
            {"id": 92, "name": "Python (3.11.2)"},
            {"id": 54, "name": "C++ (GCC 9.2.0)"},
            {"id": 105, "name": "C++ (GCC 14.1.0)"},
            {"id": 50, "name": "C (GCC 9.2.0)"},
            {"id": "bad"},
        ]
    )

    @pytest.mark.parametrize(
        ("wanted", "language_id"),
        [
            pytest.param(language("py", "Python (3.*)"), 92, id="newest-version"),
            pytest.param(language("py", "Python (3.*)", 71), 71, id="pinned-wins"),
            pytest.param(language("c", "C (GCC *)", 71), 50, id="pin-names-another"),
            pytest.param(language("cpp", "C++ (GCC *)"), 105, id="plus-plus"),
            pytest.param(language("x", "", 54), 54, id="pinned-without-pattern"),
        ],
    )
    def test_a_language_gets_the_id_its_name_and_version_fit(
        self, wanted, language_id
    ) -> None:
        assert match_languages([wanted], self.offered) == {wanted.key: language_id}

    def test_a_language_the_server_lacks_gets_no_id(self) -> None:
        assert match_languages([language("rs", "Rust (*)", 73)], self.offered) == {}


class TestValidatorArchive:
    def test_it_holds_the_source_the_test_and_scripts_from_the_servers_commands(
        self,
    ) -> None:
        commands = {
            "source_file": "script.py",
            "compile_cmd": None,
            "run_cmd": "/usr/local/python-3.8.1/bin/python3 script.py",
        }

        archive = validator_archive(
            language("python3", ""), b"check", commands, b"in", b"ans"
        )

        with zipfile.ZipFile(io.BytesIO(archive)) as files:
            assert files.read("script.py") == b"check"
            assert files.read("judge_input") == b"in"
            assert files.read("judge_answer") == b"ans"
            run = files.read("run").decode()
            assert "compile" not in files.namelist()
        assert "python3 script.py judge_input judge_answer feedback/" in run
