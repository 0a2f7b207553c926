"""Integration-test plumbing: tests marked ``no_skip`` fail where they would skip.

A sandbox test that skipped because bubblewrap or root is missing would report a
green run while proving nothing about the boundary it guards.
"""

from __future__ import annotations

from collections.abc import Generator

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "no_skip: a skip is a failure here (the infrastructure is required)"
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    required = item.get_closest_marker("no_skip") is not None
    if report.skipped and required and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = call.excinfo.exconly() if call.excinfo else "skipped"
        report.longrepr = f"this test must not skip: {reason}"
    return report
