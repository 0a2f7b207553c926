"""``Judge0Judge``: the ``Judge`` port on a Judge0 CE server.

Judge0 compiles and runs one program on one input per submission, so:

- ``compile`` sends the source once on empty input (a probe) and reads the
  compiler's verdict; the program is kept as its source and Judge0 language id.
- ``run_many`` sends one submission per input through ``POST
  /submissions/batch``, split to the server's batch size, and collects them with
  ``GET /submissions/batch`` (polling no faster than once a second, slowing
  down to every few seconds), or from Judge0's callbacks when a callback URL is
  configured, with polling kept as the fallback for a lost callback.
- Source, input and output always travel base64-encoded, so any bytes survive.
- Custom output validators run on ``local``, the local sandbox, when there is
  one; otherwise on Judge0 itself as a multi-file program.

Nothing is lost while Judge0 is away: every call is tried again (see
``client``) and a submission keeps waiting until ``give_up_s`` has passed; then
its runs end ``INTERNAL`` (an Internal Error, never the player's fault) with the
reason. A token Judge0 forgot is submitted again, twice at most.

Languages and limits are read from ``GET /languages`` and ``GET /config_info``
on first use; if Judge0 is down then, the next use asks again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from bitcode_adapters.judge0.callbacks import CallbackInbox, Registration
from bitcode_adapters.judge0.client import Judge0Client
from bitcode_adapters.judge0.languages import (
    match_languages,
    multi_file_id,
    offered_languages,
)
from bitcode_adapters.judge0.multi_file import validator_archive
from bitcode_adapters.judge0.outcome import (
    COMPILATION_ERROR,
    RESULT_FIELDS,
    ServerLimits,
    decode,
    encode,
    execution_of,
    is_finished,
    limit_fields,
    status_id,
)
from bitcode_core.errors import JudgeFailure, LanguageUnavailable
from bitcode_core.languages import Language
from bitcode_core.ports import Compilation, Execution, ExitStatus, Judge, Program
from bitcode_core.questions import Limits

logger = logging.getLogger(__name__)

# The probe only needs the compiler's answer; the program may stop early.
PROBE_LIMITS = Limits(time_s=0.5, memory_mib=256, output_mib=1)
_DEFAULT_BATCH = 20
_TOO_LARGE = 413
_RESULT_FIELDS = ",".join(RESULT_FIELDS)


@dataclass(frozen=True, slots=True)
class Judge0Options:
    callback_url: str | None = None  # where Judge0 can reach BitCode; None: poll
    give_up_s: float = 300.0
    poll_first_s: float = 1.0
    poll_cap_s: float = 5.0
    poll_with_callbacks_s: float = 10.0
    resubmit_lost: int = 2
    # Inputs sent in one request, base64: proxies in front of Judge0 refuse
    # large bodies (413), and then a batch is split in two and sent again.
    batch_bytes: int = 4 * 1024 * 1024


@dataclass(frozen=True, slots=True, eq=False)
class Judge0Program:
    language: Language
    language_id: int
    source: bytes = field(repr=False)


@dataclass(slots=True, eq=False)
class _Run:
    stdin: bytes = field(repr=False)
    token: str | None = None
    result: Mapping[str, Any] | None = None
    failure: str = ""
    callback: Registration | None = None
    resubmitted: int = 0

    @property
    def waiting(self) -> bool:
        return self.token is not None and self.result is None and not self.failure


@dataclass(frozen=True, slots=True)
class _Server:
    language_ids: Mapping[str, int]
    limits: ServerLimits
    batch_size: int
    callbacks: bool
    multi_file_id: int | None


class Judge0Judge:
    def __init__(
        self,
        client: Judge0Client,
        languages: Iterable[Language],
        *,
        options: Judge0Options = Judge0Options(),
        inbox: CallbackInbox | None = None,
        local: Judge | None = None,
    ) -> None:
        self._client = client
        self._languages = tuple(languages)
        self._options = options
        self._inbox = inbox if options.callback_url else None
        self._local = local
        self._server: _Server | None = None
        self._server_lock = asyncio.Lock()
        self._twins: dict[Judge0Program, Program] = {}
        self._commands: dict[int, Mapping[str, Any]] = {}

    @property
    def healthy(self) -> bool:
        return self._client.healthy

    async def check(self, timeout_s: float = 3.0) -> bool:
        """For readiness: healthy, asking ``GET /about`` when it is not."""
        if self._client.healthy and self._server is not None:
            return True
        try:
            answer = await self._client.request(
                "GET", "/about", deadline=time.monotonic() + timeout_s
            )
        except JudgeFailure:
            return False
        return answer.is_success and self._client.healthy

    async def aclose(self) -> None:
        await self._client.aclose()

    async def connect(self, timeout_s: float) -> None:
        """Read the server's languages and limits now rather than on first use;
        ``JudgeFailure`` when it does not answer within ``timeout_s``."""
        await self._ensure_server(time.monotonic() + timeout_s)

    def available(self, language: Language) -> bool:
        if self._server is None:  # not asked yet: checked again on compile
            return language.judge0_id is not None or bool(language.judge0_name)
        return language.key in self._server.language_ids

    async def compile(self, language: Language, source: bytes) -> Compilation:
        deadline = self._deadline()
        try:
            server = await self._ensure_server(deadline)
        except JudgeFailure as error:
            return Compilation(None, log=str(error), internal_error=True)
        language_id = server.language_ids.get(language.key)
        if language_id is None:
            raise LanguageUnavailable(f"this Judge0 server cannot run {language.name}")
        program = Judge0Program(language, language_id, source)
        (run,) = await self._judge(program, [b""], PROBE_LIMITS, deadline)
        if run.result is None:
            return Compilation(None, log=run.failure, internal_error=True)
        log = decode(run.result.get("compile_output")).decode("utf-8", "replace")
        if status_id(run.result) == COMPILATION_ERROR:
            return Compilation(None, log=log)
        if execution_of(run.result, PROBE_LIMITS).status is ExitStatus.INTERNAL:
            said = decode(run.result.get("message")).decode("utf-8", "replace")
            return Compilation(None, log=f"Judge0 failed: {said}", internal_error=True)
        return Compilation(program, log=log)

    async def run(self, program: Program, stdin: bytes, limits: Limits) -> Execution:
        (execution,) = await self.run_many(program, [stdin], limits)
        return execution

    async def run_many(
        self, program: Program, stdins: Sequence[bytes], limits: Limits
    ) -> list[Execution]:
        runs = await self._judge(_ours(program), stdins, limits, self._deadline())
        return [_execution(run, limits) for run in runs]

    async def run_validator(
        self,
        validator: Program,
        test_input: bytes,
        answer: bytes,
        output: bytes,
        limits: Limits,
    ) -> Execution:
        program = _ours(validator)
        if self._local is not None:
            twin = await self._twin(program)
            return await self._local.run_validator(
                twin, test_input, answer, output, limits
            )
        return await self._remote_validator(program, test_input, answer, output, limits)

    async def release(self, program: Program) -> None:
        twin = (
            self._twins.pop(program, None)
            if isinstance(program, Judge0Program)
            else None
        )
        if twin is not None and self._local is not None:
            await self._local.release(twin)

    # The server's languages and limits.

    def _deadline(self) -> float:
        return time.monotonic() + self._options.give_up_s

    async def _ensure_server(self, deadline: float) -> _Server:
        async with self._server_lock:
            if self._server is None:
                self._server = await self._read_server(deadline)
                logger.info(
                    "judge0.connected",
                    extra={
                        "languages": sorted(self._server.language_ids),
                        "batch_size": self._server.batch_size,
                        "callbacks": self._server.callbacks,
                    },
                )
            return self._server

    async def _read_server(self, deadline: float) -> _Server:
        listing = await self._client.request("GET", "/languages", deadline=deadline)
        if listing.status_code != 200:
            raise JudgeFailure(
                f"Judge0 refused to list its languages (HTTP {listing.status_code})"
            )
        offered = offered_languages(_json(listing))
        answer = await self._client.request("GET", "/config_info", deadline=deadline)
        config = _json(answer) if answer.status_code == 200 else {}
        config = config if isinstance(config, dict) else {}
        batch = config.get("max_submission_batch_size", _DEFAULT_BATCH)
        return _Server(
            language_ids=match_languages(self._languages, offered),
            limits=ServerLimits.from_config(config),
            batch_size=batch if isinstance(batch, int) and batch > 0 else 1,
            callbacks=config.get("enable_callbacks", True) is not False,
            multi_file_id=multi_file_id(offered),
        )

    # Submitting and collecting runs.

    async def _judge(
        self,
        program: Judge0Program,
        stdins: Sequence[bytes],
        limits: Limits,
        deadline: float,
        extra: Mapping[str, Any] | None = None,
    ) -> list[_Run]:
        runs = [_Run(stdin) for stdin in stdins]
        try:
            server = await self._ensure_server(deadline)
            fields = {**limit_fields(limits, server.limits), **(extra or {})}
            await self._submit(program, runs, fields, server, deadline)
            await self._collect(program, runs, fields, server, deadline)
        except JudgeFailure as error:
            for run in runs:
                if run.result is None and not run.failure:
                    run.failure = str(error)
        finally:
            for run in runs:
                self._forget_callback(run)
        failed = [run.failure for run in runs if run.result is None]
        if failed:
            logger.error(
                "judge0.runs_failed",
                extra={"runs": len(runs), "failed": len(failed), "reason": failed[0]},
            )
        return runs

    async def _submit(
        self,
        program: Judge0Program,
        runs: Sequence[_Run],
        fields: Mapping[str, Any],
        server: _Server,
        deadline: float,
    ) -> None:
        for batch in _chunks(runs, server.batch_size, self._options.batch_bytes):
            body = [self._submission(program, run, fields, server) for run in batch]
            response = await self._client.request(
                "POST",
                "/submissions/batch",
                params={"base64_encoded": "true"},
                json={"submissions": body},
                deadline=deadline,
            )
            if response.status_code == _TOO_LARGE and len(batch) > 1:
                half = len(batch) // 2
                await self._submit(program, batch[:half], fields, server, deadline)
                await self._submit(program, batch[half:], fields, server, deadline)
                continue
            self._read_tokens(batch, response)

    def _submission(
        self,
        program: Judge0Program,
        run: _Run,
        fields: Mapping[str, Any],
        server: _Server,
    ) -> dict[str, Any]:
        submission: dict[str, Any] = {
            "language_id": program.language_id,
            "stdin": encode(run.stdin),
            **fields,
        }
        if "additional_files" not in fields:
            submission["source_code"] = encode(program.source)
        self._forget_callback(run)
        if self._inbox is not None and server.callbacks and self._options.callback_url:
            run.callback = self._inbox.register()
            submission["callback_url"] = run.callback.url(self._options.callback_url)
        return submission

    def _read_tokens(self, batch: Sequence[_Run], response: httpx.Response) -> None:
        answers = _json(response)
        if response.status_code not in (201, 422) or not isinstance(answers, list):
            problem = f"Judge0 refused the submissions (HTTP {response.status_code})"
            logger.error(
                "judge0.batch_refused",
                extra={"status": response.status_code, "said": response.text[:300]},
            )
            for run in batch:
                run.failure = problem
            return
        for run, answer in zip(batch, answers, strict=False):
            token = answer.get("token") if isinstance(answer, dict) else None
            if isinstance(token, str):
                run.token = token
                continue
            # A 422 for one submission: BitCode sent something Judge0 refuses.
            logger.error(
                "judge0.submission_refused",
                extra={"fields": _refused_fields(answer), "said": str(answer)[:300]},
            )
            run.failure = f"Judge0 refused the submission: {str(answer)[:200]}"
        for run in batch[len(answers) :]:
            run.failure = "Judge0 gave no token for the submission"

    async def _collect(
        self,
        program: Judge0Program,
        runs: Sequence[_Run],
        fields: Mapping[str, Any],
        server: _Server,
        deadline: float,
    ) -> None:
        pause = self._options.poll_first_s
        last_poll = time.monotonic()
        late = f"Judge0 gave no result within {self._options.give_up_s:g} s"
        while any(run.waiting for run in runs):
            if time.monotonic() >= deadline:
                for run in runs:
                    if run.waiting:
                        run.failure = late
                return
            await self._wait_for_callbacks(
                runs, min(pause, deadline - time.monotonic())
            )
            polling_due = self._inbox is None or (
                time.monotonic() - last_poll >= self._options.poll_with_callbacks_s
            )
            if polling_due and any(run.waiting for run in runs):
                await self._poll(program, runs, fields, server, deadline)
                last_poll = time.monotonic()
            pause = min(pause * 1.5, self._options.poll_cap_s)

    async def _wait_for_callbacks(self, runs: Sequence[_Run], seconds: float) -> None:
        futures = [r.callback.future for r in runs if r.waiting and r.callback]
        if futures:
            await asyncio.wait(futures, timeout=max(seconds, 0.0))
        else:
            await asyncio.sleep(max(seconds, 0.0))
        for run in runs:
            if run.waiting and run.callback and run.callback.future.done():
                result = run.callback.future.result()
                if result.get("token") == run.token and is_finished(result):
                    run.result = result

    async def _poll(
        self,
        program: Judge0Program,
        runs: Sequence[_Run],
        fields: Mapping[str, Any],
        server: _Server,
        deadline: float,
    ) -> None:
        lost: list[_Run] = []
        for batch in _chunks([r for r in runs if r.waiting], server.batch_size, None):
            response = await self._client.request(
                "GET",
                "/submissions/batch",
                params={
                    "tokens": ",".join(str(r.token) for r in batch),
                    "base64_encoded": "true",
                    "fields": _RESULT_FIELDS,
                },
                deadline=deadline,
            )
            answer = _json(response)
            found = answer.get("submissions") if isinstance(answer, dict) else None
            if response.status_code != 200 or not isinstance(found, list):
                logger.warning(
                    "judge0.poll_refused",
                    extra={"status": response.status_code, "said": response.text[:300]},
                )
                continue
            for run, result in zip(batch, found, strict=False):
                if not isinstance(result, dict):
                    lost.append(run)
                elif is_finished(result):
                    run.result = result
        if lost:
            await self._resubmit(program, lost, fields, server, deadline)

    async def _resubmit(
        self,
        program: Judge0Program,
        lost: Sequence[_Run],
        fields: Mapping[str, Any],
        server: _Server,
        deadline: float,
    ) -> None:
        again = []
        for run in lost:
            logger.warning("judge0.token_lost", extra={"resubmitted": run.resubmitted})
            if run.resubmitted >= self._options.resubmit_lost:
                run.failure = "Judge0 lost the submission"
                continue
            run.resubmitted += 1
            run.token = None
            again.append(run)
        if again:
            await self._submit(program, again, fields, server, deadline)

    def _forget_callback(self, run: _Run) -> None:
        if run.callback is not None and self._inbox is not None:
            self._inbox.discard(run.callback.run_id)
        run.callback = None

    # Custom output validators.

    async def _twin(self, program: Judge0Program) -> Program:
        """The validator compiled by the local judge, once."""
        assert self._local is not None  # noqa: S101 - only called with a local judge
        twin = self._twins.get(program)
        if twin is None:
            compilation = await self._local.compile(program.language, program.source)
            if compilation.program is None:
                said = compilation.log[:300]
                raise JudgeFailure(f"the output validator does not compile: {said}")
            twin = self._twins[program] = compilation.program
        return twin

    async def _remote_validator(
        self,
        validator: Judge0Program,
        test_input: bytes,
        answer: bytes,
        output: bytes,
        limits: Limits,
    ) -> Execution:
        """Run the validator on Judge0 as a multi-file program: its source, the
        test's input and answer, and scripts built from the server's own compile
        and run commands for its language; the output goes to its stdin."""
        deadline = self._deadline()
        server = await self._ensure_server(deadline)
        if server.multi_file_id is None:
            raise JudgeFailure(
                "a custom output validator needs the local sandbox or a Judge0 "
                "server with multi-file programs"
            )
        commands = await self._language_commands(validator.language_id, deadline)
        archive = validator_archive(
            validator.language, validator.source, commands, test_input, answer
        )
        program = Judge0Program(validator.language, server.multi_file_id, b"")
        extra = {"additional_files": encode(archive)}
        (run,) = await self._judge(program, [output], limits, deadline, extra)
        return _execution(run, limits)

    async def _language_commands(
        self, language_id: int, deadline: float
    ) -> Mapping[str, Any]:
        commands = self._commands.get(language_id)
        if commands is None:
            response = await self._client.request(
                "GET", f"/languages/{language_id}", deadline=deadline
            )
            found = _json(response)
            if response.status_code != 200 or not isinstance(found, dict):
                raise JudgeFailure(f"Judge0 does not describe language {language_id}")
            commands = self._commands[language_id] = found
        return commands


def _execution(run: _Run, limits: Limits) -> Execution:
    if run.result is None:
        return Execution(ExitStatus.INTERNAL, stderr=run.failure.encode())
    return execution_of(run.result, limits)


def _ours(program: Program) -> Judge0Program:
    if not isinstance(program, Judge0Program):
        raise JudgeFailure("this program was not compiled by the Judge0 judge")
    return program


def _chunks(
    runs: Sequence[_Run], size: int, max_bytes: int | None
) -> Iterator[Sequence[_Run]]:
    """Runs in batches of at most ``size``, and of about ``max_bytes`` of input
    (a batch always takes one run, however large)."""
    batch: list[_Run] = []
    weight = 0
    for run in runs:
        cost = len(run.stdin) * 4 // 3
        full = len(batch) == size or (
            max_bytes is not None and batch and weight + cost > max_bytes
        )
        if full:
            yield batch
            batch, weight = [], 0
        batch.append(run)
        weight += cost
    if batch:
        yield batch


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _refused_fields(answer: object) -> list[str]:
    return sorted(str(key) for key in answer) if isinstance(answer, dict) else []
