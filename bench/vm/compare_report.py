#!/usr/bin/python3
"""Summary of a bench/vm/compare results folder: summary.json and summary.md from compare.result (one or more boots).

Per metric and variant: median, rep-to-rep CV; per pair of variants: the geometric mean of the paired per-rep
ratios with its t 95% interval (bench/vm/stats.py), the ratio of the medians and a flag where the two disagree
in direction. With eevdf and eevdf2 among the variants, the noise floor: which rows' EEVDF-against-EEVDF
interval lies within 1 -/+ 5% (can see a 5% difference), the others named with their width. Per block: the
samples behind each latency row (a p99 from fewer than 100 samples is its max, flagged) and luasched-fast's
counters. With several boots of the same comparison (compare --boots K), each
boot is summarized in its bootK/ folder and summary.md shows, per pair, every boot's ratio and the spread
between boots (largest over smallest), the check a verdict that decides a goal needs.
"""
import argparse
import collections
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import current  # noqa: E402
import stats  # noqa: E402

# Counters shown per block in summary.md (summary.json keeps all of them). Results folders written before
# the J line printed counters as R lines: a name shown here, or one that no EEVDF block has (every workload
# metric is measured under EEVDF too), is a counter there, not a timing.
SHOWN = ("misses", "fork_hits", "fork_preempt", "fallback_deadline", "rt_preempt", "rt_direct", "wake_preempt",
         "wake_realtime_p99_us", "wake_default_p99_us", "slice_cut")
# metric -> what its label adds (primary rows first in summary.md)
LABELS = {"http_p99_us": "open loop, every request measured: the primary p99",
          "http_p50_us": "open loop", "http_p99.9_us": "open loop", "http_answers_per_s": "open loop",
          "http_timeouts": "open loop",
          "wrk_corrected_p50_us": "wrk's histogram, corrected for coordinated omission with synthetic samples",
          "wrk_corrected_p99_us": "wrk's histogram, corrected for coordinated omission with synthetic samples",
          "nginx_p50_us": "wrk, corrected", "nginx_p99_us": "wrk, corrected"}
MIN_SAMPLES_P99 = 100  # below this a p99 is the largest sample or close to it
# The noise floor (eevdf2 against eevdf: the same scheduler twice) must resolve this relative difference:
# a row does when its whole 95% interval lies within 1 -/+ NOISE_BOUND (issue #28: "a 5% difference")
NOISE_BOUND = 0.05


def kind(m):
    return "rate" if m.endswith("per_s") else "latency" if m.endswith("_us") or "_us_" in m else "time"


def parse(path):
    """(vals {(metric, variant): {rep: v}}, counts {(counter, variant): {rep: v}}, samples {(row, variant): {rep: n}},
    help {(key, variant): {rep: v}}, failures [line]) of compare.result's R, J and FAIL lines."""
    vals, counts, samples, helps = (collections.defaultdict(dict) for _ in range(4))
    fails = []
    for line in open(path, errors="replace"):
        f = line.split(None, 4)
        if not f or f[0] not in ("R", "J", "FAIL"):
            continue
        if f[0] == "FAIL":
            fails.append(line.strip())
            continue
        if f[0] == "J" and len(f) == 5:   # J rep variant NAME {json}
            into = {"samples": samples, "help": helps}.get(f[3], counts)   # "stats" (and older names): counters
            try:
                for k, v in json.loads(f[4]).items():
                    if isinstance(v, (int, float)) and not isinstance(v, bool):
                        into[(k, f[2])][int(f[1])] = v
            except ValueError:
                fails.append("unparsed: " + line.strip()[:200])
            continue
        f = line.split()
        if len(f) == 5:
            try:
                vals[(f[3], f[2])][int(f[1])] = float(f[4])
            except ValueError:
                fails.append("unparsed: " + line.strip())
    return vals, counts, samples, helps, fails


def order_metrics(ms):
    first = [m for m in LABELS if m in ms and m.startswith("http_")]
    return first + sorted(m for m in ms if m not in first)


def summarize(result, meta, root):
    """The summary dict of one boot's compare.result (meta: command, variants, clock, git, ...)."""
    variants = meta["variants"]
    vals, counts, samples, helps, fails = parse(result)
    legacy = [m for m, _ in vals if m in SHOWN or ("eevdf" in variants and (m, "eevdf") not in vals)]
    for key in [k for k in vals if k[0] in legacy]:
        counts[key] = vals.pop(key)
    metrics = order_metrics({m for m, _ in vals})
    pairs = [(x, b) for i, x in enumerate(variants) for b in variants[:i]]
    cur, cur_line = current.status(root, meta.get("git"))
    out = dict(meta, failures=fails, metrics={}, counters={}, samples={}, help={}, current=cur, current_line=cur_line,
               legacy=sorted(set(legacy)),
               interval="t 95% interval of the geometric mean of the paired per-rep ratios (bench/vm/stats.py)")
    for dst, src in (("counters", counts), ("samples", samples), ("help", helps)):
        for m, s in sorted(src):
            out[dst].setdefault(m, {})[s] = src[(m, s)]
    for m in metrics:
        entry = {"kind": kind(m), "label": LABELS.get(m, ""), "median": {}, "cv": {}, "n": {}}
        for s in variants:
            v = sorted(vals[(m, s)].values())
            entry["median"][s] = v[len(v) // 2] if v else None   # upper median: a value that was measured
            entry["cv"][s] = stats.cv(v)
            entry["n"][s] = len(v)
        for x, b in pairs:
            entry[f"{x}/{b}"] = stats.compare(vals[(m, x)], vals[(m, b)], kind(m), key=f"{m}/{x}/{b}")
        out["metrics"][m] = entry
    if "eevdf" in variants and "eevdf2" in variants:
        later = variants.index("eevdf2") > variants.index("eevdf")
        out["noise_floor"] = noise_floor(out["metrics"], "eevdf2/eevdf" if later else "eevdf/eevdf2")
    return out


def noise_floor(metrics, pair, bound=NOISE_BOUND):
    """Per metric, the EEVDF-against-EEVDF interval and whether it lies within 1 -/+ bound (it can see a
    difference of that size); "within" None where there is no interval (too few reps, no values, all zero)."""
    rows = {}
    for m, e in metrics.items():
        c = e.get(pair) or {}
        ci = c.get("ci")
        rows[m] = {"ratio": c.get("ratio"), "ci": ci,
                   "deviation": None if not ci else max(ci[1] - 1, 1 - ci[0]),
                   "within": None if not ci else bool(ci[0] >= 1 - bound and ci[1] <= 1 + bound)}
    return {"pair": pair, "bound": bound, "rows": rows}


def noise_markdown(nf):
    rows = nf["rows"]
    known = {m: r for m, r in rows.items() if r["within"] is not None}
    wide = [m for m, r in known.items() if not r["within"]]
    b = f"{100 * nf['bound']:.0f}%"
    lines = ["", f"Noise floor ({nf['pair'].replace('/', ' vs ')}, the same scheduler twice): {len(known) - len(wide)} of "
             f"{len(known)} rows have their whole 95% interval within 1 ± {b} (they can see a {b} difference)"
             + (f"; wider: " if wide else ".")]
    for m in wide:
        r = rows[m]
        lo, hi = r["ci"]
        width = f"±{100 * r['deviation']:.0f}%" if r["deviation"] < 1 else f"a factor of {max(hi, 1 / lo):.1f} either way"
        lines.append(f"- {m}: {r['ratio']:.2f} [{lo:.2f}, {hi:.2f}], {width}")
    none = [m for m, r in rows.items() if r["within"] is None]
    if none:
        lines.append(f"No interval (too few reps or no values): {', '.join(none)}.")
    return lines


def fmt(c):
    if c is None or c["ratio"] is None:
        return "n/a"
    ci = c["ci"]
    s = f"{c['ratio']:.2f}" + (f" [{ci[0]:.2f}, {ci[1]:.2f}]" if ci else "") + f" (n={c['n']})"
    if c.get("disagree"):
        m = c["median_ratio"]
        s += f" ⚠ medians {m:.3f}" if round(m, 2) == 1.0 else f" ⚠ medians {m:.2f}"
    return s


def headline(s):
    return (f"Command: `{s['command']}`; clock: **{s.get('clock', 'real')}**; git {s.get('git', 'not recorded')} "
            f"({s['current_line']}).")


def markdown(s):
    variants = s["variants"]
    pairs = [(x, b) for i, x in enumerate(variants) for b in variants[:i]]
    lines = [headline(s), "",
             "Ratios: geometric mean of the paired per-rep ratios, t 95% interval (on the log ratios). Latency: x / "
             "baseline (lower is better); time: baseline / x, a speedup (higher is better); rate: x / baseline (higher "
             "is better). ⚠: the ratio of the medians points the other way than the geometric mean (value after it).",
             "", "| metric | " + " | ".join(f"median {v}" for v in variants) + " | "
             + " | ".join(f"{x} vs {b}" for x, b in pairs) + " |",
             "|---" * (1 + len(variants) + len(pairs)) + "|"]
    for m, e in s["metrics"].items():
        label = f"{m} ({e['kind']}" + (f"; {e['label']}" if e.get("label") else "") + ")"
        lines.append(f"| {label} | " + " | ".join(str(e["median"][v]) for v in variants) + " | "
                     + " | ".join(fmt(e.get(f"{x}/{b}")) for x, b in pairs) + " |")
    if s.get("noise_floor"):
        lines += noise_markdown(s["noise_floor"])
    lines += ["", "Rep-to-rep CV (sd / mean of the reps) per variant:", "",
              "| metric | " + " | ".join(variants) + " |", "|---" * (1 + len(variants)) + "|"]
    for m, e in s["metrics"].items():
        lines.append(f"| {m} | " + " | ".join("–" if e["cv"][v] is None else f"{100 * e['cv'][v]:.1f}%"
                                               for v in variants) + " |")
    if s["samples"]:
        lines += ["", "Samples behind each latency row, per block (min–max over the reps; a p99 from fewer than "
                  f"{MIN_SAMPLES_P99} samples is flagged ⚠):", "",
                  "| row | " + " | ".join(variants) + " |", "|---" * (1 + len(variants)) + "|"]
        for row, per in s["samples"].items():
            cells = []
            for v in variants:
                n = list(per.get(v, {}).values())
                cells.append("–" if not n else f"{min(n):,.0f}–{max(n):,.0f}" + (" ⚠" if min(n) < MIN_SAMPLES_P99 else ""))
            lines.append(f"| {row} | " + " | ".join(cells) + " |")
    if s["help"]:
        lines += ["", "The server's scheduling as the kernel showed it (policy/nice/se.slice ns of an nginx worker, "
                  "per block): " + "; ".join(
                      f"{v}: " + ", ".join(sorted({f"{int(s['help'].get('worker_policy', {}).get(v, {}).get(r, -1))}/"
                                                   f"{int(s['help'].get('worker_nice', {}).get(v, {}).get(r, -1))}/"
                                                   f"{int(s['help'].get('worker_slice_ns', {}).get(v, {}).get(r, -1))}"
                                                   for r in s['help'].get('worker_policy', {}).get(v, {})}))
                      for v in variants if v in s["help"].get("worker_policy", {}))]
    counters = dict(s["counters"])
    shown = list(SHOWN) + sorted(m for m in counters if m not in SHOWN and m in s.get("legacy", []))
    shown = [m for m in shown if m in counters]
    lines += [""] if shown else []
    for m in shown:
        c = counters[m]
        lines.append(f"{m} per block: " + "; ".join(f"{v}: {sorted(c[v].values())}" for v in variants if v in c))
    if s["failures"]:
        lines += ["", "Failures:"] + [f"- {x}" for x in s["failures"]]
    return "\n".join(lines) + "\n"


def boots_summary(boot_summaries, meta):
    """Per metric and pair: each boot's ratio and interval, the spread between boots (largest / smallest
    ratio) and whether the boots disagree (intervals that do not overlap, or ratios on both sides of 1)."""
    out = dict(meta, boots=len(boot_summaries), metrics={})
    variants = meta["variants"]
    pairs = [(x, b) for i, x in enumerate(variants) for b in variants[:i]]
    names = order_metrics({m for s in boot_summaries for m in s["metrics"]})
    for m in names:
        e = out["metrics"].setdefault(m, {"kind": kind(m), "label": LABELS.get(m, "")})
        for x, b in pairs:
            per = [s["metrics"].get(m, {}).get(f"{x}/{b}") for s in boot_summaries]
            rs = [c["ratio"] for c in per if c and c["ratio"]]
            cis = [c["ci"] for c in per if c and c["ci"]]
            e[f"{x}/{b}"] = {
                "per_boot": per,
                "spread": max(rs) / min(rs) if len(rs) >= 2 else None,
                "disagree": bool(len(rs) >= 2 and (min(rs) < 1 < max(rs) or
                                                  (len(cis) >= 2 and max(c[0] for c in cis) > min(c[1] for c in cis))))}
    return out


def boots_markdown(s, boot_summaries):
    variants = s["variants"]
    pairs = [(x, b) for i, x in enumerate(variants) for b in variants[:i]]
    lines = [headline(boot_summaries[0]), "",
             f"{s['boots']} boots of the same comparison (each summarized in its bootK/summary.md). Per pair: each "
             "boot's ratio [t 95% interval], then the spread between boots (largest ratio / smallest); ⚠ where the "
             "boots disagree (ratios on both sides of 1, or intervals that do not overlap).", "",
             "| metric | " + " | ".join(f"{x} vs {b}" for x, b in pairs) + " |", "|---" * (1 + len(pairs)) + "|"]
    for m, e in s["metrics"].items():
        cells = []
        for x, b in pairs:
            c = e[f"{x}/{b}"]
            txt = "; ".join(fmt(p) for p in c["per_boot"])
            if c["spread"] is not None:
                txt += f"; spread {c['spread']:.2f}x" + (" ⚠" if c["disagree"] else "")
            cells.append(txt)
        lines.append(f"| {m} ({e['kind']}" + (f"; {e['label']}" if e["label"] else "") + ") | " + " | ".join(cells) + " |")
    fails = [f"boot {i + 1}: {x}" for i, b in enumerate(boot_summaries) for x in b["failures"]]
    if fails:
        lines += ["", "Failures:"] + [f"- {x}" for x in fails]
    return "\n".join(lines) + "\n"


def write(folder, root):
    """Summarizes folder (its compare.result, or boot*/compare.result); prints summary.md; returns 0."""
    meta = json.load(open(os.path.join(folder, "compare.json")))
    boots = sorted((d for d in os.listdir(folder) if d.startswith("boot") and d[4:].isdigit()
                    and os.path.exists(os.path.join(folder, d, "compare.result"))), key=lambda d: int(d[4:]))
    if not boots:
        s = summarize(os.path.join(folder, "compare.result"), meta, root)
        json.dump(s, open(os.path.join(folder, "summary.json"), "w"), indent=1, default=list)
        open(os.path.join(folder, "summary.md"), "w").write(markdown(s))
        print(markdown(s), end="")
        return 0
    per = []
    for d in boots:
        s = summarize(os.path.join(folder, d, "compare.result"), dict(meta, boot=int(d[4:])), root)
        json.dump(s, open(os.path.join(folder, d, "summary.json"), "w"), indent=1, default=list)
        open(os.path.join(folder, d, "summary.md"), "w").write(markdown(s))
        per.append(s)
    s = boots_summary(per, meta)
    json.dump(s, open(os.path.join(folder, "summary.json"), "w"), indent=1, default=list)
    md = boots_markdown(s, per)
    open(os.path.join(folder, "summary.md"), "w").write(md)
    print(md, end="")
    return 0


def main(argv):
    ap = argparse.ArgumentParser(prog="bench/vm/compare_report.py", description=__doc__)
    ap.add_argument("folder", help="results folder of bench/vm/compare (with compare.json)")
    ap.add_argument("--root", default=os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "../..")),
                    help="the project tree whose bpf/, dispatcher/, policies/ are checked against the run's commit")
    a = ap.parse_args(argv)
    return write(a.folder, a.root)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
