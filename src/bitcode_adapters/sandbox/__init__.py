"""The local sandboxed judge: bubblewrap jails, one uid per slot, kernel limits."""

from bitcode_adapters.sandbox.judge import COMPILE_LIMITS, SandboxJudge, SandboxProgram
from bitcode_adapters.sandbox.toolchains import Toolchain

__all__ = ["COMPILE_LIMITS", "SandboxJudge", "SandboxProgram", "Toolchain"]
