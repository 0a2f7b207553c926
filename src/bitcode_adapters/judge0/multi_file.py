"""A custom output validator as a Judge0 multi-file program."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from typing import Any

from bitcode_core.languages import Language

_VALIDATOR_INPUT, _VALIDATOR_ANSWER = "judge_input", "judge_answer"


def validator_archive(
    language: Language,
    source: bytes,
    commands: Mapping[str, Any],
    test_input: bytes,
    answer: bytes,
) -> bytes:
    """The ``additional_files`` zip: the validator's source under the server's
    file name for its language, the test's input and answer, and ``compile``
    and ``run`` scripts from the server's own commands (``GET
    /languages/{id}``). The contestant's output comes on stdin, as the ICPC
    format runs validators: ``run INPUT ANSWER FEEDBACK_DIR``."""
    source_file = str(commands.get("source_file") or language.source_file)
    compile_cmd = str(commands.get("compile_cmd") or "")
    run_cmd = str(commands.get("run_cmd") or "")
    arguments = f"{_VALIDATOR_INPUT} {_VALIDATOR_ANSWER} feedback/"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(source_file, source)
        archive.writestr(_VALIDATOR_INPUT, test_input)
        archive.writestr(_VALIDATOR_ANSWER, answer)
        if compile_cmd:
            # Judge0 fills %s with compiler options; there are none.
            archive.writestr("compile", compile_cmd.replace("%s", "") + "\n")
        archive.writestr("run", f"mkdir -p feedback\n{run_cmd} {arguments}\n")
    return buffer.getvalue()
