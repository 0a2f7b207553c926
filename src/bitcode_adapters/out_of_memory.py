"""How runtimes say they ran out of memory on stderr, for every judge adapter."""

from __future__ import annotations

OUT_OF_MEMORY_MARKERS = (
    b"MemoryError",  # Python
    b"std::bad_alloc",  # C++
    b"java.lang.OutOfMemoryError",
    b"JavaScript heap out of memory",  # V8
    b"Fatal process out of memory",  # V8
    b"memory allocation of",  # Rust: "memory allocation of N bytes failed"
)
