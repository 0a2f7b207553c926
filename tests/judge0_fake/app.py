"""A fake Judge0 CE: the documented API, answered as a real server answers it,
with programs run by BitCode's own sandbox.

It keeps what the adapter relies on: tokens, statuses 1-14 with isolate's
messages, ``time`` as a decimal string and ``memory`` in KB, base64 in both
directions with output wrapped every 60 characters (Ruby's ``encode64``),
``fields`` (an unknown one is a 400), ``wait``, the batch size limit, the
queue limit (503 "queue is full"), 401 without the auth token, 404 for an
unknown token, 422 for an invalid submission, and callbacks PUT once a
submission is done. Like Judge0 CE with its default cgroup memory limit, a
program out of memory is killed (SIGKILL, "Runtime Error (Other)") and a flood
of output hits the file size limit (SIGXFSZ).

Unlike a real server it compiles each distinct source once and keeps it, so
the test suite stays quick; every submission still runs.

``Knobs`` let a test make it slow, refuse calls with 429 or 503, drop
callbacks, lose tokens, or stop answering.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import dataclasses
import datetime
import hashlib
import io
import json
import math
import signal
import uuid
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

import httpx
from litestar import Litestar, Request, Response, get, post
from litestar.handlers import HTTPRouteHandler
from litestar.params import PathParameter
from litestar.types import ASGIApp, Receive, Scope, Send

from bitcode_adapters.sandbox import SandboxJudge
from bitcode_core.languages import Language
from bitcode_core.ports import Compilation, Execution, ExitStatus
from bitcode_core.questions import Limits

STATUSES = {
    1: "In Queue",
    2: "Processing",
    3: "Accepted",
    4: "Wrong Answer",
    5: "Time Limit Exceeded",
    6: "Compilation Error",
    7: "Runtime Error (SIGSEGV)",
    8: "Runtime Error (SIGXFSZ)",
    9: "Runtime Error (SIGFPE)",
    10: "Runtime Error (SIGABRT)",
    11: "Runtime Error (NZEC)",
    12: "Runtime Error (Other)",
    13: "Internal Error",
    14: "Exec Format Error",
}
_SIGNAL_STATUS = {
    signal.SIGSEGV: 7,
    signal.SIGXFSZ: 8,
    signal.SIGFPE: 9,
    signal.SIGABRT: 10,
}
# Judge0 CE 1.13's names for the languages BitCode ships, under CE's ids.
CE_LANGUAGES = {
    "python3": (71, "Python (3.8.1)"),
    "c": (50, "C (GCC 9.2.0)"),
    "cpp": (54, "C++ (GCC 9.2.0)"),
    "java": (62, "Java (OpenJDK 13.0.1)"),
    "javascript": (63, "JavaScript (Node.js 12.14.0)"),
    "rust": (73, "Rust (1.40.0)"),
}
MULTI_FILE_ID = 89
# Judge0 CE runs these without a compile step, so a syntax error shows when the
# program runs (Runtime Error (NZEC)), not as a Compilation Error.
_NO_COMPILE_STEP = frozenset({"python3", "javascript"})
DEFAULT_FIELDS = (
    "token",
    "time",
    "memory",
    "stdout",
    "stderr",
    "compile_output",
    "message",
    "status",
)
ALL_FIELDS = (
    "source_code",
    "language_id",
    "compiler_options",
    "command_line_arguments",
    "stdin",
    "expected_output",
    "cpu_time_limit",
    "cpu_extra_time",
    "wall_time_limit",
    "memory_limit",
    "stack_limit",
    "max_processes_and_or_threads",
    "enable_per_process_and_thread_time_limit",
    "enable_per_process_and_thread_memory_limit",
    "max_file_size",
    "redirect_stderr_to_stdout",
    "callback_url",
    "additional_files",
    "enable_network",
    "number_of_runs",
    "stdout",
    "stderr",
    "compile_output",
    "message",
    "exit_code",
    "exit_signal",
    "status",
    "status_id",
    "language",
    "created_at",
    "finished_at",
    "token",
    "time",
    "wall_time",
    "memory",
)
_ENCODED = ("source_code", "stdin", "expected_output", "stdout", "stderr")
_ENCODED_TOO = ("compile_output", "message")
_LIMITS = {  # field: (default, config key of its maximum)
    "cpu_time_limit": (5.0, "max_cpu_time_limit"),
    "cpu_extra_time": (1.0, "max_cpu_extra_time"),
    "wall_time_limit": (10.0, "max_wall_time_limit"),
    "memory_limit": (128_000, "max_memory_limit"),
    "stack_limit": (64_000, "max_stack_limit"),
    "max_processes_and_or_threads": (60, "max_max_processes_and_or_threads"),
    "max_file_size": (1024, "max_max_file_size"),
    "number_of_runs": (1, "max_number_of_runs"),
}
# The multi-file program's compile script failed (inside the wrapper below).
_COMPILE_FAILED = 120
_MULTI_FILE = Language(
    "multi-file", "Multi-file program", ("sh",), "main.sh", ("bash", "main.sh")
)


def _as_in_ce(language: Language) -> Language:
    if language.key in _NO_COMPILE_STEP:
        return dataclasses.replace(language, compile=())
    return language


def config_info(batch_size: int = 20) -> dict[str, Any]:
    return {
        "maintenance_mode": False,
        "enable_wait_result": True,
        "enable_compiler_options": True,
        "allowed_languages_for_compile_options": [],
        "enable_command_line_arguments": True,
        "enable_submission_delete": False,
        "enable_callbacks": True,
        "callbacks_max_tries": 3,
        "callbacks_timeout": 5.0,
        "enable_additional_files": True,
        "max_queue_size": 100,
        "cpu_time_limit": 5.0,
        "max_cpu_time_limit": 15.0,
        "cpu_extra_time": 1.0,
        "max_cpu_extra_time": 5.0,
        "wall_time_limit": 10.0,
        "max_wall_time_limit": 20.0,
        "memory_limit": 128_000,
        "max_memory_limit": 512_000,
        "stack_limit": 64_000,
        "max_stack_limit": 128_000,
        "max_processes_and_or_threads": 60,
        "max_max_processes_and_or_threads": 120,
        "enable_per_process_and_thread_time_limit": False,
        "allow_enable_per_process_and_thread_time_limit": True,
        "enable_per_process_and_thread_memory_limit": False,
        "allow_enable_per_process_and_thread_memory_limit": True,
        "max_file_size": 1024,
        "max_max_file_size": 4096,
        "number_of_runs": 1,
        "max_number_of_runs": 20,
        "redirect_stderr_to_stdout": False,
        "max_extract_size": 10240,
        "enable_batched_submissions": True,
        "max_submission_batch_size": batch_size,
        "enable_network": False,
        "allow_enable_network": False,
    }


@dataclass
class Knobs:
    """What a test may change; ``reset`` puts the defaults back."""

    delay_s: float = 0.0  # each submission waits this long in the queue
    refuse: list[int] = field(default_factory=list)  # the next calls get these
    hang: bool = False  # accept connections, never answer
    lose_tokens: int = 0  # forget the next N submissions once created
    drop_callbacks: int = 0  # never send the next N callbacks
    max_body_bytes: int | None = None  # a proxy in front answering 413 above it
    auth_token: str | None = None

    def reset(self) -> None:
        self.__init__()  # type: ignore[misc]


@dataclass
class Counters:
    submissions: int = 0
    batches: int = 0
    polls: int = 0
    callbacks_sent: int = 0
    refused: int = 0
    requests: int = 0
    # Request bodies and headers seen, newest last, for tests that check them.
    created: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)


class FakeJudge0:
    def __init__(
        self,
        sandbox: SandboxJudge,
        languages: Mapping[int, tuple[str, Language]],
        *,
        workers: int = 2,
    ) -> None:
        self.sandbox = sandbox
        # id -> (Judge0 name, what runs it, compiled only as Judge0 CE does)
        self.languages = {
            language_id: (name, _as_in_ce(runs))
            for language_id, (name, runs) in languages.items()
        }
        self.config = config_info()
        self.knobs = Knobs()
        self.counters = Counters()
        self._records: dict[str, dict[str, Any]] = {}
        self._compiled: dict[tuple[str, str], Compilation] = {}
        self._compile_locks: dict[tuple[str, str], asyncio.Lock] = {}
        self._worker_count = workers
        self._workers = asyncio.Semaphore(workers)
        self._tasks: set[asyncio.Task[None]] = set()
        self.loop: asyncio.AbstractEventLoop | None = None

    def reset(self) -> None:
        self.knobs.reset()
        self.config = config_info()
        self.counters = Counters()

    def _resume(self) -> None:
        """Served again on a new event loop (a restart): like Judge0's workers
        after one, take up the queued and interrupted submissions again."""
        self.loop = asyncio.get_running_loop()
        self._workers = asyncio.Semaphore(self._worker_count)
        self._compile_locks = {}
        for record in self._records.values():
            if record["status_id"] in (1, 2):
                record["status_id"] = 1
                self._start(record)

    def _start(self, record: dict[str, Any]) -> None:
        task = asyncio.create_task(self._process(record))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @property
    def queue(self) -> int:
        return sum(1 for r in self._records.values() if r["status_id"] in (1, 2))

    # Requests, before routing: hanging, refusing, authentication.

    def asgi(self, app: ASGIApp) -> ASGIApp:
        async def gate(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            self.counters.requests += 1
            headers = {k.decode(): v.decode() for k, v in scope["headers"]}
            self.counters.headers.append(headers)
            if asyncio.get_running_loop() is not self.loop:
                self._resume()
            while self.knobs.hang:
                await asyncio.sleep(0.05)
            if self.knobs.refuse:
                code = self.knobs.refuse.pop(0)
                self.counters.refused += 1
                await _answer(send, code, _refusal(code))
                return
            size = int(headers.get("content-length") or 0)
            if (
                self.knobs.max_body_bytes is not None
                and size > self.knobs.max_body_bytes
            ):
                await _answer(send, 413, {"error": "request entity too large"})
                return
            token = self.knobs.auth_token
            if token is not None and headers.get("x-auth-token") != token:
                await _answer(send, 401, None)
                return
            await app(scope, receive, send)

        return gate

    # Submissions.

    def create(self, params: Mapping[str, Any], base64_encoded: bool) -> dict[str, Any]:
        """A new record, or the errors that refuse it (as Judge0's 422 lists)."""
        errors: dict[str, list[str]] = {}
        record: dict[str, Any] = {"status_id": 1}
        language_id = params.get("language_id")
        if language_id is None:
            errors["language_id"] = ["can't be blank"]
        elif language_id not in self.languages and language_id != MULTI_FILE_ID:
            errors["language_id"] = [f"language with id {language_id} doesn't exist"]
        multi_file = language_id == MULTI_FILE_ID
        for name in _ENCODED[:3]:
            value = params.get(name)
            if value is not None and base64_encoded:
                value = _decode64(value)
            elif isinstance(value, str):
                value = value.encode()
            record[name] = value
        if not record["source_code"] and not multi_file:
            errors["source_code"] = ["can't be blank"]
        additional = params.get("additional_files")
        record["additional_files"] = _decode64(additional) if additional else None
        if multi_file and not record["additional_files"]:
            errors["additional_files"] = ["can't be blank"]
        for name, (default, maximum_key) in _LIMITS.items():
            value = params.get(name, default)
            maximum = self.config[maximum_key]
            if not isinstance(value, int | float) or value <= 0:
                errors[name] = ["must be greater than 0"]
            elif value > maximum:
                errors[name] = [f"must be less than or equal to {maximum:g}"]
            record[name] = value
        record["language_id"] = language_id
        record["callback_url"] = params.get("callback_url")
        if errors:
            return {"errors": errors}
        record["token"] = str(uuid.uuid4())
        record["created_at"] = _now()
        return record

    def accept(self, record: dict[str, Any]) -> None:
        self.counters.submissions += 1
        self.counters.created.append(record)
        if self.knobs.lose_tokens > 0:
            self.knobs.lose_tokens -= 1
            return
        self._records[record["token"]] = record
        self._start(record)

    def find(self, token: str) -> dict[str, Any] | None:
        return self._records.get(token)

    async def finished(self, record: dict[str, Any]) -> None:
        while record["status_id"] in (1, 2):
            await asyncio.sleep(0.02)

    async def _process(self, record: dict[str, Any]) -> None:
        if self.knobs.delay_s:
            await asyncio.sleep(self.knobs.delay_s)
        async with self._workers:
            record["status_id"] = 2
            try:
                await self._judge(record)
            except Exception as error:  # Judge0 reports its own failure as 13
                record.update(status_id=13, message=str(error).encode())
        record["finished_at"] = _now()
        await self._call_back(record)

    async def _judge(self, record: dict[str, Any]) -> None:
        if record["language_id"] == MULTI_FILE_ID:
            language = _MULTI_FILE
            source = _multi_file_script(record["additional_files"])
        else:
            language = self.languages[record["language_id"]][1]
            source = record["source_code"]
        compilation = await self._compile(language, source)
        if compilation.program is None:
            status = 13 if compilation.internal_error else 6
            record.update(status_id=status, compile_output=compilation.log.encode())
            return
        limits = Limits(
            time_s=min(60.0, max(0.05, float(record["cpu_time_limit"]))),
            memory_mib=max(16, math.ceil(record["memory_limit"] / 1024)),
            output_mib=max(1, math.ceil(record["max_file_size"] / 1024)),
        )
        stdin = record["stdin"] or b""
        execution = await self.sandbox.run(compilation.program, stdin, limits)
        record.update(_result(execution, limits, record))
        failed_to_compile = execution.exit_code == _COMPILE_FAILED
        if language is _MULTI_FILE and failed_to_compile:
            record.update(status_id=6, compile_output=execution.stderr, stderr=None)
            return
        record["compile_output"] = compilation.log.encode() or None
        if record["status_id"] == 3 and record["expected_output"] is not None:
            same = _strip(record["expected_output"]) == _strip(execution.stdout)
            record["status_id"] = 3 if same else 4

    async def _compile(self, language: Language, source: bytes) -> Compilation:
        key = (language.key, hashlib.sha256(source).hexdigest())
        lock = self._compile_locks.setdefault(key, asyncio.Lock())
        async with lock:
            if key not in self._compiled:
                self._compiled[key] = await self.sandbox.compile(language, source)
            return self._compiled[key]

    async def _call_back(self, record: dict[str, Any]) -> None:
        url = record.get("callback_url")
        if not url:
            return
        if self.knobs.drop_callbacks > 0:
            self.knobs.drop_callbacks -= 1
            return
        body = serialize(record, DEFAULT_FIELDS, base64_encoded=True)
        async with httpx.AsyncClient(timeout=5.0) as client:
            for _ in range(3):  # CALLBACKS_MAX_TRIES; an answer of any kind ends it
                with contextlib.suppress(httpx.HTTPError):
                    await client.put(url, json=body)
                    self.counters.callbacks_sent += 1
                    return

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for compilation in self._compiled.values():
            if compilation.program is not None:
                await self.sandbox.release(compilation.program)
        self._compiled.clear()


def _result(
    execution: Execution, limits: Limits, record: Mapping[str, Any]
) -> dict[str, Any]:
    status, code, number, message = 3, 0, None, None
    stdout = execution.stdout
    memory = execution.memory_kib
    if execution.status is ExitStatus.TIME_LIMIT:
        status, code, message = 5, None, "Time limit exceeded"
    elif execution.status is ExitStatus.MEMORY_LIMIT:
        # The cgroup's OOM killer ends it; the peak is at the limit.
        status, code, number = 12, None, signal.SIGKILL
        memory = max(memory, record["memory_limit"])
    elif execution.status is ExitStatus.OUTPUT_LIMIT:
        status, code, number = 8, None, signal.SIGXFSZ
        stdout = stdout[: record["max_file_size"] * 1024]
    elif execution.status is ExitStatus.SIGNALED:
        number = execution.signal
        status, code = _SIGNAL_STATUS.get(number or 0, 12), None
    elif execution.status is ExitStatus.NONZERO_EXIT:
        status, code = 11, execution.exit_code
        message = f"Exited with error status {code}"
    elif execution.status is ExitStatus.INTERNAL:
        status, code, message = 13, None, "the sandbox failed"
    if number is not None:
        message = f"Caught fatal signal {int(number)}"
    return {
        "status_id": status,
        "exit_code": code,
        "exit_signal": int(number) if number is not None else None,
        "message": message.encode() if message else None,
        "stdout": stdout or None,
        "stderr": execution.stderr or None,
        "time": f"{execution.cpu_time_s:.3f}",
        "wall_time": f"{execution.wall_time_s:.3f}",
        "memory": memory,
    }


def serialize(
    record: Mapping[str, Any], fields: tuple[str, ...], *, base64_encoded: bool
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in fields:
        value = record.get(name)
        if name == "status":
            code = record["status_id"]
            value = {"id": code, "description": STATUSES[code]}
        elif name == "language":
            value = {"id": record["language_id"], "name": "?"}
        elif name in _ENCODED + _ENCODED_TOO or name == "additional_files":
            if value is not None:
                value = _encode64(value) if base64_encoded else value.decode()
        elif name in ("cpu_time_limit", "cpu_extra_time", "wall_time_limit"):
            value = f"{float(value):.1f}" if value is not None else None
        out[name] = value
    return out


def requested_fields(text: str | None) -> tuple[str, ...] | str:
    """The fields asked for, or the error for the unknown ones."""
    if not text:
        return DEFAULT_FIELDS
    if text.strip() == "*":
        return ALL_FIELDS
    asked = tuple(f.strip() for f in text.split(",") if f.strip())
    unknown = [f for f in asked if f not in ALL_FIELDS]
    if unknown:
        return f"invalid fields: [{', '.join(unknown)}]"
    return asked


def build_app(fake: FakeJudge0) -> ASGIApp:
    handlers: list[HTTPRouteHandler] = [
        _about(),
        _statuses(),
        _languages(fake),
        _language(fake),
        _config(fake),
        _create(fake),
        _create_batch(fake),
        _show_batch(fake),
        _show(fake),
    ]
    app = Litestar(
        route_handlers=handlers,
        logging_config=None,
        openapi_config=None,
        request_max_body_size=64 * 1024 * 1024,  # Rails itself sets no limit
    )
    return fake.asgi(app)


def _about() -> HTTPRouteHandler:
    @get("/about", sync_to_thread=False)
    def about() -> dict[str, str]:
        return {
            "version": "1.13.1",
            "homepage": "https://judge0.com",
            "source_code": "https://github.com/judge0/judge0",
            "maintainer": "the fake in BitCode's tests",
        }

    return about


def _statuses() -> HTTPRouteHandler:
    @get("/statuses", sync_to_thread=False)
    def statuses() -> list[dict[str, Any]]:
        return [{"id": i, "description": d} for i, d in STATUSES.items()]

    return statuses


def _languages(fake: FakeJudge0) -> HTTPRouteHandler:
    @get("/languages", sync_to_thread=False)
    def languages() -> list[dict[str, Any]]:
        listed = [{"id": i, "name": name} for i, (name, _) in fake.languages.items()]
        listed.append({"id": MULTI_FILE_ID, "name": "Multi-file program"})
        return sorted(listed, key=lambda entry: entry["name"])

    return languages


def _language(fake: FakeJudge0) -> HTTPRouteHandler:
    @get("/languages/{language_id:int}", sync_to_thread=False)
    def language(language_id: Annotated[int, PathParameter()]) -> Response[Any]:
        if language_id not in fake.languages:
            return Response({"error": "language not found"}, status_code=404)
        name, runs = fake.languages[language_id]
        compile_cmd = " ".join(runs.compile_argv()) + " %s" if runs.compiled else None
        return Response(
            {
                "id": language_id,
                "name": name,
                "is_archived": False,
                "source_file": runs.source_file,
                "compile_cmd": compile_cmd,
                "run_cmd": " ".join(runs.run_argv(512)),
            }
        )

    return language


def _config(fake: FakeJudge0) -> HTTPRouteHandler:
    @get("/config_info", sync_to_thread=False)
    def config() -> dict[str, Any]:
        return fake.config

    return config


def _create(fake: FakeJudge0) -> HTTPRouteHandler:
    @post("/submissions")
    async def create(request: Request[Any, Any, Any]) -> Response[Any]:
        fields = requested_fields(request.query_params.get("fields"))
        wait = request.query_params.get("wait") == "true"
        refusal = _refuse_create(fake, fields, wait=wait)
        if refusal is not None:
            return refusal
        encoded = request.query_params.get("base64_encoded") == "true"
        params = await _body(request)
        record = fake.create(params if isinstance(params, dict) else {}, encoded)
        if "errors" in record:
            return Response(record["errors"], status_code=422)
        fake.accept(record)
        if not wait:
            return Response({"token": record["token"]}, status_code=201)
        await fake.finished(record)
        shown = serialize(record, tuple(fields), base64_encoded=encoded)
        return Response(shown, status_code=201)

    return create


def _refuse_create(
    fake: FakeJudge0, fields: tuple[str, ...] | str, *, wait: bool
) -> Response[Any] | None:
    if isinstance(fields, str):
        return Response({"error": fields}, status_code=400)
    if wait and not fake.config["enable_wait_result"]:
        return Response({"error": "wait not allowed"}, status_code=400)
    if fake.queue + 1 > fake.config["max_queue_size"]:
        return Response({"error": "queue is full"}, status_code=503)
    return None


def _create_batch(fake: FakeJudge0) -> HTTPRouteHandler:
    @post("/submissions/batch")
    async def create_batch(request: Request[Any, Any, Any]) -> Response[Any]:
        fake.counters.batches += 1
        body = await _body(request)
        items = body.get("submissions") if isinstance(body, dict) else None
        count = len(items) if isinstance(items, list) else 0
        problem = _batch_size_problem(fake, count)
        if problem:
            return Response({"error": problem}, status_code=400)
        if fake.queue + count > fake.config["max_queue_size"]:
            return Response({"error": "queue is full"}, status_code=503)
        encoded = request.query_params.get("base64_encoded") == "true"
        answers: list[Any] = []
        for item in items or []:
            record = fake.create(item if isinstance(item, dict) else {}, encoded)
            if "errors" in record:
                answers.append(record["errors"])
                continue
            fake.accept(record)
            answers.append({"token": record["token"]})
        created = any("token" in a for a in answers)
        return Response(answers, status_code=201 if created else 422)

    return create_batch


def _show_batch(fake: FakeJudge0) -> HTTPRouteHandler:
    @get("/submissions/batch", sync_to_thread=False)
    def show_batch(request: Request[Any, Any, Any]) -> Response[Any]:
        fake.counters.polls += 1
        fields = requested_fields(request.query_params.get("fields"))
        if isinstance(fields, str):
            return Response({"error": fields}, status_code=400)
        tokens = [t for t in request.query_params.get("tokens", "").split(",") if t]
        problem = _batch_size_problem(fake, len(tokens))
        if problem:
            return Response({"error": problem}, status_code=400)
        encoded = request.query_params.get("base64_encoded") == "true"
        found = []
        for token in tokens:
            record = fake.find(token)
            found.append(
                None
                if record is None
                else serialize(record, fields, base64_encoded=encoded)
            )
        return Response({"submissions": found})

    return show_batch


def _show(fake: FakeJudge0) -> HTTPRouteHandler:
    @get("/submissions/{token:str}", sync_to_thread=False)
    def show(
        token: Annotated[str, PathParameter()], request: Request[Any, Any, Any]
    ) -> Response[Any]:
        fields = requested_fields(request.query_params.get("fields"))
        if isinstance(fields, str):
            return Response({"error": fields}, status_code=400)
        record = fake.find(token)
        if record is None:
            return Response({"error": "submission not found"}, status_code=404)
        encoded = request.query_params.get("base64_encoded") == "true"
        return Response(serialize(record, fields, base64_encoded=encoded))

    return show


def _batch_size_problem(fake: FakeJudge0, count: int) -> str:
    limit = fake.config["max_submission_batch_size"]
    if count > limit:
        return (
            f"number of submissions in a batch should be less than or equal to {limit}"
        )
    if count == 0:
        return "there should be at least one submission in a batch"
    return ""


async def _body(request: Request[Any, Any, Any]) -> Any:
    try:
        return json.loads(await request.body())
    except ValueError:
        return None


async def _answer(send: Send, status: int, body: Any) -> None:
    payload = b"" if body is None else json.dumps(body).encode()
    headers = [(b"content-type", b"application/json")]
    if status == 429:
        headers.append((b"retry-after", b"1"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


def _refusal(code: int) -> Any:
    if code == 503:
        return {"error": "queue is full"}
    if code == 429:
        return {"message": "You have exceeded the rate limit per second for your plan"}
    return {"error": "something went wrong"}


def _encode64(data: bytes) -> str:
    """As Ruby's ``Base64.encode64``: 60 characters a line, each ending in a
    newline."""
    text = base64.b64encode(data).decode("ascii")
    return "".join(text[i : i + 60] + "\n" for i in range(0, len(text), 60))


def _decode64(text: Any) -> bytes:
    if not isinstance(text, str):
        return b""
    try:
        return base64.b64decode(text.encode("ascii", "ignore"), validate=False)
    except (binascii.Error, ValueError):
        return b""


def _strip(output: bytes) -> bytes:
    return b"\n".join(line.rstrip() for line in output.split(b"\n")).rstrip()


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="milliseconds")


def _multi_file_script(archive: bytes) -> bytes:
    """A shell script that unpacks a multi-file program in the sandbox's /tmp,
    runs its ``compile`` script (if any) and then its ``run`` script, as Judge0
    does in its box."""
    with zipfile.ZipFile(io.BytesIO(archive)) as files:
        names = files.namelist()  # a bad archive fails here, as a 13
    del names
    packed = base64.encodebytes(archive).decode("ascii")
    return (
        "set -e\n"
        'box=$(mktemp -d) && cd "$box"\n'
        "base64 -d > files.zip <<'ARCHIVE'\n"
        f"{packed}"
        "ARCHIVE\n"
        "python3 -c 'import zipfile; zipfile.ZipFile(\"files.zip\").extractall()'\n"
        f"if [ -f compile ]; then bash compile >&2 || exit {_COMPILE_FAILED}; fi\n"
        "set +e\n"
        "exec bash run\n"
    ).encode()
