"""Freed image buffers go back to the operating system at once (glibc only; elsewhere nothing changes).

glibc serves a large allocation with its own mmap and unmaps it when freed, but after each such free it raises
its threshold (up to 32 MiB), so later buffers of that size, such as Pillow's 16 MiB image blocks, come from the
heap of the thread that asked for them, and stay there once freed. A server decoding in a thread pool then keeps
a full image's worth of freed blocks in each thread's heap: a 40 MP page measured 477 MiB in a process instead of
301. A fixed threshold keeps every buffer of 1 MiB or more in its own mapping.

glibc also gives threads heaps of their own (up to eight per core), and what a thread frees stays in its heap.
Two heaps are enough for a service whose work runs on a couple of threads: under 8 closed-loop clients the
gateway's peak fell from 367 to 339 MiB at the same pages/s (docs/performance.md).
"""
from __future__ import annotations

import ctypes
import ctypes.util

_M_MMAP_THRESHOLD = -3     # mallopt parameters (malloc.h)
_M_ARENA_MAX = -8


def return_large_buffers(threshold: int = 1 << 20, heaps: int = 2) -> bool:
    """Sets the mmap threshold and the most heaps threads share; whether both could be set (False outside glibc).
    Call it before the process starts its worker threads."""
    name = ctypes.util.find_library("c")
    try:
        mallopt = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError, TypeError):
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, threshold)) and bool(mallopt(_M_ARENA_MAX, heaps))
