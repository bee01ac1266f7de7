#!/usr/bin/python3
# agree.py - the steps of run.sh: expand jobs.txt, run aiwb's and scikit-learn's
# cross-validations, and write the table comparing them with Weka's.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
#   agree.py weka-jobs JOBS DATA SEEDS          Weka's jobs (WekaCV.java's input) on stdout
#   agree.py aiwb JOBS DATA SEEDS AIWB TMPDIR   aiwb's fold accuracies (CSV) on stdout
#   agree.py sklearn JOBS DATA SEEDS            scikit-learn's fold accuracies on stdout
#   agree.py table JOBS SEEDS FOLDS.csv         the Markdown table on stdout
#
# Fold CSV: tool,dataset,algorithm,seed,fold,accuracy (one line per test fold).
import csv
import math
import os
import re
import subprocess
import sys

FOLDS = 10


def parse_jobs(path):
    """Return ({name: (file, target)}, [(algorithm, [datasets], aiwb, weka, sklearn)])."""
    data, jobs = {}, []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("data "):
                _, name, file, target = line.split()
                data[name] = (file, target)
                continue
            fields = [x.strip() for x in line.split("|")]
            if len(fields) != 5:
                sys.exit(f"{path}: expected 5 fields separated by '|': {line}")
            algo, sets, aiwb, weka, skl = fields
            for d in sets.split():
                if d not in data:
                    sys.exit(f"{path}: unknown dataset '{d}' in: {line}")
            jobs.append((algo, sets.split(), aiwb, weka, skl))
    return data, jobs


def n_features(arff):
    """The number of attributes of an ARFF file but the last (the class)."""
    with open(arff, errors="replace") as f:
        return sum(1 for line in f if line.lower().startswith("@attribute")) - 1


def seeds_of(text):
    return [int(s) for s in text.split()]


def cmd_weka_jobs(jobs_path, data_dir, seeds):
    data, jobs = parse_jobs(jobs_path)
    for algo, sets, _, weka, _ in jobs:
        if weka == "-":
            continue
        cls, _, opts = weka.partition(" ")
        for d in sets:
            arff = os.path.join(data_dir, data[d][0])
            o = opts.replace("{sqrtp}", str(max(1, int(math.sqrt(n_features(arff))))))
            for s in seeds_of(seeds):
                print("\t".join([d, algo, arff, str(s), "weka.classifiers." + cls, o]))


def aiwb_folds(aiwb, workspace, arff, target, spec, seed):
    """Run one `cv` in a fresh workspace; return its fold accuracies and its warnings."""
    algo, _, rest = spec.partition(" ")
    if os.path.exists(workspace):
        os.remove(workspace)
    cmds = (f"load d {arff}; cv {algo} on d target={target} folds={FOLDS} seed={seed} {rest}; "
            "runs 1")
    p = subprocess.run([aiwb, "-w", workspace, "--format=csv", "-c", cmds],
                       capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"aiwb failed ({p.returncode}) on: {cmds}\n{p.stderr}")
    accs, in_folds = [], False
    for row in csv.reader(p.stdout.splitlines()):
        if row[:2] == ["fold", "accuracy"]:
            in_folds = True
        elif in_folds and row:
            accs.append(float(row[1]))
        elif in_folds:
            break
    if len(accs) != FOLDS:
        sys.exit(f"aiwb gave {len(accs)} folds on: {cmds}\n{p.stdout}")
    # The distinct warnings, numbers left out (one line for ten folds alike).
    number = r"(?<![\w.])-?\d+(\.\d+)?(e[-+]?\d+)?"
    warnings = sorted({re.sub(number, "#", w) for w in p.stderr.splitlines() if "warning" in w})
    return accs, warnings


def cmd_aiwb(jobs_path, data_dir, seeds, aiwb, tmp):
    data, jobs = parse_jobs(jobs_path)
    w = csv.writer(sys.stdout)
    cache = {}
    for algo, sets, spec, _, _ in jobs:
        if spec == "-":
            continue
        for d in sets:
            arff = os.path.join(data_dir, data[d][0])
            for s in seeds_of(seeds):
                key = (d, spec, s)
                if key not in cache:
                    cache[key] = aiwb_folds(aiwb, os.path.join(tmp, "cv.db"), arff,
                                            data[d][1], spec, s)
                    for warning in cache[key][1]:
                        print(f"aiwb {d} {spec} seed={s}: {warning}", file=sys.stderr)
                for i, a in enumerate(cache[key][0]):
                    w.writerow(["aiwb", d, algo, s, i + 1, repr(a)])
            sys.stdout.flush()


def load_arff(path):
    """X (numeric features as floats) and y (class labels) of an ARFF file."""
    import numpy as np
    from scipy.io import arff
    rows, meta = arff.loadarff(path)
    names = meta.names()
    X = np.column_stack([rows[n].astype(float) for n in names[:-1]])
    y = np.array([v.decode() if isinstance(v, bytes) else v for v in rows[names[-1]]])
    return X, y


def cmd_sklearn(jobs_path, data_dir, seeds):
    import warnings
    import numpy as np  # noqa: F401 (used by eval)
    from sklearn.ensemble import RandomForestClassifier  # noqa: F401 (used by eval)
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression  # noqa: F401
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.naive_bayes import GaussianNB  # noqa: F401
    from sklearn.neighbors import KNeighborsClassifier  # noqa: F401
    from sklearn.neural_network import MLPClassifier  # noqa: F401
    from sklearn.pipeline import make_pipeline  # noqa: F401
    from sklearn.preprocessing import FunctionTransformer, MinMaxScaler, StandardScaler  # noqa
    from sklearn.tree import DecisionTreeClassifier  # noqa: F401
    data, jobs = parse_jobs(jobs_path)
    w = csv.writer(sys.stdout)
    cache = {}
    for algo, sets, _, _, expr in jobs:
        if expr == "-":
            continue
        for d in sets:
            X, y = load_arff(os.path.join(data_dir, data[d][0]))
            for s in seeds_of(seeds):
                key = (d, expr, s)
                if key not in cache:
                    est = eval(expr, globals() | locals(), {"seed": s})
                    cv = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=s)
                    with warnings.catch_warnings(record=True) as caught:
                        warnings.simplefilter("always", ConvergenceWarning)
                        cache[key] = cross_val_score(est, X, y, cv=cv, scoring="accuracy")
                    n = sum(1 for c in caught if issubclass(c.category, ConvergenceWarning))
                    if n:
                        print(f"sklearn {d} {expr} seed={s}: {n} folds did not converge",
                              file=sys.stderr)
                for i, a in enumerate(cache[key]):
                    w.writerow(["sklearn", d, algo, s, i + 1, repr(float(a))])
            sys.stdout.flush()


def stats(folds):
    """Mean, fold sd and repetition sd of {seed: [fold accuracies]}, in percent."""
    runs = [v for _, v in sorted(folds.items())]
    allf = [a for r in runs for a in r]
    mean = sum(allf) / len(allf)
    within = [sum((a - sum(r) / len(r)) ** 2 for a in r) / (len(r) - 1) for r in runs]
    sd = math.sqrt(sum(within) / len(within))
    means = [sum(r) / len(r) for r in runs]
    rsd = (math.sqrt(sum((m - mean) ** 2 for m in means) / (len(means) - 1))
           if len(means) > 1 else float("nan"))
    return 100 * mean, 100 * sd, 100 * rsd, len(runs)


def verdict(a, b, rough):
    """The difference a - b, its noise bound, the verdict and the repetition z score."""
    (ma, sa, ra, na), (mb, sb, rb, nb) = a, b
    diff = ma - mb
    bound = 2 * math.sqrt(sa ** 2 / FOLDS + sb ** 2 / FOLDS)
    if na > 1 and nb > 1:
        se = math.sqrt(ra ** 2 / na + rb ** 2 / nb)
        z = diff / se if se > 0 else (0.0 if diff == 0 else float("inf"))
        zs = f", z {z:+.1f}"
    else:
        zs = ""
    if rough:
        word = "(other algorithm)"
    else:
        word = "ok" if abs(diff) <= bound else "**beyond noise**"
    return f"{diff:+.1f} (±{bound:.1f}) {word}{zs}", abs(diff) <= bound


def cmd_table(jobs_path, seeds, folds_csv):
    _, jobs = parse_jobs(jobs_path)
    got, pooled = {}, {}
    with open(folds_csv) as f:
        for tool, d, algo, s, _, a, *n in csv.reader(f):
            got.setdefault((tool, d, algo), {}).setdefault(int(s), []).append(float(a))
            if n:  # Weka's: the fold's size, for the pooled accuracy Weka prints
                c = pooled.setdefault((d, algo, s), [0.0, 0, []])
                c[0] += float(a) * int(n[0])
                c[1] += int(n[0])
                c[2].append(float(a))
    r = len(seeds_of(seeds))
    print(f"Accuracy in percent: mean over {r} repetition(s) of stratified 10-fold CV (seeds "
          f"{', '.join(seeds.split())}) ± the sd of the fold accuracies within a CV. "
          "Differences: aiwb minus the other, (± the noise bound "
          "2·sqrt(sd_a²/10 + sd_b²/10)), the verdict, and z, the difference over its "
          "standard error from the spread of the repetitions' means "
          "(|z| well above 3: a systematic difference, however small).\n")
    print("| dataset | algorithm | aiwb | Weka 3.6 | scikit-learn | aiwb − Weka "
          "| aiwb − sklearn |")
    print("|---|---|---|---|---|---|---|")
    fails = 0
    for algo, sets, *_ in jobs:
        for d in sets:
            cell, st = {}, {}
            for tool in ("aiwb", "weka", "sklearn"):
                if (tool, d, algo) in got:
                    st[tool] = stats(got[(tool, d, algo)])
                    cell[tool] = f"{st[tool][0]:.1f} ± {st[tool][1]:.1f}"
                else:
                    cell[tool] = "—"
            dw = ds = "—"
            rough = "~" in algo
            if "aiwb" in st and "weka" in st:
                dw, ok = verdict(st["aiwb"], st["weka"], rough)
                fails += not ok and not rough
            if "aiwb" in st and "sklearn" in st:
                ds, ok = verdict(st["aiwb"], st["sklearn"], False)
                fails += not ok
            name = algo.replace("~", " vs Weka ")
            print(f"| {d} | {name} | {cell['aiwb']} | {cell['weka']} | {cell['sklearn']} "
                  f"| {dw} | {ds} |")
    print(f"\n{fails} comparison(s) beyond noise.")
    if pooled:
        gap = max(abs(100 * (c / n - sum(a) / len(a))) for c, n, a in pooled.values())
        print(f"Weka prints the pooled accuracy (correct / rows over all folds); it differs from "
              f"the mean of the fold accuracies above by at most {gap:.2f} points here.")


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    cmd, args = argv[1], argv[2:]
    if cmd == "weka-jobs":
        cmd_weka_jobs(*args)
    elif cmd == "aiwb":
        cmd_aiwb(*args)
    elif cmd == "sklearn":
        cmd_sklearn(*args)
    elif cmd == "table":
        cmd_table(*args)
    else:
        sys.exit(f"agree.py: unknown step '{cmd}'")


if __name__ == "__main__":
    main(sys.argv)
