#!/usr/bin/python3
"""Checks a luasched-fast metrics file against its stats JSON, with the Prometheus client's parser.

usage: check_metrics.py METRICS_FILE STATS_JSON_FILE

The naming rules are restated here on purpose (not imported from the C++ side): a JSON counter
`key` is `luasched_fast_<key>_total`; a gauge `<base>_s` / `<base>_us` is
`luasched_fast_<base>_seconds` (microseconds scaled), `<base>_pct` is `luasched_fast_<base>_ratio`;
other gauges keep their key. Per-CPU kernel counters are `luasched_fast_cpu_<key>_total{cpu="N"}`.
Exits 1 with the reasons on any mismatch.
"""
import json
import math
import sys

from prometheus_client.parser import text_string_to_metric_families


def main():
    if len(sys.argv) != 3 or sys.argv[1] in ("-h", "--help"):
        print(__doc__)
        return 2
    text = open(sys.argv[1]).read()
    stats = json.load(open(sys.argv[2]))
    errors = []
    samples = {}  # (name, frozenset(labels)) -> value
    families = list(text_string_to_metric_families(text))
    for fam in families:
        if fam.type not in ("counter", "gauge"):
            errors.append(f"{fam.name}: type {fam.type} (no TYPE line?)")
        if not fam.documentation:
            errors.append(f"{fam.name}: no HELP text")
        if not fam.name.startswith("luasched_fast_"):
            errors.append(f"{fam.name}: not in the luasched_fast_ namespace")
        for s in fam.samples:
            if fam.type == "counter" and not s.name.endswith("_total"):
                errors.append(f"{s.name}: a counter sample without _total")
            samples[(s.name, frozenset(s.labels.items()))] = s.value

    def expect(name, labels, want):
        got = samples.pop((name, frozenset(labels.items())), None)
        if got is None:
            errors.append(f"missing sample {name}{labels or ''}")
        elif not math.isclose(got, want, rel_tol=1e-6, abs_tol=1e-9):
            errors.append(f"{name}{labels or ''} = {got}, want {want}")

    for key, value in stats.items():
        if key == "per_cpu":
            continue
        if key.endswith("_us"):
            expect(f"luasched_fast_{key[:-3]}_seconds", {}, value * 1e-6)
        elif key.endswith("_s"):
            expect(f"luasched_fast_{key[:-2]}_seconds", {}, value)
        elif key.endswith("_pct"):
            expect(f"luasched_fast_{key[:-4]}_ratio", {}, value / 100)
        elif (f"luasched_fast_{key}", frozenset()) in samples:
            expect(f"luasched_fast_{key}", {}, value)  # a gauge without unit (policy_generation)
        else:
            expect(f"luasched_fast_{key}_total", {}, value)
    per_cpu = stats.get("per_cpu", {"keys": [], "cpus": []})
    for cpu, row in enumerate(per_cpu["cpus"]):
        for key, value in zip(per_cpu["keys"], row):
            expect(f"luasched_fast_cpu_{key}_total", {"cpu": str(cpu)}, value)
    for (name, labels), value in samples.items():
        errors.append(f"unexpected sample {name}{dict(labels) or ''} {value}")
    for e in errors:
        print("not ok -", e)
    print(f"{len(families)} metric families, {len(errors)} problems")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
