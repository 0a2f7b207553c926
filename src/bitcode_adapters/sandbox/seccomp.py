"""A seccomp filter that closes kernel interfaces a contest program never needs.

The namespaces, the unprivileged uid and the empty capability set already refuse
most of these calls; the filter removes the kernel code behind them from reach
(io_uring, BPF, perf events, userfaultfd, keyrings, ptrace and friends). It is
a classic BPF program as bubblewrap's ``--seccomp`` reads it, built here for
x86-64 only: other architectures run without it, and any call made through
another ABI (i386 or x32) kills the process.
"""

from __future__ import annotations

import platform
import struct

# Linux x86-64 system call numbers.
_DENIED = {
    "ptrace": 101,
    "pivot_root": 155,
    "chroot": 161,
    "acct": 163,
    "mount": 165,
    "umount2": 166,
    "swapon": 167,
    "swapoff": 168,
    "reboot": 169,
    "init_module": 175,
    "delete_module": 176,
    "quotactl": 179,
    "lookup_dcookie": 212,
    "kexec_load": 246,
    "add_key": 248,
    "request_key": 249,
    "keyctl": 250,
    "unshare": 272,
    "perf_event_open": 298,
    "name_to_handle_at": 303,
    "open_by_handle_at": 304,
    "setns": 308,
    "process_vm_readv": 310,
    "process_vm_writev": 311,
    "finit_module": 313,
    "kexec_file_load": 320,
    "bpf": 321,
    "userfaultfd": 323,
    "io_uring_setup": 425,
    "io_uring_enter": 426,
    "io_uring_register": 427,
    "open_tree": 428,
    "move_mount": 429,
    "fsopen": 430,
    "fsconfig": 431,
    "fsmount": 432,
    "fspick": 433,
}

_LOAD_WORD = 0x20  # BPF_LD | BPF_W | BPF_ABS
_JUMP_EQUAL = 0x15  # BPF_JMP | BPF_JEQ | BPF_K
_JUMP_AT_LEAST = 0x35  # BPF_JMP | BPF_JGE | BPF_K
_RETURN = 0x06  # BPF_RET | BPF_K

_ARCH_X86_64 = 0xC000003E
_X32_BIT = 0x40000000
_ALLOW = 0x7FFF0000
_KILL_PROCESS = 0x80000000
_FAIL_WITH_EPERM = 0x00050000 | 1

# Offsets in struct seccomp_data.
_NUMBER, _ARCH = 0, 4


def deny_filter() -> bytes | None:
    """The filter as bytes for ``bwrap --seccomp FD``, or None off x86-64."""
    if platform.machine() != "x86_64":
        return None
    numbers = sorted(_DENIED.values())
    deny_at = 5 + len(numbers) + 1  # index of the final "fail with EPERM"
    program = [
        (_LOAD_WORD, 0, 0, _ARCH),
        (_JUMP_EQUAL, 1, 0, _ARCH_X86_64),
        (_RETURN, 0, 0, _KILL_PROCESS),
        (_LOAD_WORD, 0, 0, _NUMBER),
        (_JUMP_AT_LEAST, deny_at - 5, 0, _X32_BIT),
    ]
    for index, number in enumerate(numbers, start=5):
        program.append((_JUMP_EQUAL, deny_at - index - 1, 0, number))
    program += [(_RETURN, 0, 0, _ALLOW), (_RETURN, 0, 0, _FAIL_WITH_EPERM)]
    return b"".join(struct.pack("=HBBI", *instruction) for instruction in program)
