"""Freed image buffers go back to the operating system at once (glibc only; elsewhere nothing changes).

glibc serves a large allocation with its own mmap and unmaps it when freed, but after each such free it raises
its threshold (up to 32 MiB), so later buffers of that size, such as Pillow's 16 MiB image blocks, come from the
heap of the thread that asked for them, and stay there once freed. A server decoding in a thread pool then keeps
a full image's worth of freed blocks in each thread's heap: a 40 MP page measured 477 MiB in a process instead of
301. A fixed threshold keeps every buffer of 1 MiB or more in its own mapping.
"""
from __future__ import annotations

import ctypes
import ctypes.util

_M_MMAP_THRESHOLD = -3     # mallopt parameter (malloc.h)


def return_large_buffers(threshold: int = 1 << 20) -> bool:
    """Whether the threshold could be set (False outside glibc)."""
    name = ctypes.util.find_library("c")
    try:
        mallopt = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError, TypeError):
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, threshold))
