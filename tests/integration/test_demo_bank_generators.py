from __future__ import annotations

import filecmp
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DEMO_BANK = Path(__file__).parents[2] / "questions"
GENERATED = sorted(p.parent.parent for p in DEMO_BANK.glob("*/generators/gen.py"))


def test_every_demo_question_has_a_generator():
    questions = sorted(p.parent for p in DEMO_BANK.glob("*/problem.yaml"))

    assert questions == GENERATED


@pytest.mark.parametrize("root", GENERATED, ids=[p.name for p in GENERATED])
def test_the_generator_reproduces_the_committed_tests_byte_for_byte(root, tmp_path):
    copy = shutil.copytree(root, tmp_path / root.name)
    shutil.rmtree(copy / "data" / "secret")
    (copy / "data" / "secret").mkdir()

    subprocess.run(
        [sys.executable, "generators/gen.py"], cwd=copy, check=True, timeout=120
    )

    committed = root / "data" / "secret"
    for path in sorted(copy.joinpath("data", "secret").rglob("*")):
        if path.is_file():
            twin = committed / path.relative_to(copy / "data" / "secret")
            assert filecmp.cmp(path, twin, shallow=False), twin
