#!/usr/bin/env python3
"""faults_over_time.py: faults per vCPU over time (one line per vCPU, faults
per time bin), from the fault records (type 3) of a trace database."""
import collections

import hvplot


def fault_series(db, bins=100):
    """{vcpu: ([bin start], [faults])} binned in SQL; empty bins count 0."""
    t0, unit, unit_name = hvplot.time_axis(db)
    width = hvplot.bin_width(db, t0, bins)
    rows = db.execute("SELECT vcpu, (tsc - ?1) / ?2 AS bin, count(*) FROM events"
                      " WHERE type = 3 GROUP BY 1, 2", (t0, width))
    counts = collections.defaultdict(collections.Counter)
    for vcpu, b, n in rows:
        counts[vcpu][b] = n
    last = max((b for c in counts.values() for b in c), default=0)
    xs = [b * width / unit for b in range(last + 1)]
    series = {v: (xs, [c[b] for b in range(last + 1)]) for v, c in counts.items()}
    return series, unit_name, width / unit


def plot(db, path, ax):
    series, unit_name, width = fault_series(db)
    for vcpu in sorted(series):
        xs, ys = series[vcpu]
        who = "VMM" if vcpu == hvplot.NO_VCPU else f"vCPU {vcpu}"
        ax.plot(xs, ys, drawstyle="steps-post", label=who)
    t0, unit, _ = hvplot.time_axis(db)
    hvplot.mark_run_end(db, ax, t0, unit)
    ax.set_xlabel(f"time ({unit_name})")
    ax.set_ylabel(f"faults per bin ({width:.3g} {unit_name})")
    ax.set_title(f"Faults over time per vCPU ({hvplot.label(db, path)})")
    if ax.get_legend_handles_labels()[0]:
        ax.legend()
    ax.grid(alpha=0.3)


def main():
    args = hvplot.parse_args(__doc__)
    db = hvplot.connect(args.db)
    fig, ax = hvplot.figure()
    plot(db, args.db, ax)
    hvplot.save(fig, args.out)


if __name__ == "__main__":
    main()
