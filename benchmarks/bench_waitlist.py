"""How fast is the waitlist policy? Run: ``uv run python benchmarks/bench_waitlist.py``.

The policy is pure (no database), so this measures the Python alone: ranking n realistic candidates at the
large location (70 seats a day, five weekdays) and proposing for its free seats.

Targets on the 2-core CI machine, at n = 10,000: rank under 50 ms, propose under 100 ms (median and p95 of
50 runs), and a cost that grows no worse than n log n (the ratio time / (n log n) stays flat).
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import random
import statistics
import time
from collections.abc import Callable
from datetime import date, timedelta

from huiskamer.waitlist import Candidate, LocationSeats, Urgency, propose, rank

ON = date(2026, 9, 7)
LOCATIONS = ("de-hoven", "stedenwijk", "muziekwijk", "danswijk")  # de-hoven is the large one
NEIGHBOURHOODS = (
    "Stedenwijk", "Muziekwijk", "Danswijk", "Filmwijk", "Centrum", "Haven", "Noorderplassen",
    "Waterwijk", "Kruidenwijk", "Parkwijk", "Tussen de Vaarten", "Literatuurwijk", "Regenboogbuurt",
)  # fmt: skip
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


def realistic_candidates(n: int, seed: int = 2026) -> list[Candidate]:
    """n children on the waitlists: ages 3-13 (a few too young or too old), waiting up to three years,
    most normal urgency, some siblings, asking two to five school days."""
    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        others = [loc for loc in LOCATIONS[1:] if rnd.random() < 0.3]
        location_ids = ("de-hoven", *others) if rnd.random() < 0.9 else (*others, "de-hoven")
        days = frozenset(rnd.sample(WEEKDAYS, rnd.choice((2, 3, 3, 4, 5))))
        out.append(
            Candidate(
                id=f"{rnd.getrandbits(128):032x}",  # like a UUID: opaque, unordered
                waiting_since=ON - timedelta(days=int(rnd.triangular(0, 3 * 365, 90))),
                urgency=rnd.choices(list(Urgency), weights=(80, 15, 5))[0],
                date_of_birth=ON - timedelta(days=rnd.randint(3 * 365, 13 * 365 + 100)),
                neighbourhood=rnd.choice((*NEIGHBOURHOODS, None)),
                location_ids=location_ids,
                requested_weekdays=days,
                minimum_days=rnd.randint(1, len(days)),
                sibling_location_ids=frozenset({"de-hoven"}) if rnd.random() < 0.1 else frozenset(),
            )
        )
    return out


LOCATION = LocationSeats(
    id="de-hoven",
    neighbourhoods=frozenset({"Stedenwijk", "Muziekwijk", "Danswijk"}),
    min_age=4,
    max_age=12,
    free_seats=dict.fromkeys(WEEKDAYS, 70),
)


def timings(run: Callable[[], object], repeats: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU seconds per run; one warm-up first, the garbage collector left on (as in
    production). CPU time shows what the policy costs when other processes share the machine."""
    run()
    wall, cpu = [], []
    for _ in range(repeats):
        gc.collect()
        start, start_cpu = time.perf_counter(), time.process_time()
        run()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return wall, cpu


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50, help="runs at n = 10,000 (default 50)")
    args = parser.parse_args()

    load = os.getloadavg()[0]
    print(
        f"{os.cpu_count()} CPUs, load average {load:.1f}"
        + ("  (busy machine: wall-clock times inflate)" if load > 1 else "")
    )
    candidates = realistic_candidates(10_000)
    ranked = rank(candidates, LOCATION, ON)
    proposals = propose(candidates, LOCATION, ON)
    print(
        f"n = 10,000 candidates: {len(ranked):,} eligible at {LOCATION.id}, "
        f"{len(proposals)} proposals for {sum(LOCATION.free_seats.values())} seat-days "
        f"({dict(LOCATION.free_seats)})"
    )
    print(f"{'':8} {'median':>9} {'p95':>9} {'cpu med':>9}   target   ({args.runs} runs)")
    for name, run, target in (
        ("rank", lambda: rank(candidates, LOCATION, ON), 0.050),
        ("propose", lambda: propose(candidates, LOCATION, ON), 0.100),
    ):
        t, cpu = timings(run, args.runs)
        verdict = "ok" if p95(t) < target else "TOO SLOW"
        print(
            f"{name:8} {statistics.median(t) * 1e3:7.1f}ms {p95(t) * 1e3:7.1f}ms {statistics.median(cpu) * 1e3:7.1f}ms"
            f"   < {target * 1e3:.0f} ms  {verdict}"
        )

    print("\ngrowth (median of the runs; ratio = time / (n log2 n), flat means O(n log n))")
    print(f"{'n':>9} {'runs':>5} {'rank':>10} {'ratio':>9} {'propose':>10} {'ratio':>9}")
    for n, repeats in ((1_000, 50), (10_000, 20), (100_000, 7)):
        cands = realistic_candidates(n, seed=n)
        n_log_n = n * math.log2(n)
        r = statistics.median(timings(lambda c=cands: rank(c, LOCATION, ON), repeats)[0])
        p = statistics.median(timings(lambda c=cands: propose(c, LOCATION, ON), repeats)[0])
        print(
            f"{n:>9,} {repeats:>5} {r * 1e3:8.2f}ms {r / n_log_n * 1e9:7.1f}ns "
            f"{p * 1e3:8.2f}ms {p / n_log_n * 1e9:7.1f}ns"
        )


if __name__ == "__main__":
    main()
