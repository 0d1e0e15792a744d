"""Plumbing shared by the numpy reference scripts (not part of any workload's timing).

Each script is run as `python3 <script> <dir>`: dir holds meta.json (shapes, dtype, warmup, reps,
...) and the inputs tdlab generated, one raw little-endian array per file (`<name>.bin`). The
script times its workload, writes its result to dir/result.bin in the same dtype and prints
{"times_ms": [...], "cpu_ms": [...]} as its last line.
"""
import json
import sys
import time
from pathlib import Path

import numpy as np


def load():
    """(meta, read) for the directory in argv[1]; read(name, shape=None) -> np.ndarray."""
    folder = Path(sys.argv[1])
    meta = json.loads((folder / "meta.json").read_text())
    dtype = np.dtype(meta["dtype"]).newbyteorder("<")

    def read(name, shape=None):
        array = np.fromfile(folder / f"{name}.bin", dtype=dtype).astype(meta["dtype"])
        return array if shape is None else array.reshape(shape)

    return meta, read


def bench(meta, fn):
    """Calls fn() `warmup` times, then `reps` timed times.

    Returns ((wall times, process CPU times) in ms, the last result). CPU time counts every thread
    of the process, so CPU/wall shows how many cores OpenBLAS kept busy.
    """
    for _ in range(meta["warmup"]):
        fn()
    times, cpu = [], []
    for _ in range(meta["reps"]):
        cpu_start, start = time.process_time(), time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1e3)
        cpu.append((time.process_time() - cpu_start) * 1e3)
    return (times, cpu), result


def finish(meta, result, timing):
    np.asarray(result).astype(np.dtype(meta["dtype"]).newbyteorder("<")).tofile(Path(sys.argv[1]) / "result.bin")
    times, cpu = timing
    print(json.dumps({"times_ms": times, "cpu_ms": cpu}))
