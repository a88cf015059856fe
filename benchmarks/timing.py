"""One timer for every benchmark: the median of repeated runs (this machine is noisy)."""

import statistics
import time


def median_time(action, repeats=30, warmup=1):
    """Median seconds of ``action(k)`` over ``repeats`` runs, k = 0, 1, ..., after warm-up
    runs that are not counted (k = -1)."""
    for _ in range(warmup):
        action(-1)
    times = []
    for k in range(repeats):
        start = time.perf_counter()
        action(k)
        times.append(time.perf_counter() - start)
    return statistics.median(times)
