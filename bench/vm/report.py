#!/usr/bin/python3
"""Turns a bench/vm/run results folder (smpN.guest.log + meta, micro.json) into smpN.json/.csv, plots and tables."""
import argparse
import csv
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import current  # noqa: E402
import results as R  # noqa: E402
import stats as S  # noqa: E402
import tables  # noqa: E402

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "../.."))

# goal -> (metric, baseline, target, higher_is_better); throughput ratios are speedups, latency ratios x / base
GOALS = [(f"throughput {label} >= 1.00x scx_simple", m, "simple", 1.0, True)
         for m, (label, _, _) in R.THROUGHPUT.items() if m != "rounds_per_s"]
GOALS += [
    ("REALTIME (cyclictest) p99 under load <= 0.5x EEVDF", "cyclictest_p99", "eevdf", 0.5, False),
    ("REALTIME (cyclictest) p99 under load <= 0.5x EEVDF at nice -20", "cyclictest_nice_p99", "eevdf", 0.5, False),
    ("REALTIME (cyclictest) p99 under load <= 0.5x EEVDF at SCHED_FIFO", "cyclictest_fifo_p99", "eevdf", 0.5, False),
    ("REALTIME (cyclictest) p99 under load <= 0.5x EEVDF with a 1 ms slice", "cyclictest_slice_p99", "eevdf", 0.5, False),
    ("REALTIME (cyclictest) p99 under load <= 0.5x scx_simple", "cyclictest_p99", "simple", 0.5, False),
    ("REALTIME (cyclictest) p99 under load <= 0.5x scx_simple at nice -20", "cyclictest_nice_p99", "simple", 0.5, False),
    ("open-loop HTTP p99 (primary) under CPU hogs <= 0.5x EEVDF", "http_p99", "eevdf", 0.5, False),
    ("open-loop HTTP p99 (primary) under CPU hogs <= 0.5x EEVDF at nice -20", "http_nice_p99", "eevdf", 0.5, False),
    ("open-loop HTTP p99 (primary) under CPU hogs <= 0.5x EEVDF at SCHED_FIFO", "http_fifo_p99", "eevdf", 0.5, False),
    ("open-loop HTTP p99 (primary) under CPU hogs <= 0.5x EEVDF with a 1 ms slice", "http_slice_p99", "eevdf", 0.5, False),
    ("nginx <- wrk p99 (corrected) under CPU hogs <= 0.5x EEVDF", "nginx_p99", "eevdf", 0.5, False),
    ("nginx <- wrk p99 (corrected) under CPU hogs <= 0.5x EEVDF at nice -20", "nginx_nice_p99", "eevdf", 0.5, False),
]
NOISE = ("eevdf2", "eevdf")  # the same scheduler twice: its ratios are the run's noise floor


def kind_of(metric):
    if metric in R.THROUGHPUT:
        return R.THROUGHPUT[metric][2]
    if metric in R.OTHER:
        return R.OTHER[metric][2]
    return "latency"


def all_metrics():
    ms = list(R.THROUGHPUT) + list(R.OTHER)
    for b in R.LATENCY:
        ms += [f"{b}_max" if p == "max" else f"{b}_p{p}" for p in R.PCTS] + [f"{b}_samples"]
    ms += [f"{w}_lsf_{c}" for w in ("forkstorm", "build") for c in R.LSF_COUNTERS + ["misses_per_s"]]
    ms += [f"lsf_{c}" for c in R.LSF_LATENCY]
    return ms


def summarize(parsed, scheds):
    """Per scheduler and metric: median, min, max, n and the per-rep values."""
    out = {}
    for metric in all_metrics():
        for s in scheds:
            v = R.by_rep(parsed, s, metric)
            cens = R.censored_reps(parsed, s, metric)
            if cens:
                out.setdefault(metric, {})[s] = {"censored": cens}
            if v:
                vals = list(v.values())
                out.setdefault(metric, {})[s] = {"median": R.median(vals), "min": min(vals), "max": max(vals),
                                                 "n": len(vals), "by_rep": {str(k): x for k, x in sorted(v.items())},
                                                 "censored": cens, "cv": S.cv(vals)}
    return out


def comparisons(parsed, scheds, x_sched="lsf", bases=None):
    """x_sched (luasched-fast) vs every other scheduler (or those in bases), per metric: geometric mean of the
    per-rep ratios, its t 95% interval, the ratio of the medians and whether the two disagree in direction."""
    out = {}
    if x_sched not in scheds:
        return out
    for metric in all_metrics():
        if "_lsf_" in metric or metric.endswith("_samples") and not metric.startswith("cyclictest"):
            continue
        x = R.by_rep(parsed, x_sched, metric)
        for b in bases or scheds:
            if b == x_sched or b not in scheds or not x:
                continue
            c = S.compare(x, R.by_rep(parsed, b, metric), kind_of(metric), f"{metric}/{b}")
            if c["n"]:
                out.setdefault(metric, {})[b] = {k: c[k] for k in ("ratio", "ci", "n", "ratios", "median_ratio", "disagree")}
    return out


def bpf_callbacks(costs, x="lsf", base="simple"):
    """Per struct_ops callback (the program name after its scheduler's prefix: enqueue, dispatch, ...): ns per call
    of x and of base per rep, and x's over base's paired by rep with its t interval. Reps are the block order's."""
    def by_cb(progs):
        return {n.split("_", 1)[1]: e for n, e in progs.items() if "_" in n and e["type"] == "struct_ops"}
    a, b = by_cb(costs.get(x, {})), by_cb(costs.get(base, {}))
    out = {}
    for cb in sorted(set(a) | set(b)):
        ea, eb = a.get(cb), b.get(cb)
        row = {x: ea, base: eb}
        if ea and eb and "reps" in ea and "reps" in eb:
            c = S.compare(dict(zip(ea["reps"], ea["ns_per_call"])), dict(zip(eb["reps"], eb["ns_per_call"])), "latency",
                          f"bpf/{cb}")
            row["ratio"] = {k: c[k] for k in ("ratio", "ci", "n", "median_ratio", "disagree")}
        out[cb] = row
    return out


def goals(comp, balanced=True):
    """Every goal's ratio and verdict; no verdict from an order that is not a whole Williams period."""
    out = []
    for goal, metric, base, target, hib in GOALS:
        c = comp.get(metric, {}).get(base)
        st = S.verdict(c["ci"], target, hib, c["n"]) if c else "not measured"
        if st in ("met", "missed", "tie") and not balanced:
            st = "no verdict (order not a whole period)"
        out.append({"goal": goal, "metric": metric, "baseline": base, "target": target, "higher_is_better": hib,
                    "ratio": c["ratio"] if c else None, "ci": c["ci"] if c else None, "n": c["n"] if c else 0,
                    "median_ratio": c.get("median_ratio") if c else None, "disagree": c.get("disagree") if c else False,
                    "status": st})
    return out


def write_csv(path, parsed, date, smp):
    units = {k: v[1] for k, v in {**R.THROUGHPUT, **R.OTHER}.items()}
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["date_utc", "smp", "rep", "scheduler", "benchmark", "metric", "value", "unit"])
        for m in parsed["measurements"]:
            w.writerow([date, smp, m["rep"], m["scheduler"], m["metric"].split("_")[0], m["metric"], m["value"],
                        units.get(m["metric"], "")])
        for q in parsed["quantiles"]:
            for k, v in q["q"].items():
                unit = "count" if k in ("samples", "overflows") else "us"
                name = k if k in ("max", "samples", "overflows") else f"p{k}"
                w.writerow([date, smp, q["rep"], q["scheduler"], q["bench"], name, v, unit])


def one_smp(run, folder, smp):
    """The report of one vCPU count: writes smpN.json, smpN.csv and smpN-*.png; returns the doc."""
    base = os.path.join(folder, f"smp{smp}")
    meta = dict(run)
    meta.update(json.load(open(base + ".meta.json")))
    parsed = R.parse(open(base + ".guest.log", errors="replace").read())
    guest = {k: list(dict.fromkeys(v)) for k, v in parsed["meta"].items()}  # repeated by a second boot
    meta["guest"] = {k: v[0] if len(v) == 1 else v for k, v in guest.items()}
    scheds = [s for s in R.SCHEDS if s in meta["schedulers_run"]]
    summary = summarize(parsed, scheds)
    comp = comparisons(parsed, scheds)
    noise = comparisons(parsed, scheds, *NOISE[:1], bases=NOISE[1:])
    miss = R.missing(parsed, scheds, meta["reps"])
    failures = [{"rep": "-", "scheduler": f.split(":")[0], "what": f} for f in meta.get("host_failures", [])]
    failures += [{"rep": "-", "scheduler": p["scheduler"], "what": f"pre-flight: did not load, left out of the order: "
                  f"{p['reason']}"} for p in parsed["preflight"] if not p["ok"]]
    failures += parsed["failures"]
    if parsed["rc"] is None:
        failures.append({"rep": "-", "scheduler": "-", "what": "the guest script did not finish (no RESULT line)"})
    balanced = S.is_balanced(meta["orders"])
    costs = {s: R.bpf_costs(parsed, s) for s in scheds if s not in R.EEVDFS}
    doc = {"meta": meta, "summary": summary, "comparisons": comp, "noise_floor": noise, "goals": goals(comp, balanced),
           "failures": failures, "warmup_failures": parsed["warmup_failures"],
           "missing": [{"rep": r, "scheduler": s, "what": k} for r, s, k in miss],
           "order_balanced": balanced, "order_adjacency":
               {f"{a}>{b}": n for (a, b), n in sorted(S.adjacency(meta["orders"]).items())},
           "bpf_costs": costs, "bpf_callbacks": bpf_callbacks(costs),
           "preflight": parsed["preflight"],
           "measurements": parsed["measurements"], "quantiles": parsed["quantiles"], "logs": parsed["logs"],
           "files": {"json": base + ".json", "csv": base + ".csv", "log": base + ".guest.log"}}
    write_csv(base + ".csv", parsed, meta["date_utc"], smp)
    import plot  # matplotlib only when plotting
    doc["plots"] = plot.all_plots(doc, folder, f"smp{smp}")
    json.dump({k: v for k, v in doc.items() if k != "files"}, open(base + ".json", "w"), indent=1)
    return doc


def micro(folder):
    """Google Benchmark JSON (micro.json) -> rows, or None."""
    path = os.path.join(folder, "micro.json")
    if not os.path.exists(path):
        return None
    try:
        data = json.load(open(path))
    except ValueError:
        return {"path": path, "rows": [], "context": {}, "error": "unparsable micro.json"}
    rows = [b for b in data.get("benchmarks", []) if b.get("run_type", "iteration") == "iteration"]
    return {"path": path, "rows": rows, "context": data.get("context", {})}


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--run", required=True, help="results folder of bench/vm/run")
    ap.add_argument("--markdown", help="docs/benchmarks.md: replace its GENERATED block")
    ap.add_argument("--performance", help="docs/performance.md: replace its GENERATED micro block")
    a = ap.parse_args()
    folder = os.path.abspath(a.run)
    run = json.load(open(os.path.join(folder, "run.json")))
    docs = [one_smp(run, folder, smp) for smp in run["smp"] if os.path.exists(os.path.join(folder, f"smp{smp}.guest.log"))]
    if not docs:
        print(f"report: no smpN.guest.log in {folder}", file=sys.stderr)
        return 3
    mi = micro(folder)
    run["current"], run["current_line"] = current.status(ROOT, run.get("git"))
    tables.write_tables(os.path.join(folder, "tables.md"), run, docs, mi)
    if a.markdown:
        tables.update_markdown(a.markdown, run, docs, mi)
    if a.performance and mi:
        tables.update_micro(a.performance, run, mi)
    print(tables.headline(run, docs))
    bad = any(d["failures"] or d["missing"] for d in docs)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
