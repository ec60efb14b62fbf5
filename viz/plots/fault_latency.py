#!/usr/bin/env python3
"""fault_latency.py: histogram of fault latency (fault_end.tsc - fault.tsc,
fault_end.b = the fault's seq), one series per fault result, log-spaced
bins. Latencies are binned in SQL by powers of two of TSC ticks."""
import collections

import hvplot


def log2_bins(db):
    """{result: {k: n}}: faults whose latency lies in [2^k, 2^(k+1)) ticks."""
    rows = db.execute("SELECT e.aux, e.tsc - f.tsc FROM events e JOIN events f"
                      " ON f.seq = e.b WHERE e.type = 4 AND f.type = 3")
    hist = collections.defaultdict(collections.Counter)
    for result, ticks in rows:
        hist[result][max(0, int(ticks)).bit_length()] += 1
    return hist


def plot(db, path, ax):
    hist = log2_bins(db)
    hz = hvplot.meta(db, "tsc_hz") or 0
    scale, unit = (1e9 / hz, "ns") if isinstance(hz, int) and hz > 0 else (1, "TSC ticks")
    for result in sorted(hist):
        ks = sorted(hist[result])
        edges = [(2 ** (k - 1) if k else 0) * scale for k in ks]
        ax.step(edges, [hist[result][k] for k in ks], where="post",
                label=f"{hvplot.name(hvplot.FAULT_RESULTS, result)} ({sum(hist[result].values()):,})")
    ax.set_xscale("symlog", linthresh=max(scale, 1))
    ax.set_xlabel(f"latency, fault to fault_end ({unit}, power-of-two bins)")
    ax.set_ylabel("faults")
    ax.set_title(f"Fault latency ({hvplot.label(db, path)})")
    if hist:
        ax.legend(title="result")
    ax.grid(alpha=0.3)


def main():
    args = hvplot.parse_args(__doc__)
    db = hvplot.connect(args.db)
    fig, ax = hvplot.figure()
    plot(db, args.db, ax)
    hvplot.save(fig, args.out)


if __name__ == "__main__":
    main()
