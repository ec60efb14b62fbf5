#!/usr/bin/env python3
"""flushes_over_time.py: TLB flushes over time, cumulative, one line per
flush reason, from the tlb_flush records (type 2) of a trace database."""
import collections
import itertools

import hvplot


def plot(db, path, ax):
    t0, unit, unit_name = hvplot.time_axis(db)
    width = hvplot.bin_width(db, t0, bins=400)
    rows = db.execute("SELECT reason, (tsc - ?1) / ?2 AS bin, count(*) FROM events"
                      " WHERE type = 2 GROUP BY 1, 2 ORDER BY 1, 2", (t0, width))
    series = collections.defaultdict(lambda: ([], []))
    for reason, b, n in rows:
        xs, ys = series[reason]
        xs.append(b * width / unit)
        ys.append(n)
    for reason in sorted(series):
        xs, ys = series[reason]
        total = list(itertools.accumulate(ys))
        ax.step(xs, total, where="post",
                label=f"{hvplot.name(hvplot.FLUSH_REASONS, reason)} ({total[-1]:,})")
    hvplot.mark_run_end(db, ax, t0, unit)
    ax.set_xlabel(f"time ({unit_name})")
    ax.set_ylabel("TLB flushes so far")
    ax.set_title(f"TLB flushes over time by reason ({hvplot.label(db, path)})")
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
