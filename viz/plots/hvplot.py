"""hvplot.py: shared helpers for the hvlab trace plots (viz/plots/*.py).

Every plot reads a trace database made by `hvtrace import` (trace/schema.sql)
with the standard-library sqlite3 module, aggregates in SQL (so a 10M-event
trace never comes into memory), and writes a PNG with matplotlib's Agg
backend (no display needed).
"""
import argparse
import os
import sqlite3
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after the backend choice)

# enum values of trace/hvt_format.h (names as in schema.sql's lookup tables)
T_SPTE_CHANGE, T_TLB_FLUSH, T_FAULT, T_FAULT_END = 1, 2, 3, 4
SPTE_REASONS = ["", "map", "zap", "wrprot", "clear_dirty", "age", "split", "freeze",
                "fast_fix", "mmio", "sync", "prefetch", "teardown"]
FLUSH_REASONS = ["", "zap", "zap_per_table", "wrprot", "huge_replace", "new_root", "age",
                 "sync", "invlpg", "cr3", "frozen"]
FAULT_KINDS = ["", "tdp", "shadow", "mmio"]
FAULT_RESULTS = ["", "fixed", "spurious", "retry", "mmio", "emulated", "injected", "error"]
NO_VCPU = 65535


def name(table, i):
    """The name of enum value i, or its number if unknown."""
    return table[i] if 0 < i < len(table) and table[i] else str(i)


def connect(path):
    """Opens a trace database read-only; exits with a clear message if it is not one."""
    if not os.path.exists(path):
        sys.exit(f"{path}: no such file")
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        db.execute("SELECT seq, tsc, vcpu, type FROM events LIMIT 1").fetchall()
    except sqlite3.DatabaseError as err:
        sys.exit(f"{path}: not a trace database ({err})")
    return db


def meta(db, key, default=None):
    """One value of the meta table (the stream header)."""
    try:
        row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    except sqlite3.DatabaseError:
        return default
    return row[0] if row else default


def label(db, path):
    """"tdp svm: trace.db" for titles and legends."""
    mode = {1: "tdp", 2: "shadow"}.get(meta(db, "mmu_mode"), "?")
    vendor = {0: "host", 1: "vmx", 2: "svm"}.get(meta(db, "vendor"), "?")
    return f"{mode} {vendor}: {os.path.basename(path)}"


def time_axis(db):
    """(t0, ticks per unit, unit name): seconds when tsc_hz is known, else Mtsc."""
    t0 = db.execute("SELECT min(tsc) FROM events").fetchone()[0] or 0
    hz = meta(db, "tsc_hz") or 0
    if isinstance(hz, int) and hz > 0:
        return t0, hz, "s"
    return t0, 1_000_000, "M tsc ticks"


def bin_width(db, t0, bins=100):
    """A tsc bin width that splits the trace into about `bins` bins."""
    t1 = db.execute("SELECT max(tsc) FROM events").fetchone()[0] or t0
    return max(1, (t1 - t0) // bins + 1)


# Records only a running guest makes happen; the VM's teardown comes after the
# last of them (hv/README.md "The end of a run"; hvtui's app_teardown_start).
GUEST_TYPES = {3, 4, 5, 6, 12, 13, 14, 15, 16}
T_PT_FREE, T_MARKER, SR_TEARDOWN = 9, 16, 12


def teardown_start(db):
    """(seq, tsc) of the first record of the VM's teardown, or None: the records
    after the last guest one, when they hold a teardown SPTE change or a pt_free.
    Reads back from the end by the primary key (only the teardown's records)."""
    start, teardown = None, False
    for seq, typ, reason, tsc in db.execute(
            "SELECT seq, type, reason, tsc FROM events ORDER BY seq DESC"):
        if typ in GUEST_TYPES:
            break
        if (typ == T_SPTE_CHANGE and reason == SR_TEARDOWN) or typ == T_PT_FREE:
            teardown = True
        start = (seq, tsc)
    return start if teardown else None


def markers(db):
    """[(seq, tsc, label)] of the trace's markers (hv's labels, e.g. "fault livelock")."""
    out = []
    for seq, tsc, *words in db.execute(
            "SELECT seq, tsc, a, b, c, d, e FROM events WHERE type = ? ORDER BY seq LIMIT 20",
            (T_MARKER,)):
        raw = b"".join((w & (2**64 - 1)).to_bytes(8, "little") for w in words)
        out.append((seq, tsc, raw.split(b"\0")[0].decode("ascii", "replace")))
    return out


def mark_run_end(db, ax, t0, unit):
    """Shades the VM's teardown and draws each marker on a time axis, so that
    what happens at the end (a livelock stop, the teardown's zaps and flush)
    is not read as the guest's own work."""
    td = teardown_start(db)
    if td:
        t1 = db.execute("SELECT max(tsc) FROM events").fetchone()[0]
        ax.axvspan((td[1] - t0) / unit, max(t1 - t0, td[1] - t0 + 1) / unit, color="grey",
                   alpha=0.25, label=f"VM teardown (seq {td[0]}..)")
    for seq, tsc, text in markers(db):
        ax.axvline((tsc - t0) / unit, color="red", linestyle="--", linewidth=1,
                   label=f'marker "{text}" (seq {seq})')


def parse_args(doc, two=False):
    """Standard arguments: DB [DB2] --out FILE.png."""
    p = argparse.ArgumentParser(description=doc)
    p.add_argument("db", help="trace database (hvtrace import)")
    if two:
        p.add_argument("db2", help="second database of the same guest (the other MMU)")
    p.add_argument("--out", required=True, help="PNG to write")
    return p.parse_args()


def save(fig, out):
    """Writes the figure as a PNG and says where."""
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
    print(f"wrote {out}")


def figure(w=9, h=5):
    return plt.subplots(figsize=(w, h))
