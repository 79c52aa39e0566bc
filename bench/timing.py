"""Timing helpers shared by the benchmarks: samples in milliseconds and their percentiles."""

import statistics
import time


def percentiles(samples_ms):
    ordered = sorted(samples_ms)

    def pick(q):
        index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
        return ordered[index]

    return {
        "n": len(ordered),
        "p50": statistics.median(ordered),
        "p95": pick(0.95),
        "max": ordered[-1],
    }


def time_call(func, repeat, before=None):
    """Run func repeat times (each after `before`, untimed, when given); return the
    durations in milliseconds."""
    samples = []
    for _ in range(repeat):
        if before is not None:
            before()
        started = time.perf_counter()
        func()
        samples.append((time.perf_counter() - started) * 1000)
    return samples
