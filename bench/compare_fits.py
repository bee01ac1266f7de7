#!/usr/bin/env python3
"""compare_fits.py - the least squares, logistic regression and k-means
figures of bench/README.md from one raw file of ../shared/bench/run_all.sh
(lines `name seconds k=v,...`; '#' lines ignored but "# load ..." ones; the
`loadavg` job of bench/jobs.txt gives the load average at each round).

Usage: compare_fits.py RAW [RAW ...]   (several files: each on its own)
Prints, for each section, a Markdown table of medians with the quality
numbers of each job, then the ratios the issue asks for, each against the
anchor measured in the same run, with the goal beside it, and how far
aiwb's quality numbers are from the anchors'.

SPDX-License-Identifier: GPL-3.0-or-later
"""
import statistics
import sys

SECTIONS = (
    ("Least squares (reg_1m)",
     ("sk_ols", "sk_ridge", "sk_ridge_1t", "np_lstsq", "aiwb_ols", "aiwb_ridge", "aiwb_ols_1t",
      "aiwb_ridge_1t", "aiwb_ols_train", "aiwb_ridge_gcv"),
     ("r2_test", "r2_train", "intercept", "coef_l2")),
    ("Logistic regression (cls_200k)",
     ("sk_logreg_lbfgs", "sk_logreg_lbfgs_1t", "liblinear_s0", "aiwb_logreg", "aiwb_logreg_1t"),
     ("acc", "logloss", "obj", "n_iter", "init_s", "cpu_s")),
    ("k-means (blobs_200k, one thread)",
     ("sk_kmeans_lloyd_1t", "sk_kmeans_lloyd_100it_1t", "aiwb_kmeans_1t", "aiwb_kmeans_100it_1t"),
     ("s_per_iter", "inertia", "n_iter", "ari", "prepare_s")),
)


def read(path):
    runs, loads = {}, []
    for line in open(path):
        if line.startswith("# load"):
            loads.append(line[2:].strip())
            continue
        parts = line.split()
        if line.startswith("#") or len(parts) != 3:
            continue
        d = runs.setdefault(parts[0], {"s": [], "m": {}})
        d["s"].append(float(parts[1]))
        for kv in parts[2].split(","):
            k, _, v = kv.partition("=")
            try:
                d["m"].setdefault(k, []).append(float(v))
            except ValueError:
                pass
    return runs, loads


def rel(a, b):
    return abs(a - b) / max(abs(b), 1e-300)


def ratio_line(med, ours, anchor, goal, what="fit s"):
    if ours in med and anchor in med:
        r = med[ours] / med[anchor]
        verdict = "" if goal is None else (" met" if r <= goal else " **missed**")
        goal_txt = "" if goal is None else f" | at most {goal}{verdict}"
        print(f"| {ours} / {anchor} ({what}) | {med[ours]:.4g} / {med[anchor]:.4g} = "
              f"**{r:.2f}**{goal_txt} |")


def report(path):
    runs, loads = read(path)
    med = {k: statistics.median(d["s"]) for k, d in runs.items()}
    q = {k: {m: statistics.median(v) for m, v in d["m"].items()} for k, d in runs.items()}
    print(f"## {path}\n")
    for ld in loads:
        print(f"- {ld}")
    if "loadavg" in runs:
        la = runs["loadavg"]["m"]
        print("- load average at the start of each round (1 min): "
              + ", ".join(f"{v:.2f}" for v in la["load1"])
              + "; 5 min: " + ", ".join(f"{v:.2f}" for v in la["load5"]))
    for title, jobs, quality in SECTIONS:
        present = [j for j in jobs if j in runs]
        if not present:
            continue
        print(f"\n### {title}\n")
        print("| job | runs | median s (min-max) | proc_s | peak RSS MiB | "
              + " | ".join(quality) + " |")
        print("|---|---|---|---|---|" + "---|" * len(quality))
        for k in present:
            d, m = runs[k], q[k]
            cells = " | ".join(f"{m[x]:.10g}" if x in m else "" for x in quality)
            print(f"| {k} | {len(d['s'])} | {med[k]:.4f} ({min(d['s']):.4f}-{max(d['s']):.4f}) "
                  f"| {m.get('proc_s', float('nan')):.2f} | {m.get('rss_mb', float('nan')):.0f} "
                  f"| {cells} |")
        print("\n| ratio of medians | value | goal |\n|---|---|---|")
        if title.startswith("Least"):
            for ours in ("aiwb_ols", "aiwb_ridge"):
                ratio_line(med, ours, "sk_ridge", 0.5)
            for ours in ("aiwb_ols_1t", "aiwb_ridge_1t"):
                ratio_line(med, ours, "sk_ridge_1t", 0.5)
            for ours in ("aiwb_ols_train", "aiwb_ridge_gcv"):
                ratio_line(med, ours, "sk_ridge", None)
        elif title.startswith("Logistic"):
            # the same thread count: OpenBLAS's default (2 here) beside scikit-learn's
            # default, one thread beside scikit-learn's _1t and LIBLINEAR (one thread)
            pairs = [("aiwb_logreg", "sk_logreg_lbfgs"), ("aiwb_logreg_1t", "sk_logreg_lbfgs_1t"),
                     ("aiwb_logreg_1t", "liblinear_s0")]
            anchors = [a for a in ("sk_logreg_lbfgs", "sk_logreg_lbfgs_1t", "liblinear_s0")
                       if a in med]
            if anchors:
                fastest = min(anchors, key=lambda a: med[a])
                pairs += [(ours, fastest) for ours in ("aiwb_logreg", "aiwb_logreg_1t")]
            for ours, anchor in dict.fromkeys(pairs):
                ratio_line(med, ours, anchor, 0.7)
        else:
            mp = {k: q[k]["s_per_iter"] for k in q if "s_per_iter" in q[k]}
            ratio_line(mp, "aiwb_kmeans_100it_1t", "sk_kmeans_lloyd_100it_1t", 0.7,
                       "s per iteration")
            ratio_line(mp, "aiwb_kmeans_1t", "sk_kmeans_lloyd_1t", 0.7, "s per iteration")
        print()
        pairs = {
            "Least": (("aiwb_ols", "sk_ols"), ("aiwb_ols", "np_lstsq"), ("aiwb_ridge", "sk_ridge")),
            "Logis": (("aiwb_logreg", "sk_logreg_lbfgs"), ("aiwb_logreg", "liblinear_s0")),
            "k-mea": (("aiwb_kmeans_1t", "sk_kmeans_lloyd_1t"),
                      ("aiwb_kmeans_100it_1t", "sk_kmeans_lloyd_100it_1t")),
        }[title[:5]]
        for ours, anchor in pairs:
            if ours in q and anchor in q:
                keys = [x for x in quality if x in q[ours] and x in q[anchor]
                        and x not in ("s_per_iter", "init_s", "cpu_s", "prepare_s")]
                diffs = ", ".join(f"{x} {q[ours][x]:.10g} vs {q[anchor][x]:.10g} "
                                  f"(rel. {rel(q[ours][x], q[anchor][x]):.1e})" for x in keys)
                print(f"- {ours} against {anchor}: {diffs}")
    print()


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: compare_fits.py RAW [RAW ...]")
    for path in sys.argv[1:]:
        report(path)


if __name__ == "__main__":
    main()
