# PNG plots of a benchmark run (matplotlib): throughput vs EEVDF, latency percentile bars, latency CDFs.
import math
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import results as R  # noqa: E402
import tables  # noqa: E402

COLOR = {"eevdf": "#7f7f7f", "simple": "#1f77b4", "lsf": "#d62728"}


def _footer(fig, doc):
    fig.text(0.01, 0.01, "Produced by " + tables.provenance(doc).replace("`", ""), fontsize=6.5, color="#444",
             ha="left", va="bottom", wrap=True)


def throughput(doc, path):
    scheds, s = tables.scheds_of(doc), doc["summary"]
    metrics = list(R.THROUGHPUT)
    fig, ax = plt.subplots(figsize=(9, 4.8))
    width = 0.8 / max(len(scheds), 1)
    for i, sched in enumerate(scheds):
        xs, ys, lo, hi = [], [], [], []
        for j, metric in enumerate(metrics):
            kind = R.THROUGHPUT[metric][2]
            base = tables.med(s, metric, "eevdf")
            c = s.get(metric, {}).get(sched)
            if not c or not base:
                continue
            y = R.speed_ratio(kind, c["median"], base)
            a, b = R.speed_ratio(kind, c["min"], base), R.speed_ratio(kind, c["max"], base)
            xs.append(j + (i - (len(scheds) - 1) / 2) * width)
            ys.append(y)
            lo.append(y - min(a, b))
            hi.append(max(a, b) - y)
        ax.bar(xs, ys, width, yerr=[lo, hi], capsize=3, color=COLOR[sched], label=R.LABEL[sched])
        for x, y in zip(xs, ys):
            ax.text(x, y + 0.02, f"{y:.2f}", ha="center", va="bottom", fontsize=7)
    ax.axhline(1.0, color="black", lw=0.8)
    ax.set_xticks(range(len(metrics)), [R.THROUGHPUT[m][0] for m in metrics], fontsize=8)
    ax.set_ylabel("speed relative to EEVDF (median; bars: min–max of reps)")
    ax.set_title("Throughput relative to EEVDF (higher is better)")
    ax.legend(fontsize=8)
    fig.subplots_adjust(bottom=0.17)
    _footer(fig, doc)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def latency_bars(doc, path):
    scheds, s = tables.scheds_of(doc), doc["summary"]
    benches = list(R.LATENCY)
    fig, axes = plt.subplots(1, len(benches), figsize=(13, 4.8))
    width = 0.8 / max(len(scheds), 1)
    for ax, bench in zip(axes, benches):
        for i, sched in enumerate(scheds):
            xs, ys = [], []
            for j, p in enumerate(R.PCTS):
                metric = f"{bench}_max" if p == "max" else f"{bench}_p{p}"
                v = tables.med(s, metric, sched)
                if v:
                    xs.append(j + (i - (len(scheds) - 1) / 2) * width)
                    ys.append(v)
            ax.bar(xs, ys, width, color=COLOR[sched], label=R.LABEL[sched])
        ax.set_yscale("log")
        ax.set_xticks(range(len(R.PCTS)), [p if p == "max" else f"p{p}" for p in R.PCTS])
        ax.set_title(R.LATENCY[bench].replace(" under", "\nunder"), fontsize=8)
        ax.set_ylabel("latency, µs (median of reps, log)")
        ax.grid(axis="y", which="both", alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.suptitle("Latency percentiles under load (lower is better)")
    fig.subplots_adjust(bottom=0.14, top=0.82, wspace=0.3)
    _footer(fig, doc)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _nines(q):
    return -math.log10(1 - q / 100)


def latency_cdf(doc, path):
    scheds = tables.scheds_of(doc)
    benches = list(R.LATENCY)
    fig, axes = plt.subplots(1, len(benches), figsize=(13, 4.8))
    for ax, bench in zip(axes, benches):
        for sched in scheds:
            runs = [q["q"] for q in doc["quantiles"] if q["scheduler"] == sched and q["bench"] == bench]
            if not runs:
                continue
            qs = sorted({float(k) for r in runs for k in r if k.replace(".", "").isdigit()})
            for r in runs:  # each rep, faint
                ax.plot([r[_key(q)] for q in qs if _key(q) in r], [_nines(q) for q in qs if _key(q) in r],
                        color=COLOR[sched], alpha=0.25, lw=0.8)
            med = [R.median([r[_key(q)] for r in runs if _key(q) in r]) for q in qs]
            ax.plot(med, [_nines(q) for q in qs], color=COLOR[sched], lw=2, label=R.LABEL[sched], marker=".")
        ticks = [10, 50, 90, 99, 99.9, 99.99]
        ax.set_yticks([_nines(t) for t in ticks], [f"{t:g}%" for t in ticks])
        ax.set_xscale("log")
        ax.set_xlabel("latency, µs (log)")
        ax.set_ylabel("quantile")
        ax.set_title(R.LATENCY[bench].replace(" under", "\nunder"), fontsize=8)
        ax.grid(which="both", alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.suptitle("Latency distribution under load (thick: median of reps; faint: each rep; further left is better)")
    fig.subplots_adjust(bottom=0.18, top=0.82, wspace=0.3)
    _footer(fig, doc)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _key(q):
    return f"{q:g}"


def all_plots(doc, out_dir):
    plots = [("bench-throughput.png", "Throughput relative to EEVDF", throughput),
             ("bench-latency.png", "Latency percentiles under load", latency_bars),
             ("bench-latency-cdf.png", "Latency distribution under load", latency_cdf)]
    done = []
    for name, title, fn in plots:
        path = os.path.join(out_dir, name)
        fn(doc, path)
        done.append({"path": path, "title": title})
    return done
