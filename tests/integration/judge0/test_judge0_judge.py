"""``Judge0Judge`` against the fake Judge0 over real HTTP on loopback: languages,
batches, bytes, limits, statuses, and every way Judge0 can fail."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.di import Provide

from bitcode_adapters.judge0 import CallbackInbox, Credentials, Judge0Options
from bitcode_adapters.problem_package import load_package
from bitcode_core.errors import LanguageUnavailable
from bitcode_core.languages import LanguageTable
from bitcode_core.ports import ExitStatus
from bitcode_core.questions import Limits
from bitcode_core.usecases.judge_submission import (
    Submission,
    ValidatorCache,
    judge_submission,
)
from bitcode_core.verdicts import Verdict
from bitcode_http.problems import exception_handlers
from bitcode_http.routes.judge0 import Judge0CallbackController
from tests.integration.http.conftest import DEMO_BANK
from tests.judge0_fake import build_app, serve
from tests.judge0_fake.server import free_port

pytestmark = [pytest.mark.anyio, pytest.mark.no_skip]

DOUBLE = b"print(2 * int(input()))\n"
ECHO = b"import sys\nsys.stdout.buffer.write(sys.stdin.buffer.read())\n"
ROOMY = Limits(time_s=2.0, memory_mib=256, output_mib=1)


async def compiled(
    judge: Any, table: LanguageTable, source: bytes, key: str = "python3"
):
    compilation = await judge.compile(table.get(key), source)
    assert compilation.program is not None, compilation.log
    return compilation.program


@pytest.fixture
def callbacks() -> Iterator[tuple[CallbackInbox, str]]:
    """BitCode's own callback route, on a server of its own, and its inbox."""
    inbox = CallbackInbox()
    app = Litestar(
        route_handlers=[Judge0CallbackController],
        dependencies={"judge0_callbacks": Provide(lambda: inbox, sync_to_thread=False)},
        exception_handlers=exception_handlers(),
        logging_config=None,
    )
    served = serve(app)
    yield inbox, served.url
    served.stop()


class TestLanguages:
    async def test_languages_are_matched_by_name_and_version_when_ids_differ(
        self, another_fake, make_judge, table
    ) -> None:
        python = table.get("python3")
        fake, served = another_fake(
            {
                71: (
                    "Bash (5.0.0)",
                    table.get("c"),
                ),  # CE's Python id, another language
                100: ("Python (3.8.1)", python),
                101: ("Python (3.11.2)", python),
            }
        )
        judge = make_judge(served.url)

        await compiled(judge, table, DOUBLE)

        assert fake.counters.created[-1]["language_id"] == 101
        assert judge.available(python)

    async def test_a_language_the_server_lacks_is_unavailable_and_never_sent(
        self, another_fake, make_judge, table
    ) -> None:
        fake, served = another_fake({71: ("Python (3.8.1)", table.get("python3"))})
        judge = make_judge(served.url)
        await compiled(judge, table, DOUBLE)
        sent = fake.counters.submissions

        with pytest.raises(LanguageUnavailable):
            await judge.compile(table.get("rust"), b"fn main() {}")

        assert not judge.available(table.get("rust"))
        assert fake.counters.submissions == sent


class TestSubmissions:
    async def test_any_bytes_survive_both_ways(self, make_judge, table) -> None:
        judge = make_judge()
        program = await compiled(judge, table, ECHO)
        data = bytes(range(256)) * 3 + b"\r\n\x00 no newline at the end"

        (echoed,) = await judge.run_many(program, [data], ROOMY)

        assert echoed.status is ExitStatus.OK
        assert echoed.stdout == data

    async def test_tests_are_split_to_the_servers_batch_size_and_kept_in_order(
        self, fake, make_judge, table
    ) -> None:
        fake.config["max_submission_batch_size"] = 3
        judge = make_judge()
        program = await compiled(judge, table, DOUBLE)
        batches = fake.counters.batches

        runs = await judge.run_many(program, [b"%d" % i for i in range(7)], ROOMY)

        assert [r.stdout for r in runs] == [b"%d\n" % (2 * i) for i in range(7)]
        assert fake.counters.batches - batches == 3

    async def test_a_batch_too_large_for_a_proxy_is_split_and_sent_again(
        self, fake, make_judge, table
    ) -> None:
        judge = make_judge(options=Judge0Options(batch_bytes=64 * 1024 * 1024))
        program = await compiled(judge, table, ECHO)
        fake.knobs.max_body_bytes = 300_000
        inputs = [bytes([i]) * 100_000 for i in range(5)]

        runs = await judge.run_many(program, inputs, ROOMY)

        assert [r.stdout for r in runs] == inputs

    async def test_limits_are_sent_in_judge0_units_within_the_servers_maximums(
        self, fake, make_judge, table
    ) -> None:
        judge = make_judge()
        program = await compiled(judge, table, DOUBLE)

        await judge.run(program, b"1", Limits(time_s=30, memory_mib=300, output_mib=64))

        sent = fake.counters.created[-1]
        assert sent["cpu_time_limit"] == 15.0  # the server's maximum
        assert sent["wall_time_limit"] == 20.0
        assert sent["memory_limit"] == 300 * 1024  # KB
        assert sent["max_file_size"] == 4096  # KB, the server's maximum

    @pytest.mark.parametrize(
        ("source", "status"),
        [
            pytest.param(b"while True: pass\n", ExitStatus.TIME_LIMIT, id="busy-loop"),
            pytest.param(
                b"import ctypes\nctypes.string_at(0)\n",
                ExitStatus.SIGNALED,
                id="segfault",
            ),
            pytest.param(b"raise SystemExit(3)\n", ExitStatus.NONZERO_EXIT, id="exit"),
            pytest.param(
                b"x = bytearray(400 * 1024 * 1024)\n",
                ExitStatus.MEMORY_LIMIT,
                id="memory",
            ),
            pytest.param(
                b"while True: print('y' * 4096)\n",
                ExitStatus.OUTPUT_LIMIT,
                id="output",
            ),
        ],
    )
    async def test_how_a_run_ended_comes_back_as_the_sandbox_says_it(
        self, make_judge, table, sandbox, source, status
    ) -> None:
        judge = make_judge()
        python = table.get("python3")
        program = await compiled(judge, table, source)
        limits = Limits(time_s=0.5, memory_mib=128, output_mib=1)
        local = (await sandbox.compile(python, source)).program

        (remote,) = await judge.run_many(program, [b""], limits)
        here = await sandbox.run(local, b"", limits)
        await sandbox.release(local)

        assert remote.status is here.status is status
        if status in (ExitStatus.SIGNALED, ExitStatus.NONZERO_EXIT):
            assert (remote.exit_code, remote.signal) == (here.exit_code, here.signal)

    async def test_a_compile_error_comes_back_with_the_compilers_log(
        self, make_judge, table
    ) -> None:
        judge = make_judge()

        compilation = await judge.compile(table.get("c"), b"int main( { return 0; }")

        assert compilation.program is None
        assert not compilation.internal_error
        assert "error" in compilation.log

    async def test_results_are_polled_no_faster_than_once_a_second(
        self, fake, make_judge, table
    ) -> None:
        judge = make_judge(options=Judge0Options())
        program = await compiled(judge, table, DOUBLE)
        fake.knobs.delay_s = 2.5
        polls = fake.counters.polls
        started = time.monotonic()

        (run,) = await judge.run_many(program, [b"2"], ROOMY)

        elapsed = time.monotonic() - started
        assert run.stdout == b"4\n"
        assert fake.counters.polls - polls <= elapsed


class TestWhenJudge0Fails:
    async def test_rate_limits_and_a_full_queue_are_waited_out(
        self, fake, make_judge, table
    ) -> None:
        judge = make_judge()
        program = await compiled(judge, table, DOUBLE)
        fake.knobs.refuse = [429, 503, 503, 502]

        runs = await judge.run_many(program, [b"1", b"2"], ROOMY)

        assert [r.stdout for r in runs] == [b"2\n", b"4\n"]
        assert fake.counters.refused == 4

    async def test_a_slow_server_is_waited_for(self, fake, make_judge, table) -> None:
        judge = make_judge()
        program = await compiled(judge, table, DOUBLE)
        fake.knobs.delay_s = 1.5

        (run,) = await judge.run_many(program, [b"21"], ROOMY)

        assert run.stdout == b"42\n"

    async def test_a_lost_token_is_submitted_again(
        self, fake, make_judge, table
    ) -> None:
        judge = make_judge()
        program = await compiled(judge, table, DOUBLE)
        fake.knobs.lose_tokens = 1
        sent = fake.counters.submissions

        runs = await judge.run_many(program, [b"1", b"2"], ROOMY)

        assert [r.stdout for r in runs] == [b"2\n", b"4\n"]
        assert fake.counters.submissions - sent == 3

    async def test_a_run_judge0_keeps_losing_ends_as_an_internal_error(
        self, fake, make_judge, table
    ) -> None:
        judge = make_judge()
        program = await compiled(judge, table, DOUBLE)
        fake.knobs.lose_tokens = 100

        (run,) = await judge.run_many(program, [b"1"], ROOMY)

        assert run.status is ExitStatus.INTERNAL
        assert b"lost" in run.stderr

    async def test_down_at_start_the_submission_waits_and_is_judged_once_it_is_up(
        self, another_fake, make_judge, table
    ) -> None:
        port = free_port()
        judge = make_judge(f"http://127.0.0.1:{port}")
        loop = asyncio.get_running_loop()
        loop.call_later(1.0, another_fake, None, port)

        program = await compiled(judge, table, DOUBLE)
        (run,) = await judge.run_many(program, [b"5"], ROOMY)

        assert run.stdout == b"10\n"

    async def test_down_mid_run_the_run_is_collected_when_it_is_back(
        self, another_fake, make_judge, table
    ) -> None:
        fake, served = another_fake()
        judge = make_judge(served.url)
        program = await compiled(judge, table, DOUBLE)
        fake.knobs.delay_s = 0.5
        loop = asyncio.get_running_loop()

        def restart() -> None:
            served.stop()  # the same fake, so its submissions survive
            loop.call_later(1.0, lambda: serve(build_app(fake), served.port))

        loop.call_later(0.2, restart)
        runs = await judge.run_many(program, [b"1", b"2", b"3"], ROOMY)

        assert [r.stdout for r in runs] == [b"2\n", b"4\n", b"6\n"]

    async def test_a_server_that_stops_answering_ends_in_internal_error_at_the_limit(
        self, fake, make_judge, table
    ) -> None:
        options = Judge0Options(give_up_s=2.0, poll_first_s=0.1, poll_cap_s=0.2)
        judge = make_judge(options=options, timeout_s=0.5)
        program = await compiled(judge, table, DOUBLE)
        fake.knobs.hang = True

        (run,) = await judge.run_many(program, [b"1"], ROOMY)

        assert run.status is ExitStatus.INTERNAL
        assert b"Judge0" in run.stderr
        assert not judge.healthy

    async def test_down_the_judge_turns_unhealthy_and_healthy_again_when_back(
        self, another_fake, make_judge, table
    ) -> None:
        port = free_port()
        options = Judge0Options(give_up_s=0.5)
        judge = make_judge(f"http://127.0.0.1:{port}", options=options)

        compilation = await judge.compile(table.get("python3"), DOUBLE)
        unhealthy = not judge.healthy and not await judge.check()
        another_fake(None, port)

        assert compilation.internal_error
        assert "Judge0 did not answer" in compilation.log
        assert unhealthy
        assert await judge.check()
        assert judge.healthy

    async def test_a_refused_submission_is_an_internal_error_logged_with_its_field(
        self, fake, make_judge, table, caplog
    ) -> None:
        judge = make_judge()
        program = await compiled(judge, table, DOUBLE)
        fake.config["max_cpu_time_limit"] = 1.0  # after the judge read the limits

        with caplog.at_level(logging.ERROR, "bitcode_adapters.judge0.judge"):
            (run,) = await judge.run_many(program, [b"1"], ROOMY)

        assert run.status is ExitStatus.INTERNAL
        refused = [r for r in caplog.records if r.msg == "judge0.submission_refused"]
        assert refused[0].fields == ["cpu_time_limit"]


class TestAuthentication:
    async def test_the_auth_token_is_sent_and_without_it_nothing_runs(
        self, fake, make_judge, table
    ) -> None:
        token = "token-0123456789"  # noqa: S105 - a test's
        fake.knobs.auth_token = token
        without = make_judge(options=Judge0Options(give_up_s=1.0))
        with_it = make_judge(credentials=Credentials(auth_token=token))

        refused = await without.compile(table.get("python3"), DOUBLE)
        accepted = await with_it.compile(table.get("python3"), DOUBLE)

        assert refused.internal_error
        assert "401" in refused.log
        assert not await without.check()
        assert accepted.program is not None
        assert await with_it.check()

    async def test_the_rapidapi_pair_goes_in_its_headers(
        self, fake, make_judge, table
    ) -> None:
        credentials = Credentials(rapidapi_key="k-42", rapidapi_host="judge0.example")
        judge = make_judge(credentials=credentials)

        await compiled(judge, table, DOUBLE)

        headers = fake.counters.headers[-1]
        assert headers["x-rapidapi-key"] == "k-42"
        assert headers["x-rapidapi-host"] == "judge0.example"
        assert "k-42" not in repr(credentials)


class TestCallbacks:
    async def test_results_arrive_by_callback_with_a_per_run_secret(
        self, fake, make_judge, table, callbacks
    ) -> None:
        inbox, url = callbacks
        options = Judge0Options(
            callback_url=url, poll_first_s=0.1, poll_with_callbacks_s=60
        )
        judge = make_judge(options=options, inbox=inbox)
        program = await compiled(judge, table, DOUBLE)
        polls = fake.counters.polls

        runs = await judge.run_many(program, [b"1", b"2", b"3"], ROOMY)

        assert [r.stdout for r in runs] == [b"2\n", b"4\n", b"6\n"]
        assert fake.counters.polls == polls  # no poll was needed
        urls = {c["callback_url"] for c in fake.counters.created[-3:]}
        assert len(urls) == 3
        assert len(inbox) == 0

    async def test_a_lost_callback_is_made_up_for_by_polling(
        self, fake, make_judge, table, callbacks
    ) -> None:
        inbox, url = callbacks
        options = Judge0Options(
            callback_url=url, poll_first_s=0.1, poll_with_callbacks_s=1.0
        )
        judge = make_judge(options=options, inbox=inbox)
        program = await compiled(judge, table, DOUBLE)
        fake.knobs.drop_callbacks = 1

        runs = await judge.run_many(program, [b"1", b"2"], ROOMY)

        assert [r.stdout for r in runs] == [b"2\n", b"4\n"]

    async def test_a_callback_with_a_wrong_secret_or_run_is_refused_alike(
        self, make_judge, callbacks
    ) -> None:
        inbox, url = callbacks
        registration = inbox.register()
        body = {"token": "abc", "status": {"id": 3, "description": "Accepted"}}

        async with httpx.AsyncClient(base_url=url) as http:
            wrong = await http.put(
                f"/judge0/callbacks/{registration.run_id}?secret=guess", json=body
            )
            unknown = await http.put("/judge0/callbacks/nope?secret=guess", json=body)
            right = await http.put(registration.url(url), json=body)
            again = await http.put(registration.url(url), json=body)

        assert wrong.status_code == unknown.status_code == 404
        assert wrong.json()["detail"] == unknown.json()["detail"]
        assert right.status_code == 204
        assert again.status_code == 404
        delivered = await registration.future
        assert delivered == body

    @pytest.mark.parametrize(
        "body",
        [
            pytest.param(b"not json", id="not-json"),
            pytest.param(b"[" * 100_000, id="nested-too-deeply"),
            pytest.param(b"[1, 2]", id="not-an-object"),
        ],
    )
    async def test_a_malformed_callback_is_refused_not_a_crash(
        self, callbacks, body
    ) -> None:
        inbox, url = callbacks
        registration = inbox.register()

        async with httpx.AsyncClient() as http:
            answer = await http.put(registration.url(url), content=body)

        assert answer.status_code == 404
        assert not registration.future.done()


class TestCustomValidators:
    @pytest.mark.parametrize(
        ("folder", "verdict"),
        [
            pytest.param("accepted", Verdict.ACCEPTED, id="accepted"),
            pytest.param("wrong_answer", Verdict.WRONG_ANSWER, id="rejected"),
        ],
    )
    async def test_without_a_local_sandbox_validators_run_on_judge0_as_multi_file(
        self, fake, make_judge, table, folder, verdict
    ) -> None:
        judge = make_judge(local=False)
        package = load_package(DEMO_BANK / "pair-with-sum", table)
        solution = next(s for s in package.solutions if s.folder == folder)
        assert solution.language is not None
        submission = Submission(package.question, solution.language, solution.source)
        validators = ValidatorCache(judge, table)

        result = await judge_submission(judge, validators, submission)
        await validators.close()

        assert result.verdict is verdict
        assert any(c["language_id"] == 89 for c in fake.counters.created)
