#!/usr/bin/env bash
# Harness test of bench/vm/compare --report: timings and luasched-fast's counters (J lines, and the R lines of older folders) kept apart.
#
# No VM: a results folder with a compare.result written here is summarized again. Checks that every
# counter of a J line lands in summary.json's "counters" (none among the timed metrics), that the
# counters printed as R lines by folders written before the J line (a name compare shows, or one no
# EEVDF block has) are counters too, and that a workload metric stays a metric. Needs python3 with numpy.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
/usr/bin/python3 -c 'import numpy' 2>/dev/null || { echo "SKIP: python3-numpy missing"; exit 77; }
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
mkdir "$t/new" "$t/old"
/usr/bin/python3 - "$t" <<'PY'
import json, sys
t = sys.argv[1]
new, old = open(f"{t}/new/compare.result", "w"), open(f"{t}/old/compare.result", "w")
for r in range(1, 7):
    for s in ("eevdf", "run@base", "run"):
        for f in (new, old):
            f.write(f"R {r} {s} fork_p99_us_idle {5000 + 100 * r}\nR {r} {s} hackbench_s {0.9 + r / 100}\n")
        if s != "eevdf":
            st = {"misses": 1800 + r, "fork_hits": 1300, "a_new_counter_us": 7, "uptime_s": 60.5,
                  "per_cpu": {"keys": ["x"], "cpus": [[1]]}}
            new.write(f"J {r} {s} stats {json.dumps(st)}\n")
            old.write(f"R {r} {s} misses {1800 + r}\nR {r} {s} wake_defer_us {r}\n")
    for f in (new, old):
        f.write(f"REPDONE {r}\n")
PY
fails=0 checks=0
check() {  # check WHAT PYTHON-EXPRESSION (over s = summary.json)
  checks=$((checks + 1))
  if /usr/bin/python3 -c "import json, sys; s = json.load(open(sys.argv[1])); sys.exit(0 if ($2) else 1)" "$3"; then
    echo "ok   $1"
  else
    echo "FAIL $1"; fails=$((fails + 1))
  fi
}
for d in new old; do
  "$src/bench/vm/compare" --suite miss --reps 6 --variants eevdf,run@base,run --report "$t/$d" > "$t/$d.out" 2>&1 ||
    { echo "FAIL compare --report $d:"; tail -5 "$t/$d.out"; fails=$((fails + 1)); }
done
check "J line: every numeric counter kept, per variant and rep" \
  's["counters"]["fork_hits"]["run"]["3"] == 1300 and s["counters"]["misses"]["run@base"]["6"] == 1806 and "a_new_counter_us" in s["counters"]' "$t/new/summary.json"
check "J line: no counter among the timed metrics" 'sorted(s["metrics"]) == ["fork_p99_us_idle", "hackbench_s"]' "$t/new/summary.json"
check "J line: the nested per-CPU table is not a counter" '"per_cpu" not in s["counters"]' "$t/new/summary.json"
check "older folder: counters printed as R lines stay counters" \
  'sorted(s["counters"]) == ["misses", "wake_defer_us"] and sorted(s["metrics"]) == ["fork_p99_us_idle", "hackbench_s"]' "$t/old/summary.json"
check "a workload metric keeps its ratios" 's["metrics"]["hackbench_s"]["run/eevdf"]["n"] == 6' "$t/new/summary.json"
checks=$((checks + 1))
if grep -q '^fork_hits per block: run@base: \[1300' "$t/new/summary.md"; then echo "ok   summary.md shows counters per block"
else echo "FAIL summary.md shows counters per block"; fails=$((fails + 1)); fi
echo "$((checks - fails)) passed, $fails failed"
[ $fails = 0 ]
