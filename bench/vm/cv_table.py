#!/usr/bin/python3
"""Rep-to-rep CV per row, real clock beside virtual clock: a Markdown table from two (or more) results folders.

With --bpf: luasched-fast's BPF cost per struct_ops callback beside scx_simple's (ns per call, median of the
reps, and their ratio paired by rep), one column group per clock, from bench/vm/run folders (smpN.json).

Each folder is a bench/vm/compare folder (summary.json; with --boots, every boot's bootK/summary.json) or a
bench/vm/run folder (smpN.json). Its clock comes from the folder (compare.json / run.json "clock"); a folder
written before the clock was recorded counts as real. Rows are the metrics (compare) or the throughput rows and
the p50/p99 of every latency row (run); columns, per variant, the CV (sample sd / mean of the reps) under
each clock. A row's CV is what one rep of it varies by: the smallest difference a run of n reps resolves is
about t(n-1) * CV * sqrt(2 / n) for a ratio of two variants.
"""
import argparse
import glob
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import results as R  # noqa: E402
import stats as S  # noqa: E402


def folder_cvs(folder):
    """(clock, {(row, variant): [cv per boot or vCPU count]}, [variants]) of one results folder."""
    out, variants = {}, []
    summaries = sorted(glob.glob(os.path.join(folder, "boot*", "summary.json"))) or \
        [p for p in [os.path.join(folder, "summary.json")] if os.path.exists(p)]
    if summaries:
        meta = json.load(open(os.path.join(folder, "compare.json"))) if os.path.exists(
            os.path.join(folder, "compare.json")) else {}
        for p in summaries:
            s = json.load(open(p))
            variants = variants or s["variants"]
            for m, e in s["metrics"].items():
                for v in s["variants"]:
                    cv = e.get("cv", {}).get(v)
                    if cv is None and "cv" not in e:   # a summary written before the CV: not known
                        continue
                    out.setdefault((m, v), []).append(cv)
        return known_clock(meta.get("clock", s.get("clock"))), out, variants
    run = json.load(open(os.path.join(folder, "run.json")))
    rows = list(R.THROUGHPUT) + [f"{b}_p{p}" for b in R.LATENCY for p in ("50", "99")]
    for p in sorted(glob.glob(os.path.join(folder, "smp*.json"))):
        if p.endswith(".meta.json"):
            continue
        d = json.load(open(p))
        smp = d["meta"]["smp"]
        for m in rows:
            for v, c in d["summary"].get(m, {}).items():
                vals = list(c.get("by_rep", {}).values())
                if v not in variants:
                    variants.append(v)
                out.setdefault((f"{m} ({smp} vCPUs)", v), []).append(S.cv(vals))
    variants = [v for v in R.SCHEDS if v in variants]
    return known_clock(run.get("clock")), out, variants


def known_clock(c):
    """A folder without a clock (or "unknown", re-summarized by --report) predates the virtual clock: real."""
    return "real" if c in (None, "", "unknown") else c


def table(folders):
    by_clock, variants, rows = {}, [], []
    for f in folders:
        clock, cvs, vs = folder_cvs(f)
        for k, v in cvs.items():
            by_clock.setdefault(clock, {}).setdefault(k, []).extend(v)
            if k[0] not in rows:
                rows.append(k[0])
        variants += [v for v in vs if v not in variants]
    clocks = [c for c in ("real", "virtual") if c in by_clock] + sorted(c for c in by_clock if c not in ("real", "virtual"))
    cols = [(v, c) for v in variants for c in clocks]
    lines = [f"Rep-to-rep CV (sd / mean of the reps) per row, {' vs '.join(clocks)} clock; from "
             + ", ".join(f"`{f}`" for f in folders) + ". Several boots or folders of one clock: their CVs, joined by /.",
             "", "| row | " + " | ".join(f"{v} {c}" for v, c in cols) + " |", "|---" * (1 + len(cols)) + "|"]
    for r in rows:
        cells = []
        for v, c in cols:
            got = by_clock.get(c, {}).get((r, v))
            cells.append("–" if not got or all(x is None for x in got)
                         else " / ".join("–" if x is None else f"{100 * x:.1f}%" for x in got))
        lines.append(f"| {r} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def bpf_table(folders):
    """Per callback and vCPU count: luasched-fast's and scx_simple's ns per call and their ratio, per clock."""
    by_clock, rows = {}, []
    for f in folders:
        clock = known_clock(json.load(open(os.path.join(f, "run.json"))).get("clock"))
        for p in sorted(glob.glob(os.path.join(f, "smp*.json"))):
            if p.endswith(".meta.json"):
                continue
            d = json.load(open(p))
            for cb, r in d.get("bpf_callbacks", {}).items():
                key = f"`{cb}` ({d['meta']['smp']} vCPUs)"
                rows += [key] if key not in rows else []
                by_clock.setdefault(clock, {})[key] = r
    clocks = [c for c in ("real", "virtual") if c in by_clock]

    def ns(e):
        return "–" if not e else f"{R.median(e['ns_per_call']):,.0f}"

    def ratio(r):
        c = r.get("ratio")
        if not c or c.get("ratio") is None:
            return "–"
        return f"{c['ratio']:.2f}x" + (f" [{c['ci'][0]:.2f}–{c['ci'][1]:.2f}]" if c.get("ci") else "")
    lines = ["luasched-fast's BPF cost per callback beside scx_simple's (ns per call, median of the reps; ratio paired "
             "by rep [t 95% interval]), per clock; from " + ", ".join(f"`{f}`" for f in folders) + ".", "",
             "| callback | " + " | ".join(f"lsf {c} | scx_simple {c} | ratio {c}" for c in clocks) + " |",
             "|---" * (1 + 3 * len(clocks)) + "|"]
    for k in rows:
        cells = []
        for c in clocks:
            r = by_clock[c].get(k, {})
            cells += [ns(r.get("lsf")), ns(r.get("simple")), ratio(r)]
        lines.append(f"| {k} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv):
    ap = argparse.ArgumentParser(prog="bench/vm/cv_table.py", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folders", nargs="+", metavar="RESULTS_DIR", help="results folders, e.g. one real- and one virtual-clock run")
    ap.add_argument("--out", help="also write the table to this file")
    ap.add_argument("--bpf", action="store_true", help="the BPF cost per callback table instead (bench/vm/run folders)")
    a = ap.parse_args(argv)
    t = bpf_table(a.folders) if a.bpf else table(a.folders)
    print(t, end="")
    if a.out:
        open(a.out, "w").write(t)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
