#!/usr/bin/env python3
"""Prints the ratios of a `cargo bench --bench engine` run from criterion's results.

Every ratio sets two benchmarks of the same run against each other, so that the noise of a shared
machine cancels as far as it can: landport against the bare event loop, a sweep on all threads
against one, and each scenario's events per second.

    cargo bench --bench engine
    python3 benches/ratios.py [target/criterion]
"""

import json
import pathlib
import sys


def results(root):
    """Yields (group, function, parameter, mean seconds, elements) for every benchmark."""
    for estimates in sorted(root.glob("**/new/estimates.json")):
        bench = json.loads((estimates.parent / "benchmark.json").read_text())
        values = json.loads(estimates.read_text())
        # The slope of time against iterations where criterion fits one (what it prints), else
        # the mean.
        mean = (values.get("slope") or values["mean"])["point_estimate"] / 1e9
        throughput = bench.get("throughput") or {}
        elements = throughput.get("Elements")
        yield bench["group_id"], bench["function_id"], bench.get("value_str"), mean, elements


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "target/criterion")
    table = {}
    for group, function, parameter, mean, elements in results(root):
        table[(group, function, parameter)] = (mean, elements)
    if not table:
        sys.exit(f"no criterion results under {root}: run `cargo bench --bench engine` first")

    def rate(key):
        mean, elements = table[key]
        return elements / mean

    def against_baseline(group, title):
        baseline = (group, "bare event loop (baseline)", None)
        keys = sorted(k for k in table if k[0] == group)
        if not keys or baseline not in table:
            return
        print(title)
        for key in keys:
            mean, elements = table[key]
            ratio = rate(key) / rate(baseline)
            print(f"  {key[1]:<34} {mean * 1e3:8.2f} ms  {rate(key) / 1e6:6.2f} M events/s  "
                  f"{ratio:5.2f} of the baseline's events/s")

    against_baseline("network", "network: three M/M/c stages, 31 simulated days")
    against_baseline("process", "process: the same network for 20,000 simulated hours, as `landport run` "
                                "(files written, no charts)")

    print("month: each shipped scenario, one simulated month after its warm-up (run_summary)")
    for key in sorted(k for k in table if k[0] == "month"):
        mean, _ = table[key]
        print(f"  {key[1]:<34} {mean * 1e3:8.2f} ms  {rate(key) / 1e6:6.2f} M events/s")

    print("variants: one replication each (run_summary)")
    legacy = table.get(("variants", "alashankou-legacy", None))
    for key in sorted(k for k in table if k[0] == "variants"):
        mean, _ = table[key]
        name = key[1] + (f" {key[2]}" if key[2] else "")
        versus = f"  {legacy[0] / mean:5.2f}x the legacy port's speed" if legacy else ""
        print(f"  {name:<34} {mean * 1e3:8.2f} ms{versus}")

    print("sweep: 16 points x 4 replications of the three-stage network")
    sweeps = sorted((k for k in table if k[0] == "sweep"), key=lambda k: int(k[2]))
    one = table[sweeps[0]][0] if sweeps else None
    for key in sweeps:
        mean, _ = table[key]
        print(f"  {key[2]} thread(s) {mean * 1e3:10.1f} ms  speed-up {one / mean:4.2f}x")


if __name__ == "__main__":
    main()
