# Parses a bench/vm/guest.sh log into measurements, latency quantiles, failures and scheduler logs; medians and ratios.
import re
import statistics

SCHEDS = ["eevdf", "simple", "lsf"]
LABEL = {"eevdf": "EEVDF", "simple": "scx_simple", "lsf": "luasched-fast"}

# metric -> (label, unit, kind): kind "time" (lower is better), "rate" (higher is better)
THROUGHPUT = {
    "hackbench_s": ("hackbench", "s", "time"),
    "messaging_s": ("perf bench sched messaging", "s", "time"),
    "pipe_us_per_op": ("perf bench sched pipe", "µs/op", "time"),
    "stressng_bogo_ops_s": ("stress-ng --cpu", "bogo ops/s", "rate"),
}
# latency benchmarks (quantiles in µs)
LATENCY = {
    "cyclictest": "cyclictest (REALTIME, SCHED_OTHER) under stress-ng on all vCPUs",
    "nginx": "nginx (REALTIME) <- wrk (DEFAULT) under CPU hogs",
    "nginx_rtclient": "nginx (REALTIME) <- wrk renamed nginx-wrk (REALTIME) under CPU hogs",
}
PCTS = ["50", "90", "99", "99.9", "max"]
OTHER = {
    "nginx_req_s": ("nginx requests/s (wrk DEFAULT)", "req/s", "rate"),
    "nginx_rtclient_req_s": ("nginx requests/s (wrk REALTIME)", "req/s", "rate"),
    "sched_cpu_pct": ("scheduler process CPU use", "% of one vCPU", "time"),
}


def parse(text):
    """Returns dict(meta, measurements, quantiles, failures, logs, rc)."""
    r = {"meta": {}, "measurements": [], "quantiles": [], "failures": [], "logs": [], "rc": None, "boots": 0}
    for line in text.splitlines():
        f = line.split()
        if not f:
            continue
        tag = f[0]
        if tag == "BLOCK" and len(f) == 4 and f[3] == "start":
            # a block re-run in a later boot (after a crash) replaces the cut-short one
            r["measurements"] = [m for m in r["measurements"] if (str(m["rep"]), m["scheduler"]) != (f[1], f[2])]
            r["quantiles"] = [q for q in r["quantiles"] if (str(q["rep"]), q["scheduler"]) != (f[1], f[2])]
        elif tag == "BOOT":
            r["boots"] += 1
        elif tag == "META" and len(f) >= 2:
            r["meta"].setdefault(f[1], []).append(" ".join(f[2:]))
        elif tag == "M" and len(f) == 5:
            try:
                r["measurements"].append({"rep": int(f[1]), "scheduler": f[2], "metric": f[3], "value": float(f[4]),
                                          "boot": r["boots"]})
            except ValueError:
                r["failures"].append({"rep": f[1], "scheduler": f[2], "what": f"unparsable line: {line}"})
        elif tag == "Q" and len(f) >= 5:
            q = {}
            for kv in f[4:]:
                k, _, v = kv.partition(":")
                try:
                    q[k] = float(v)
                except ValueError:
                    pass
            r["quantiles"].append({"rep": int(f[1]), "scheduler": f[2], "bench": f[3], "q": q, "boot": r["boots"]})
        elif tag == "FAIL" and len(f) >= 3:
            r["failures"].append({"rep": f[1], "scheduler": f[2], "what": " ".join(f[3:])})
        elif tag == "LOG" and len(f) >= 3:
            r["logs"].append({"rep": f[1], "scheduler": f[2], "text": " ".join(f[3:])})
        elif line.startswith("GUARD:"):
            r["failures"].append({"rep": "-", "scheduler": "-", "what": line})
        m = re.match(r"RESULT rc=(\d+)", line)
        if m:
            r["rc"] = int(m.group(1))
    return r


def values(parsed, sched, metric):
    """All reps' values of a metric: a plain measurement, or BENCH_pQ / BENCH_max from the quantiles."""
    vals = [m["value"] for m in parsed["measurements"] if m["scheduler"] == sched and m["metric"] == metric]
    if vals:
        return vals
    m = re.match(r"^(.*)_(?:p([0-9.]+)|(max|samples))$", metric)
    if not m:
        return []
    bench, p = m.group(1), m.group(2) or m.group(3)
    return [q["q"][p] for q in parsed["quantiles"] if q["scheduler"] == sched and q["bench"] == bench and p in q["q"]]


def median(vals):
    return statistics.median(vals) if vals else None


def ratio(a, b):
    return a / b if a is not None and b else None


def speed_ratio(metric_kind, x, base):
    """How many times better x is than base, for a throughput metric (> 1: x is better)."""
    if x is None or base is None or x == 0 or base == 0:
        return None
    return base / x if metric_kind == "time" else x / base


def expected(schedulers, reps):
    """Every (rep, scheduler, key) a complete run has."""
    keys = list(THROUGHPUT) + [f"Q:{b}" for b in LATENCY] + ["nginx_req_s", "nginx_rtclient_req_s"]
    out = []
    for rep in range(1, reps + 1):
        for s in schedulers:
            out += [(rep, s, k) for k in keys + ([] if s == "eevdf" else ["sched_cpu_pct"])]
    return out


def missing(parsed, schedulers, reps):
    have = {(m["rep"], m["scheduler"], m["metric"]) for m in parsed["measurements"]}
    have |= {(q["rep"], q["scheduler"], "Q:" + q["bench"]) for q in parsed["quantiles"]}
    return [e for e in expected(schedulers, reps) if e not in have]
