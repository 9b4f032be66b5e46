#!/usr/bin/env python3
"""Times the reference implementation on the benchmark population of benches/draw_1m.rs.

    python3 bench_1m.py

Builds the same 1,000,000 key units, 200 officers and 10 conflicts as the Rust benchmark (see the
comment at the top of benches/draw_1m.rs), draws them once with draw_v1.draw, and prints the time,
the result hash (which must equal the Rust engine's) and the peak memory of this process.
`cargo bench -p spotcheck-draw` runs this script itself when python3 is there.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True  # leave no __pycache__ beside the sources

import draw_v1  # noqa: E402  (the reference implementation beside this file)

UNITS = 1_000_000
OFFICERS = 200


def unit_id(i):
    return "91650100MA%08d" % ((i * 387_433) % UNITS)


def population():
    units = [{"id": unit_id(i), "inspected_this_year": False} for i in range(UNITS)]
    officers = [{"id": "650102-%03d" % j} for j in range(1, OFFICERS + 1)]
    conflicts = [{"officer": "650102-%03d" % (20 * k + 1), "unit": unit_id(k)} for k in range(10)]
    S = draw_v1.seed(
        "650102/2026Q1/key",
        draw_v1.population_sha256(units),
        draw_v1.officers_sha256(officers),
        draw_v1.conflicts_sha256(conflicts),
        "dice:38172645091827364510",
    )
    return {
        "algorithm": draw_v1.ALGORITHM,
        "seed": S,
        "rule": {"kind": "key", "quarter": 1, "quarters_in_year": 4, "rate_percent": 20},
        "population": units,
        "officers": officers,
        "conflicts": conflicts,
        "team_size": 2,
    }


def main():
    inp = population()
    start = time.perf_counter()
    output = draw_v1.draw(inp)
    seconds = time.perf_counter() - start
    try:
        import resource  # Unix only

        peak = "%d kB" % resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    except ImportError:
        peak = "n/a"
    print("reference implementation (python %s)" % sys.version.split()[0])
    print("draw_seconds: %.3f" % seconds)
    print("count: %d" % output["count"])
    print("result_sha256: %s" % output["result_sha256"])
    print("peak_rss: %s" % peak)


if __name__ == "__main__":
    main()
