#!/usr/bin/env python3
"""plot_all.py: every plot of one trace database (and the side-by-side
comparison when a second one is given) into a folder:

    plot_all.py --out build/plots DB [DB2]      (make plots DB=... [DB2=...])
"""
import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SINGLE = ["faults_over_time", "spte_changes", "flushes_over_time", "fault_latency"]


def run(script, args):
    cmd = [sys.executable, os.path.join(HERE, script + ".py")] + args
    return subprocess.call(cmd)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--out", required=True, help="folder for the PNGs")
    p.add_argument("db")
    p.add_argument("db2", nargs="?")
    a = p.parse_args()
    status = 0
    for db, tag in [(a.db, ""), (a.db2, "-2")]:
        if not db:
            continue
        for s in SINGLE:
            status |= run(s, [db, "--out", os.path.join(a.out, f"{s}{tag}.png")])
    if a.db2:
        status |= run("compare_mmus", [a.db, a.db2, "--out", os.path.join(a.out, "compare_mmus.png")])
    sys.exit(1 if status else 0)


if __name__ == "__main__":
    main()
