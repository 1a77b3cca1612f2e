#!/usr/bin/python3
# Turns a bench/vm/guest.sh log into <ts>.json and <ts>.csv, and optionally docs/benchmarks.md tables and PNG plots.
import argparse
import csv
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import results as R  # noqa: E402
import tables  # noqa: E402


def summarize(parsed, scheds):
    """Medians (and min/max) per scheduler and metric, and the ratio tables."""
    metrics = list(R.THROUGHPUT) + list(R.OTHER)
    metrics += [f"{b}_p{p}" if p != "max" else f"{b}_max" for b in R.LATENCY for p in R.PCTS]
    metrics.append("cyclictest_samples")
    summary = {}
    for metric in metrics:
        for s in scheds:
            v = R.values(parsed, s, metric)
            if v:
                summary.setdefault(metric, {})[s] = {"median": R.median(v), "min": min(v), "max": max(v), "n": len(v)}
    return summary


def med(summary, metric, s):
    return summary.get(metric, {}).get(s, {}).get("median")


def goals(summary):
    """The goals of docs/benchmarks.md, each with the measured ratio and met/missed."""
    out = []
    for metric, (label, _, kind) in R.THROUGHPUT.items():
        r = R.speed_ratio(kind, med(summary, metric, "lsf"), med(summary, metric, "simple"))
        out.append({"goal": f"throughput {label} >= 1.00x scx_simple", "ratio": r, "target": 1.0, "higher_is_better": True})
    for base in ("eevdf", "simple"):
        r = R.ratio(med(summary, "cyclictest_p99", "lsf"), med(summary, "cyclictest_p99", base))
        out.append({"goal": f"REALTIME (cyclictest) p99 under load <= 0.5x {R.LABEL[base]}", "ratio": r, "target": 0.5,
                    "higher_is_better": False})
    r = R.ratio(med(summary, "nginx_p99", "lsf"), med(summary, "nginx_p99", "eevdf"))
    out.append({"goal": "nginx p99 under CPU hogs <= 0.5x EEVDF", "ratio": r, "target": 0.5, "higher_is_better": False})
    for g in out:
        r = g["ratio"]
        g["status"] = "not measured" if r is None else (
            "met" if (r >= g["target"] if g["higher_is_better"] else r <= g["target"]) else "missed")
    return out


def write_csv(path, parsed, date):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["date_utc", "rep", "scheduler", "benchmark", "metric", "value", "unit"])
        units = {k: v[1] for k, v in {**R.THROUGHPUT, **R.OTHER}.items()}
        for m in parsed["measurements"]:
            bench = m["metric"].replace("_req_s", "").replace("_errors", "").replace("_bogo_ops_s", "")
            bench = bench.replace("_us_per_op", "").replace("_pct", "").removesuffix("_s")
            w.writerow([date, m["rep"], m["scheduler"], bench, m["metric"], m["value"],
                        units.get(m["metric"], "")])
        for q in parsed["quantiles"]:
            for k, v in q["q"].items():
                unit = "count" if k in ("samples", "overflows") else "us"
                name = k if k in ("max", "samples", "overflows") else f"p{k}"
                w.writerow([date, q["rep"], q["scheduler"], q["bench"], name, v, unit])


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--log", required=True)
    ap.add_argument("--meta", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--markdown")
    ap.add_argument("--plots")
    a = ap.parse_args()

    meta = json.load(open(a.meta))
    parsed = R.parse(open(a.log, errors="replace").read())
    guest = {k: list(dict.fromkeys(v)) for k, v in parsed["meta"].items()}  # repeated by a second boot
    meta["guest"] = {k: v[0] if len(v) == 1 else v for k, v in guest.items()}
    scheds = [s for s in R.SCHEDS if s in meta["schedulers_run"]]
    summary = summarize(parsed, scheds)
    miss = R.missing(parsed, scheds, meta["reps"])
    failures = [{"rep": "-", "scheduler": f.split(":")[0], "what": f} for f in meta.get("host_failures", [])]
    failures += parsed["failures"]
    if parsed["rc"] is None:
        failures.append({"rep": "-", "scheduler": "-", "what": "the guest script did not finish (no RESULT line)"})
    doc = {"meta": meta, "summary": summary, "goals": goals(summary), "failures": failures,
           "missing": [{"rep": r, "scheduler": s, "what": k} for r, s, k in miss],
           "measurements": parsed["measurements"], "quantiles": parsed["quantiles"], "logs": parsed["logs"]}

    ts = meta["date_utc"]
    base = os.path.join(a.out, ts)
    json.dump(doc, open(base + ".json", "w"), indent=1)
    write_csv(base + ".csv", parsed, ts)
    if a.plots:
        import plot  # matplotlib only when plotting
        os.makedirs(a.plots, exist_ok=True)
        doc["plots"] = plot.all_plots(doc, a.plots)
    if a.markdown:
        rel = os.path.relpath(base + ".json", os.path.dirname(os.path.abspath(a.markdown)))
        tables.update_markdown(a.markdown, doc, rel, a.plots)
    print(tables.headline(doc))
    return 1 if failures or miss else 0


if __name__ == "__main__":
    sys.exit(main())
