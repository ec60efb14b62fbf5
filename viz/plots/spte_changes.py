#!/usr/bin/env python3
"""spte_changes.py: SPTE changes by reason (bars) split by level (stacks),
from the spte_change records (type 1) of a trace database."""
import hvplot


def counts(db):
    """{(reason, level): n}."""
    rows = db.execute("SELECT reason, level, count(*) FROM events WHERE type = 1"
                      " GROUP BY 1, 2")
    return {(r, lv): n for r, lv, n in rows}


def plot(db, path, ax):
    c = counts(db)
    reasons = sorted({r for r, _ in c})
    levels = sorted({lv for _, lv in c})
    bottom = [0] * len(reasons)
    names = [hvplot.name(hvplot.SPTE_REASONS, r) for r in reasons]
    for lv in levels:
        ys = [c.get((r, lv), 0) for r in reasons]
        ax.bar(names, ys, bottom=bottom, label=f"level {lv}")
        bottom = [b + y for b, y in zip(bottom, ys)]
    for x, total in enumerate(bottom):
        ax.annotate(f"{total:,}", (x, total), ha="center", va="bottom", fontsize=8)
    ax.set_ylabel("SPTE changes")
    ax.set_title(f"SPTE changes by reason and level ({hvplot.label(db, path)})")
    if levels:
        ax.legend(title="level (1 = 4 KiB)")
    ax.grid(axis="y", alpha=0.3)


def main():
    args = hvplot.parse_args(__doc__)
    db = hvplot.connect(args.db)
    fig, ax = hvplot.figure()
    plot(db, args.db, ax)
    hvplot.save(fig, args.out)


if __name__ == "__main__":
    main()
