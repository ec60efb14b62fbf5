#!/usr/bin/env python3
"""compare_mmus.py: shadow vs TDP side by side for two databases of one
guest: faults by result, SPTE changes by reason, TLB flushes by reason and
the fault latency distribution, each as grouped bars / lines of both runs."""
import hvplot
import fault_latency


def by(db, sql):
    return dict(db.execute(sql).fetchall())


def grouped_bars(ax, title, names, runs):
    """runs: [(label, {key: n})]; bars of each run side by side per key."""
    keys = sorted({k for _, d in runs for k in d})
    width = 0.8 / max(1, len(runs))
    for i, (lab, d) in enumerate(runs):
        xs = [x + i * width for x in range(len(keys))]
        ax.bar(xs, [d.get(k, 0) for k in keys], width=width, label=lab)
    ax.set_xticks([x + width * (len(runs) - 1) / 2 for x in range(len(keys))])
    ax.set_xticklabels([hvplot.name(names, k) for k in keys], rotation=30, ha="right")
    ax.set_title(title)
    ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3)


def main():
    args = hvplot.parse_args(__doc__, two=True)
    dbs = [(hvplot.label(db, p), db) for p in (args.db, args.db2) for db in [hvplot.connect(p)]]
    fig, axes = hvplot.plt.subplots(2, 2, figsize=(12, 8))
    grouped_bars(axes[0][0], "Faults by result", hvplot.FAULT_RESULTS,
                 [(lab, by(db, "SELECT aux, count(*) FROM events WHERE type = 4 GROUP BY 1"))
                  for lab, db in dbs])
    grouped_bars(axes[0][1], "SPTE changes by reason", hvplot.SPTE_REASONS,
                 [(lab, by(db, "SELECT reason, count(*) FROM events WHERE type = 1 GROUP BY 1"))
                  for lab, db in dbs])
    grouped_bars(axes[1][0], "TLB flushes by reason", hvplot.FLUSH_REASONS,
                 [(lab, by(db, "SELECT reason, count(*) FROM events WHERE type = 2 GROUP BY 1"))
                  for lab, db in dbs])
    ax = axes[1][1]
    for lab, db in dbs:
        hist = fault_latency.log2_bins(db)
        total = {}
        for h in hist.values():
            for k, n in h.items():
                total[k] = total.get(k, 0) + n
        ks = sorted(total)
        ax.step([2 ** (k - 1) if k else 0.5 for k in ks], [total[k] for k in ks], where="post", label=lab)
    ax.set_xscale("log", base=2)
    ax.set_xlabel("fault latency (TSC ticks, power-of-two bins)")
    ax.set_ylabel("faults")
    ax.set_title("Fault latency")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.suptitle("Shadow vs TDP, same guest")
    hvplot.save(fig, args.out)


if __name__ == "__main__":
    main()
