"""Attendance scoring for a whole class: 1,000 students with 5 segments each, in one process.

Measures `score_many` over the class (the goal: under 200 ms), and in the same run, to stand it
against: `score` called once per student, a plain sort of the same 5,000 segments (a floor: any
union needs at least that), and the naive per-second set union for 100 students, scaled by 10.
The naive result is also checked against `score_many` for those students. Building the 5,000
`Segment`s (which checks and normalises their timezones) is timed on its own row.

The class: 60 minutes; each student joins somewhere from 5 minutes early to 30 late, then
leaves and rejoins with gaps or overlaps (a second device, a rejoin before the leave arrived);
some segments run past the end, 10 % of students are still in (last segment open), 2 % have a
leave without its join. Times are whole seconds, as Zoom reports them. Fixed seed.

Usage: python bench/bench_scoring.py [runs]   (default 21; median and p95 by nearest rank)
"""

import gc
import math
import os
import platform
import random
import statistics
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from attendance.scoring import Policy, Segment, score, score_many  # noqa: E402

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 21
STUDENTS = 1_000
SEGMENTS_EACH = 5
NAIVE_STUDENTS = 100
SCALE = STUDENTS // NAIVE_STUDENTS  # the naive figure is scaled to the whole class
GOAL_MS = 200
WINDOW_START = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
WINDOW_END = WINDOW_START + timedelta(minutes=60)
POLICY = Policy()


def make_class(rng: random.Random) -> dict[int, list[Segment]]:
    people = {}
    for student in range(STUDENTS):
        t = rng.randint(-5 * 60, 30 * 60)  # seconds from the window's start
        segments = []
        for _ in range(SEGMENTS_EACH):
            length = rng.randint(30, 8 * 60)
            segments.append([t, t + length])
            t += length + rng.randint(-3 * 60, 6 * 60)  # negative: an overlap
        if rng.random() < 0.10:
            segments[-1][1] = None
        if rng.random() < 0.02:
            segments[0][0] = None
        people[student] = [
            Segment(*(None if s is None else WINDOW_START + timedelta(seconds=s) for s in pair))
            for pair in segments
        ]
    return people


def naive_seconds(segments: list[Segment]) -> int:
    """The per-second set union: obviously right, and slow."""
    start_s, end_s = 0, int((WINDOW_END - WINDOW_START).total_seconds())
    seconds = set()
    for segment in segments:
        a = (
            start_s
            if segment.start is None
            else int((segment.start - WINDOW_START).total_seconds())
        )
        b = end_s if segment.end is None else int((segment.end - WINDOW_START).total_seconds())
        seconds.update(range(max(a, start_s), min(b, end_s)))
    return len(seconds)


def timed(fn, runs: int = RUNS) -> list[float]:
    fn()  # warm up
    samples = []
    for _ in range(runs):
        gc.collect()
        began = time.perf_counter_ns()
        fn()
        samples.append((time.perf_counter_ns() - began) / 1e6)
    return samples


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[math.ceil(0.95 * len(ordered)) - 1]


def main() -> None:
    people = make_class(random.Random(20250310))
    enrolled = list(people)
    flat = [
        (s.start or WINDOW_START, s.end or WINDOW_END) for segs in people.values() for s in segs
    ]
    naive_people = dict(list(people.items())[:NAIVE_STUDENTS])
    pairs = [(s.start, s.end) for segs in people.values() for s in segs]

    scores = score_many(
        people, window_start=WINDOW_START, window_end=WINDOW_END, policy=POLICY, enrolled=enrolled
    )
    mismatches = [
        key
        for key, segs in naive_people.items()
        if naive_seconds(segs) != scores[key].attended_seconds
    ]
    if mismatches:
        raise SystemExit(f"score_many disagrees with the per-second union for {mismatches[:5]}")
    by_status = Counter(s.status.value for s in scores.values())

    window = {"window_start": WINDOW_START, "window_end": WINDOW_END}
    rows = [
        (
            f"`score_many`, {STUDENTS:,} students × {SEGMENTS_EACH} segments",
            timed(lambda: score_many(people, **window, policy=POLICY, enrolled=enrolled)),
            1,
        ),
        (
            f"`score` once per student, {STUDENTS:,} students",
            timed(lambda: [score(segs, **window, policy=POLICY) for segs in people.values()]),
            1,
        ),
        (
            f"building the {len(pairs):,} `Segment`s from (start, end) pairs",
            timed(lambda: [Segment(start, end) for start, end in pairs]),
            1,
        ),
        (
            f"baseline: `sorted` of the same {len(flat):,} segments",
            timed(lambda: sorted(flat)),
            1,
        ),
        (
            f"baseline: per-second set union, {NAIVE_STUDENTS} students, × {SCALE}",
            timed(lambda: [naive_seconds(segs) for segs in naive_people.values()]),
            SCALE,
        ),
    ]

    print(
        f"Machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    statuses = ", ".join(f"{count} {status}" for status, count in sorted(by_status.items()))
    print(f"{RUNS} runs each; p95 by nearest rank; the class scored: {statuses}.")
    print()
    print("| what | median ms | p95 ms |")
    print("|---|---:|---:|")
    for name, samples, scale in rows:
        print(f"| {name} | {statistics.median(samples) * scale:.2f} | {p95(samples) * scale:.2f} |")
    median = statistics.median(rows[0][1])
    verdict = "met" if median < GOAL_MS else "MISSED"
    print()
    print(f"Goal: the whole class under {GOAL_MS} ms — {verdict} (median {median:.2f} ms).")


if __name__ == "__main__":
    main()
