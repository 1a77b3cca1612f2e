# Parses a bench/vm/guest.sh log: measurements, quantiles, raw JSON (costs, counters), failures; per-rep values.
import json
import re
import statistics

SCHEDS = ["eevdf", "eevdf2", "simple", "userland", "central", "qmap", "lsf"]
BASELINES = [s for s in SCHEDS if s != "lsf"]
LABEL = {"eevdf": "EEVDF", "eevdf2": "EEVDF (2nd)", "simple": "scx_simple", "userland": "scx_userland", "central": "scx_central",
         "qmap": "scx_qmap", "lsf": "luasched-fast"}

# metric -> (label, unit, kind): kind "time" (lower is better), "rate" (higher is better)
THROUGHPUT = {
    "hackbench_s": ("hackbench", "s", "time"),
    "messaging_s": ("perf bench sched messaging", "s", "time"),
    "pipe_us_per_op": ("perf bench sched pipe", "µs/op", "time"),
    "stressng_bogo_ops_s": ("stress-ng --cpu", "bogo ops/s", "rate"),
    "forkstorm_s": ("fork/exec storm", "s", "time"),
    "build_s": ("build job (tcc -c, 2 per vCPU)", "s", "time"),
    "rounds_per_s": ("schbench-style rounds", "rounds/s", "rate"),
}
# latency benchmarks (quantiles in µs): key -> label. A key ending in _nice is the fair-baseline variant:
# the latency-critical processes at nice -20 under every scheduler but luasched-fast, whose own help is its
# policy (REALTIME by name), so its value there is the plain row's. _fifo and _slice: EEVDF only, the same
# processes at SCHED_FIFO 50 or with a 1 ms custom EEVDF slice (sched_setattr). The open-loop HTTP rows
# count every request from its scheduled time: they give the primary server p99. wrk's rows come from its
# histogram, which wrk 4.1 corrects for coordinated omission with synthetic samples: "corrected".
HELP = {"nice": "nice -20", "fifo": "SCHED_FIFO (EEVDF only)", "slice": "a 1 ms custom slice (EEVDF only)"}
LATENCY = {
    "cyclictest": "cyclictest (REALTIME by name) under stress-ng on all vCPUs",
    "cyclictest_nice": "cyclictest under stress-ng, baselines at nice -20",
    "cyclictest_fifo": "cyclictest under stress-ng, EEVDF's at SCHED_FIFO",
    "cyclictest_slice": "cyclictest under stress-ng, EEVDF's with a 1 ms slice",
    "http": "open-loop HTTP (every request measured: primary) nginx <- nginx-httpload (REALTIME by name) under CPU hogs",
    "http_nice": "open-loop HTTP under CPU hogs, baselines' both at nice -20",
    "http_fifo": "open-loop HTTP under CPU hogs, EEVDF's both at SCHED_FIFO",
    "http_slice": "open-loop HTTP under CPU hogs, EEVDF's both with a 1 ms slice",
    "nginx": "nginx (REALTIME by name) <- wrk (plain), corrected, under CPU hogs",
    "nginx_nice": "nginx <- wrk (plain), corrected, under CPU hogs, baselines' nginx at nice -20",
    "nginx_fifo": "nginx <- wrk (plain), corrected, under CPU hogs, EEVDF's nginx at SCHED_FIFO",
    "nginx_slice": "nginx <- wrk (plain), corrected, under CPU hogs, EEVDF's nginx with a 1 ms slice",
    "nginx_rtclient": "nginx <- nginx-wrk (both REALTIME by name), corrected, under CPU hogs",
    "nginx_rtclient_nice": "nginx <- nginx-wrk, corrected, under CPU hogs, baselines' both at nice -20",
    "nginx_rtclient_fifo": "nginx <- nginx-wrk, corrected, under CPU hogs, EEVDF's both at SCHED_FIFO",
    "nginx_rtclient_slice": "nginx <- nginx-wrk, corrected, under CPU hogs, EEVDF's both with a 1 ms slice",
    "wakeup": "schbench-style wakeup latency (no help for anyone)",
    "request": "schbench-style request latency (no help for anyone)",
    "forkstorm_run": "fork/exec storm: fork-to-first-run",
    "build_run": "build job: fork-to-first-run",
}
FAIR = {k: k.rsplit("_", 1)[0] for k in LATENCY if k.rsplit("_", 1)[-1] in HELP}
EEVDF_ONLY = {k for k in FAIR if k.rsplit("_", 1)[-1] in ("fifo", "slice")}
EEVDFS = ("eevdf", "eevdf2")
PCTS = ["50", "90", "99", "99.9", "max"]
OTHER = {
    "nginx_req_s": ("nginx requests/s (wrk plain)", "req/s", "rate"),
    "nginx_rtclient_req_s": ("nginx requests/s (nginx-wrk)", "req/s", "rate"),
    "nginx_nice_req_s": ("nginx requests/s (wrk plain), nice -20", "req/s", "rate"),
    "nginx_rtclient_nice_req_s": ("nginx requests/s (nginx-wrk), nice -20", "req/s", "rate"),
    "nginx_fifo_req_s": ("nginx requests/s (wrk plain), EEVDF's at SCHED_FIFO", "req/s", "rate"),
    "nginx_slice_req_s": ("nginx requests/s (wrk plain), EEVDF's with a 1 ms slice", "req/s", "rate"),
    "http_rate": ("open-loop HTTP answers/s", "req/s", "rate"),
    "http_nice_rate": ("open-loop HTTP answers/s, nice -20", "req/s", "rate"),
    "http_fifo_rate": ("open-loop HTTP answers/s, EEVDF's at SCHED_FIFO", "req/s", "rate"),
    "http_slice_rate": ("open-loop HTTP answers/s, EEVDF's with a 1 ms slice", "req/s", "rate"),
    "http_errors": ("open-loop HTTP errors", "count", "time"),
    "http_timeouts": ("open-loop HTTP timeouts", "count", "time"),
    "forkstorm_procs_per_s": ("fork/exec storm processes/s", "1/s", "rate"),
    "sched_cpu_pct": ("scheduler process CPU use", "% of one vCPU", "time"),
    "sched_vmrss_kb": ("scheduler process RSS", "KiB", "time"),
    "sched_vmhwm_kb": ("scheduler process peak RSS", "KiB", "time"),
    "sched_vmlck_kb": ("scheduler process locked memory", "KiB", "time"),
}
# luasched-fast's counters over a workload (J lines NAME_before / NAME_after)
LSF_COUNTERS = ["misses", "hits", "fallback_deadline", "fallback_ringbuf_full", "fallback_no_user",
                "fallback_cache_full", "verdicts_queue_full", "ins_batch", "ins_realtime", "ins_default",
                "policy_decisions"]

# luasched-fast's own latency histograms (log2 buckets: upper bounds), from the block's last snapshot
LSF_LATENCY = ["miss_to_verdict_p50_us", "miss_to_verdict_p99_us", "round_trip_p50_us", "round_trip_p99_us",
               "wake_realtime_p50_us", "wake_realtime_p99_us", "wake_default_p50_us", "wake_default_p99_us"]


def parse(text):
    """Returns dict(meta, measurements, quantiles, json, failures, warmup_failures, logs, rc, boots, preflight)."""
    r = {"meta": {}, "measurements": [], "quantiles": [], "json": [], "failures": [], "warmup_failures": [],
         "logs": [], "rc": None, "boots": 0, "preflight": []}
    for line in text.splitlines():
        f = line.split()
        if not f:
            continue
        tag = f[0]
        if tag in ("M", "Q", "J", "LOG", "FAIL") and len(f) >= 3 and f[1] == "0":
            if tag == "FAIL":  # warm-up block: not recorded, its failures only noted
                r["warmup_failures"].append(" ".join(f[3:]))
            continue
        if tag == "BLOCK" and len(f) == 4 and f[3] == "start":
            # a block re-run in a later boot (after a crash) replaces the cut-short one
            key = (f[1], f[2])
            for k in ("measurements", "quantiles", "json"):
                r[k] = [m for m in r[k] if (str(m["rep"]), m["scheduler"]) != key]
        elif tag == "BOOT":
            r["boots"] += 1
        elif tag == "PREFLIGHT" and len(f) >= 3:   # PREFLIGHT sched ok | fail: reason
            r["preflight"].append({"scheduler": f[1], "ok": f[2] == "ok", "reason": " ".join(f[3:]), "boot": r["boots"]})
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
        elif tag == "J" and len(f) >= 5:
            raw = line.split(None, 4)[4]
            try:
                data = json.loads(raw)
            except ValueError:
                r["failures"].append({"rep": f[1], "scheduler": f[2], "what": f"unparsable JSON for {f[3]}"})
                continue
            r["json"].append({"rep": int(f[1]), "scheduler": f[2], "name": f[3], "data": data})
        elif tag == "FAIL" and len(f) >= 3:
            r["failures"].append({"rep": f[1], "scheduler": f[2], "what": " ".join(f[3:])})
        elif tag == "LOG" and len(f) >= 3:
            r["logs"].append({"rep": f[1], "scheduler": f[2], "text": " ".join(f[3:])})
        elif line.startswith("GUARD:"):
            r["failures"].append({"rep": "-", "scheduler": "-", "what": line})
        m = re.match(r"RESULT rc=(\d+)", line)
        if m:
            r["rc"] = int(m.group(1))
    r["measurements"] += counter_measurements(r["json"], r["measurements"])
    return r


def counter_measurements(js, measurements):
    """luasched-fast's counter deltas over the fork storm and the build job, as measurements (per rep)."""
    snaps = {(j["rep"], j["scheduler"], j["name"]): j["data"] for j in js}
    secs = {(m["rep"], m["scheduler"], m["metric"]): m["value"] for m in measurements}
    out = []
    for (rep, sched, name), before in snaps.items():
        if not name.endswith("_before"):
            continue
        work = name[:-len("_before")]
        after = snaps.get((rep, sched, work + "_after"))
        if not isinstance(before, dict) or not isinstance(after, dict):
            continue
        for c in LSF_COUNTERS:
            if c in before and c in after:
                out.append({"rep": rep, "scheduler": sched, "metric": f"{work}_lsf_{c}", "value": after[c] - before[c]})
        if work == "build":  # the last snapshot of the block: its latency histograms so far
            for c in LSF_LATENCY:
                if c in after:
                    out.append({"rep": rep, "scheduler": sched, "metric": f"lsf_{c}", "value": after[c]})
        t = secs.get((rep, sched, f"{work}_s"))
        if t and "misses" in before and "misses" in after:
            out.append({"rep": rep, "scheduler": sched, "metric": f"{work}_lsf_misses_per_s",
                        "value": (after["misses"] - before["misses"]) / t})
    return out


def bpf_costs(parsed, sched):
    """{program name: {"type", "ns_per_call": [per rep], "run_cnt": [per rep], "reps": [rep]}} from bpftool's JSON."""
    out = {}
    for j in parsed["json"]:
        if j["scheduler"] != sched or j["name"] != "bpf_progs" or not isinstance(j["data"], list):
            continue
        for p in j["data"]:
            cnt, ns = p.get("run_cnt", 0), p.get("run_time_ns", 0)
            if not cnt:
                continue
            e = out.setdefault(p.get("name", f"id{p.get('id')}"), {"type": p.get("type", "?"), "ns_per_call": [],
                                                                     "run_cnt": [], "reps": []})
            e["ns_per_call"].append(ns / cnt)
            e["run_cnt"].append(cnt)
            e["reps"].append(j["rep"])
    return out


def by_rep(parsed, sched, metric):
    """{rep: value} of a metric: a plain measurement, or BENCH_pQ / BENCH_max / BENCH_samples from the quantiles.

    For luasched-fast a fair-baseline (_nice) latency metric is the plain one (see LATENCY)."""
    vals = {m["rep"]: m["value"] for m in parsed["measurements"] if m["scheduler"] == sched and m["metric"] == metric}
    if vals:
        return vals
    m = re.match(r"^(.*)_(?:p([0-9.]+)|(max|samples))$", metric)
    if not m:
        return {}
    bench, p = m.group(1), m.group(2) or m.group(3)
    if sched == "lsf" and bench in FAIR:
        bench = FAIR[bench]
    return {q["rep"]: q["q"][p] for q in parsed["quantiles"]
            if q["scheduler"] == sched and q["bench"] == bench and p in q["q"] and not censored(q["q"], p)}


def censored(q, p):
    """A cyclictest quantile in the histogram's overflow: only known to be >= the cap, so left out."""
    return "cap" in q and p not in ("max", "samples", "overflows", "cap") and q[p] >= q["cap"] and q.get("overflows", 0) > 0


def censored_reps(parsed, sched, metric):
    """How many reps of a quantile metric were in the overflow (see censored)."""
    m = re.match(r"^(.*)_p([0-9.]+)$", metric)
    if not m:
        return 0
    bench, p = m.group(1), m.group(2)
    if sched == "lsf" and bench in FAIR:
        bench = FAIR[bench]
    return sum(1 for q in parsed["quantiles"] if q["scheduler"] == sched and q["bench"] == bench and p in q["q"]
               and censored(q["q"], p))


def quantile_runs(parsed, sched, bench):
    if sched == "lsf" and bench in FAIR:
        bench = FAIR[bench]
    return [q["q"] for q in parsed["quantiles"] if q["scheduler"] == sched and q["bench"] == bench]


def median(vals):
    return statistics.median(vals) if vals else None


def expected(schedulers, reps):
    """Every (rep, scheduler, key) a complete run has."""
    out = []
    for rep in range(1, reps + 1):
        for s in schedulers:
            keys = list(THROUGHPUT) + ["nginx_req_s", "nginx_rtclient_req_s", "http_rate"]
            keys += [f"Q:{b}" for b in LATENCY if not (s == "lsf" and b in FAIR) and not (s not in EEVDFS and b in EEVDF_ONLY)]
            for h in (("nice", "fifo", "slice") if s in EEVDFS else ("nice",) if s != "lsf" else ()):
                keys += [f"nginx_{h}_req_s", f"nginx_rtclient_{h}_req_s", f"http_{h}_rate"]
            if s not in EEVDFS:
                keys += ["sched_cpu_pct", "sched_vmrss_kb", "J:bpf_progs"]
            if s == "lsf":
                keys += ["forkstorm_lsf_misses"]
            out += [(rep, s, k) for k in keys]
    return out


def missing(parsed, schedulers, reps):
    have = {(m["rep"], m["scheduler"], m["metric"]) for m in parsed["measurements"]}
    have |= {(q["rep"], q["scheduler"], "Q:" + q["bench"]) for q in parsed["quantiles"]}
    have |= {(j["rep"], j["scheduler"], "J:" + j["name"]) for j in parsed["json"]}
    return [e for e in expected(schedulers, reps) if e not in have]
