"""ocr_common.memory: threads share at most two malloc heaps once return_large_buffers() ran (glibc)."""
import subprocess
import sys

import pytest

# Eight threads each allocate (malloc, below the mmap threshold) before any frees; glibc's malloc_info then lists
# the heaps the process has.
SCRIPT = """
import ctypes, ctypes.util, sys, tempfile, threading
from ocr_common.memory import return_large_buffers
if sys.argv[1] == "bounded":
    assert return_large_buffers()
barrier = threading.Barrier(8)
def work():
    held = [bytearray(100_000) for _ in range(20)]
    barrier.wait()
threads = [threading.Thread(target=work) for _ in range(8)]
for t in threads: t.start()
for t in threads: t.join()
libc = ctypes.CDLL(ctypes.util.find_library("c"))
libc.fopen.restype = ctypes.c_void_p
with tempfile.NamedTemporaryFile(suffix=".xml") as f:
    stream = libc.fopen(f.name.encode(), b"w")
    libc.malloc_info(0, ctypes.c_void_p(stream))
    libc.fclose(ctypes.c_void_p(stream))
    print(open(f.name).read().count("<heap nr="))
"""


def _heaps(mode: str) -> int:
    return int(subprocess.run([sys.executable, "-c", SCRIPT, mode], capture_output=True, text=True, check=True).stdout)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc")
def test_threads_share_at_most_two_heaps():
    assert _heaps("default") > 2     # glibc's own limit is eight heaps per core
    assert _heaps("bounded") <= 2
