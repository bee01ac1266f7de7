#!/bin/sh
# make-reference.sh - copy Weka's example ARFF files here and write down what
# Weka itself reads in them, for tests/unit/test-arff.c.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Needs Weka 3.6 and Java 11 or newer (Debian 12: apt-get install weka).
# Regenerate with:  sh tests/data/arff/make-reference.sh
# It writes, beside itself:
#   the example files (soybean and credit-g gzipped, to test .arff.gz),
#   weka-summary.txt  what `java weka.core.Instances FILE` prints for each file
#                     (type, missing and distinct counts of every attribute),
#   reference.txt     what WekaReference.java prints: levels and their counts,
#                     means, minima and maxima, weights, and small files cell
#                     by cell. Dates are read in UTC (-Duser.timezone=UTC), as
#                     aiwb reads them.
# features.arff, sparse.arff and dates.arff are made by hand and only read here.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
jar=${WEKA_JAR:-/usr/share/java/weka.jar}
examples=${WEKA_EXAMPLES:-/usr/share/doc/weka/examples}
java="java -Duser.timezone=UTC -Dfile.encoding=UTF-8 -cp $jar"

cd "$here"
for f in labor breast-cancer vote cpu.with.vendor weather.nominal; do
    cp "$examples/$f.arff" "$f.arff"
done
for f in soybean credit-g; do
    gzip -9n <"$examples/$f.arff" >"$f.arff.gz"
done

files="labor.arff breast-cancer.arff vote.arff cpu.with.vendor.arff weather.nominal.arff
soybean.arff.gz credit-g.arff.gz features.arff sparse.arff dates.arff"
version=$($java weka.core.Version | head -n 1)

{
    echo "# weka.core.Instances FILE, Weka $version (made by make-reference.sh; do not edit)"
    for f in $files; do
        echo "== $f"
        $java weka.core.Instances "$f"
    done
} >weka-summary.txt

{
    echo "# WekaReference.java, Weka $version, dates in UTC (made by make-reference.sh; do not edit)"
    # shellcheck disable=SC2086
    $java WekaReference.java $files
} >reference.txt
