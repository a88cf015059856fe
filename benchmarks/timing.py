"""Timers for every benchmark. This machine is noisy (the same code can take 1.5x longer
from one second to the next), so a ratio is only honest when both sides are timed in the
same run, in alternating rounds, and the best round of each is compared."""

import ctypes
import statistics
import time


def keep_freed_memory():
    """Ask glibc to keep the memory numpy frees, instead of handing it back to the system.

    Otherwise an array of 128 KB or more (a 64 x 256 float array) can come back as fresh
    pages, each paid for with a page fault: 2x the time of the maths itself. Which side
    pays depends on what the other side allocated just before (the rounds alternate), so
    the same ratio flips between 0.8x and 2x from one run to the next. With this, neither
    side pays: the ratio compares the work itself. Linux with glibc only; elsewhere
    nothing changes (returns False)."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3         # from glibc's malloc.h
    return bool(libc.mallopt(M_TRIM_THRESHOLD, 256 * 2**20)
                and libc.mallopt(M_MMAP_THRESHOLD, 32 * 2**20))   # 32 MB: glibc's maximum


KEPT = keep_freed_memory()     # every benchmark imports this module: set once, for all


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


def interleaved(actions, rounds=15, per_round=20):
    """Seconds per call of each action: (best round, median round). Rounds alternate
    between the actions, so that every one of them meets the same machine; the best
    round is the one least disturbed by anything else running."""
    for action in actions:
        action()                                        # warm-up, not counted
    times = [[] for _ in actions]
    for _ in range(rounds):
        for action, kept in zip(actions, times):
            start = time.perf_counter()
            for _ in range(per_round):
                action()
            kept.append((time.perf_counter() - start) / per_round)
    return [(min(kept), statistics.median(kept)) for kept in times]
