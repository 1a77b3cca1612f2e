#!/usr/bin/python3
"""Turns a bench/vm/run results folder (smpN.guest.log + meta, micro.json) into smpN.json/.csv, plots and tables."""
import argparse
import csv
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import results as R  # noqa: E402
import stats as S  # noqa: E402
import tables  # noqa: E402

# goal -> (metric, baseline, target, higher_is_better); throughput ratios are speedups, latency ratios x / base
GOALS = [(f"throughput {label} >= 1.00x scx_simple", m, "simple", 1.0, True)
         for m, (label, _, _) in R.THROUGHPUT.items() if m != "rounds_per_s"]
GOALS += [
    ("REALTIME (cyclictest) p99 under load <= 0.5x EEVDF", "cyclictest_p99", "eevdf", 0.5, False),
    ("REALTIME (cyclictest) p99 under load <= 0.5x EEVDF at nice -20", "cyclictest_nice_p99", "eevdf", 0.5, False),
    ("REALTIME (cyclictest) p99 under load <= 0.5x scx_simple", "cyclictest_p99", "simple", 0.5, False),
    ("REALTIME (cyclictest) p99 under load <= 0.5x scx_simple at nice -20", "cyclictest_nice_p99", "simple", 0.5, False),
    ("nginx p99 under CPU hogs <= 0.5x EEVDF", "nginx_p99", "eevdf", 0.5, False),
    ("nginx p99 under CPU hogs <= 0.5x EEVDF at nice -20", "nginx_nice_p99", "eevdf", 0.5, False),
    ("open-loop HTTP p99 under CPU hogs <= 0.5x EEVDF", "http_p99", "eevdf", 0.5, False),
    ("open-loop HTTP p99 under CPU hogs <= 0.5x EEVDF at nice -20", "http_nice_p99", "eevdf", 0.5, False),
]


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
                                                 "censored": cens}
    return out


def comparisons(parsed, scheds):
    """luasched-fast vs every other scheduler, per metric: geometric mean of per-rep ratios and its 95% CI."""
    out = {}
    if "lsf" not in scheds:
        return out
    for metric in all_metrics():
        if "_lsf_" in metric or metric.endswith("_samples") and not metric.startswith("cyclictest"):
            continue
        x = R.by_rep(parsed, "lsf", metric)
        for b in scheds:
            if b == "lsf" or not x:
                continue
            c = S.compare(x, R.by_rep(parsed, b, metric), kind_of(metric), f"{metric}/{b}")
            if c["n"]:
                out.setdefault(metric, {})[b] = {"ratio": c["ratio"], "ci": c["ci"], "n": c["n"], "ratios": c["ratios"]}
    return out


def goals(comp):
    out = []
    for goal, metric, base, target, hib in GOALS:
        c = comp.get(metric, {}).get(base)
        out.append({"goal": goal, "metric": metric, "baseline": base, "target": target, "higher_is_better": hib,
                    "ratio": c["ratio"] if c else None, "ci": c["ci"] if c else None, "n": c["n"] if c else 0,
                    "status": S.verdict(c["ci"], target, hib, c["n"]) if c else "not measured"})
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
    miss = R.missing(parsed, scheds, meta["reps"])
    failures = [{"rep": "-", "scheduler": f.split(":")[0], "what": f} for f in meta.get("host_failures", [])]
    failures += parsed["failures"]
    if parsed["rc"] is None:
        failures.append({"rep": "-", "scheduler": "-", "what": "the guest script did not finish (no RESULT line)"})
    doc = {"meta": meta, "summary": summary, "comparisons": comp, "goals": goals(comp), "failures": failures,
           "warmup_failures": parsed["warmup_failures"],
           "missing": [{"rep": r, "scheduler": s, "what": k} for r, s, k in miss],
           "order_balanced": S.is_balanced(meta["orders"]), "order_adjacency":
               {f"{a}>{b}": n for (a, b), n in sorted(S.adjacency(meta["orders"]).items())},
           "bpf_costs": {s: R.bpf_costs(parsed, s) for s in scheds if s != "eevdf"},
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
