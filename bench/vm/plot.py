# PNG plots of one vCPU count of a run (matplotlib): paired speedups with CIs and reps, p99 per rep, latency CDFs.
import math
import os
import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402

import results as R  # noqa: E402
import stats as S  # noqa: E402
import tables  # noqa: E402

COLOR = {"eevdf": "#7f7f7f", "eevdf2": "#bcbd22", "simple": "#1f77b4", "userland": "#2ca02c", "central": "#9467bd", "qmap": "#8c564b",
         "lsf": "#d62728"}


def _footer(fig, doc):
    m = doc["meta"]
    fig.text(0.01, 0.005, f"Produced by {m['command']} ({tables.date_of(m)}, git {m['git']}), {m['smp']} vCPUs, "
             f"{m['reps']} reps; data: {os.path.basename(doc['files']['json'])}", fontsize=6.5, color="#444",
             ha="left", va="bottom")


def _by_rep(doc, sched, metric):
    return {int(k): v for k, v in doc["summary"].get(metric, {}).get(sched, {}).get("by_rep", {}).items()}


def throughput(doc, path):
    scheds = tables.scheds_of(doc)
    ref = "eevdf" if "eevdf" in scheds else scheds[0]
    metrics = list(R.THROUGHPUT)
    fig, ax = plt.subplots(figsize=(12, 5))
    width = 0.8 / max(len(scheds), 1)
    for i, sched in enumerate(scheds):
        for j, metric in enumerate(metrics):
            c = S.compare(_by_rep(doc, sched, metric), _by_rep(doc, ref, metric), R.THROUGHPUT[metric][2],
                          f"{metric}/{sched}/{ref}")
            if not c["n"]:
                continue
            x = j + (i - (len(scheds) - 1) / 2) * width
            err = [[c["ratio"] - c["ci"][0]], [c["ci"][1] - c["ratio"]]] if c["ci"] else None
            ax.bar(x, c["ratio"], width, yerr=err, capsize=2, color=COLOR[sched], alpha=0.75,
                   label=R.LABEL[sched] if j == 0 else None)
            ax.scatter([x] * len(c["ratios"]), c["ratios"], s=7, color="black", zorder=3)
    ax.axhline(1.0, color="black", lw=0.8)
    ax.set_yscale("log", base=2)
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}x"))
    ax.set_xticks(range(len(metrics)), [textwrap.fill(R.THROUGHPUT[m][0], 16) for m in metrics], fontsize=7)
    ax.set_ylabel(f"speed relative to {R.LABEL[ref]} in the same rep (log)")
    ax.set_title(f"Throughput relative to {R.LABEL[ref]} (higher is better): bars geometric mean, "
                 "whiskers 95% CI, dots each rep", fontsize=9)
    ax.legend(fontsize=7, ncol=3)
    fig.subplots_adjust(bottom=0.17)
    _footer(fig, doc)
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _grid(n):
    cols = 4
    return math.ceil(n / cols), cols


def latency_p99(doc, path):
    scheds, benches = tables.scheds_of(doc), list(R.LATENCY)
    rows, cols = _grid(len(benches))
    fig, axes = plt.subplots(rows, cols, figsize=(15, 3.2 * rows), squeeze=False)
    for ax, bench in zip(axes.flat, benches):
        for i, sched in enumerate(scheds):
            v = list(_by_rep(doc, sched, f"{bench}_p99").values())
            if not v:
                continue
            ax.scatter([i] * len(v), v, s=10, color=COLOR[sched])
            ax.hlines(R.median(v), i - 0.3, i + 0.3, color=COLOR[sched], lw=2)
        ax.set_yscale("log")
        ax.set_xticks(range(len(scheds)), [R.LABEL[s].replace("scx_", "") for s in scheds], fontsize=6.5)
        ax.set_title(textwrap.fill(R.LATENCY[bench], 48), fontsize=7)
        ax.grid(axis="y", which="both", alpha=0.3)
    for ax in list(axes.flat)[len(benches):]:
        ax.axis("off")
    fig.suptitle("p99 latency, µs (log): dots each rep, bar the median (lower is better)", fontsize=10)
    fig.subplots_adjust(hspace=0.6, wspace=0.25, top=0.91, bottom=0.05)
    _footer(fig, doc)
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _nines(q):
    return -math.log10(1 - q / 100)


def latency_cdf(doc, path):
    scheds, benches = tables.scheds_of(doc), list(R.LATENCY)
    rows, cols = _grid(len(benches))
    fig, axes = plt.subplots(rows, cols, figsize=(15, 3.2 * rows), squeeze=False)
    parsed = {"quantiles": doc["quantiles"]}
    for ax, bench in zip(axes.flat, benches):
        for sched in scheds:
            runs = R.quantile_runs(parsed, sched, bench)
            if not runs:
                continue
            qs = sorted({float(k) for r in runs for k in r if k.replace(".", "").isdigit()})
            key = [f"{q:g}" for q in qs]
            ok = lambda r, k: k in r and not R.censored(r, k)  # noqa: E731 (overflowed quantiles are left out)
            for r in runs:
                ax.plot([r[k] for k in key if ok(r, k)], [_nines(q) for q, k in zip(qs, key) if ok(r, k)],
                        color=COLOR[sched], alpha=0.25, lw=0.7)
            pts = [(R.median([r[k] for r in runs if ok(r, k)]), _nines(q)) for q, k in zip(qs, key)
                   if any(ok(r, k) for r in runs)]
            med, qs = [a for a, _ in pts], [b for _, b in pts]
            ax.plot(med, qs, color=COLOR[sched], lw=1.8, label=R.LABEL[sched])
        ticks = [50, 90, 99, 99.9, 99.99]
        ax.set_yticks([_nines(t) for t in ticks], [f"{t:g}%" for t in ticks], fontsize=6.5)
        ax.set_xscale("log")
        ax.set_title(textwrap.fill(R.LATENCY[bench], 48), fontsize=7)
        ax.grid(which="both", alpha=0.3)
    for ax in list(axes.flat)[len(benches):]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=6)
    fig.suptitle("Latency distribution, µs (log x): thick median of the reps, faint each rep (further left is better)",
                 fontsize=10)
    fig.subplots_adjust(hspace=0.6, wspace=0.25, top=0.91, bottom=0.05)
    _footer(fig, doc)
    fig.savefig(path, dpi=100)
    plt.close(fig)


def all_plots(doc, folder, prefix):
    img = os.path.join(folder, "img")
    os.makedirs(img, exist_ok=True)
    plots = [("throughput", "Throughput relative to EEVDF, per rep and with 95% CIs", throughput),
             ("latency-p99", "p99 latency per rep", latency_p99),
             ("latency-cdf", "Latency distributions", latency_cdf)]
    done = []
    for name, title, fn in plots:
        path = os.path.join(img, f"{prefix}-{name}.png")
        fn(doc, path)
        done.append({"path": path, "title": f"{title} ({doc['meta']['smp']} vCPUs)"})
    return done
