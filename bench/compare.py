#!/usr/bin/env python3
"""compare.py - the CSV ingest figures of bench/README.md from a raw file of
../shared/bench/run_all.sh (lines `name seconds k=v,...`; '#' lines ignored).

Usage: compare.py RAW
Prints a Markdown table of medians, then the ratios the issue asks for:
aiwb against pandas.read_csv and against the one-pass C parser, and aiwb's
peak RSS against the 21,000,000 doubles it loads (168 MB).

SPDX-License-Identifier: GPL-3.0-or-later
"""
import statistics
import sys

DOUBLES_MIB = 21_000_000 * 8 / 2**20  # rss_mb is KiB / 1024 (from /usr/bin/time %M)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: compare.py RAW")
    runs = {}
    for line in open(sys.argv[1]):
        parts = line.split()
        if line.startswith("#") or len(parts) != 3:
            continue
        d = runs.setdefault(parts[0], {"s": [], "proc_s": [], "rss_mb": []})
        d["s"].append(float(parts[1]))
        for kv in parts[2].split(","):
            k, _, v = kv.partition("=")
            if k in ("proc_s", "rss_mb"):
                d[k].append(float(v))
    med = {k: {m: statistics.median(v) for m, v in d.items() if v} for k, d in runs.items()}
    print("| job | runs | median s (min-max) | proc_s | peak RSS MiB |")
    print("|---|---|---|---|---|")
    for k, d in runs.items():
        print(f"| {k} | {len(d['s'])} | {med[k]['s']:.3f} ({min(d['s']):.3f}-{max(d['s']):.3f}) "
              f"| {med[k]['proc_s']:.2f} | {med[k]['rss_mb']:.0f} |")
    print()
    for ours in ("aiwb_load", "aiwb_load_1t"):
        if ours not in med:
            continue
        s = med[ours]["s"]
        if "ingest_pandas" in med:
            p = med["ingest_pandas"]["s"]
            print(f"- {ours}: pandas.read_csv / {ours} = {p:.3f} / {s:.3f} = {p / s:.2f}x "
                  f"(goal: at least 4x)")
        if "c_fastpath_parse" in med:
            c = med["c_fastpath_parse"]["s"]
            print(f"- {ours}: {ours} / c_fastpath = {s:.3f} / {c:.3f} = {s / c:.2f} "
                  f"(goal: at most 1.25)")
        r = med[ours]["rss_mb"]
        print(f"- {ours}: peak RSS {r:.0f} MiB = {r / DOUBLES_MIB:.2f}x the {DOUBLES_MIB:.1f} MiB "
              f"(168 MB) of doubles (goal: at most 1.5x)")


if __name__ == "__main__":
    main()
