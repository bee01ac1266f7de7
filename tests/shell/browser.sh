#!/bin/sh
# browser.sh - the issue's "done means": the SVG that `plot` writes and the
# HTML page that `report` writes open in a browser and show the charts.
# aiwb writes them; headless Chromium takes a screenshot of each; the PNG is
# decoded (python3's zlib and struct, nothing else) and must hold enough
# pixels of the charts' series colours (read from the SVG itself), inside
# the plot area. Two controls show that the check can fail: a blank SVG and a
# truncated copy of a good one must not pass it. xmllint (when installed)
# checks that the SVG files are well-formed XML. The page must hold no
# script and no external reference.
# Prints TAP; `make check` runs it with top_srcdir and top_builddir exported.
# Skipped when chromium is not installed (scripts/install-deps installs it).
#
# SPDX-License-Identifier: GPL-3.0-or-later

: "${top_srcdir:?run the tests with make check}"
: "${top_builddir:?run the tests with make check}"

chromium=
for c in chromium chromium-browser; do
    if command -v "$c" >/dev/null 2>&1; then
        chromium=$(command -v "$c")
        break
    fi
done
if [ -z "$chromium" ]; then
    echo "1..0 # SKIP chromium is not installed (apt-get install chromium)"
    exit 0
fi
python=/usr/bin/python3
[ -x "$python" ] || python=$(command -v python3)
if [ -z "$python" ]; then
    echo "1..0 # SKIP no python3 to decode the screenshots"
    exit 0
fi

echo "1..15"

n=0
ok() {
    n=$((n + 1))
    echo "ok $n - $1"
}
not_ok() {
    n=$((n + 1))
    echo "not ok $n - $1"
}
# check TEXT COMMAND...: one test, passing when COMMAND succeeds.
check() {
    text=$1
    shift
    if "$@"; then ok "$text"; else not_ok "$text"; fi
}
show() {
    sed 's/^/# /' "$1"
}

aiwb=$top_builddir/src/aiwb
work=$top_builddir/tests/tmp/browser-sh.$$
rm -rf "$work"
mkdir -p "$work/home" "$work/profile" || exit 99
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
trap 'exit 1' HUP INT TERM
cd "$work" || exit 99
work=$(pwd -P)
HOME=$work/home
XDG_STATE_HOME=$work/home/state
XDG_CONFIG_HOME=$work/home/config
XDG_CACHE_HOME=$work/home/cache
LC_ALL=C.UTF-8
OPENBLAS_NUM_THREADS=1
export HOME XDG_STATE_HOME XDG_CONFIG_HOME XDG_CACHE_HOME LC_ALL OPENBLAS_NUM_THREADS
unset AIWB_WORKSPACE AIWB_HISTFILE

# The files: a binary classifier's ROC and an MLP's training curve as SVG,
# and the report of the MLP (its curve, evaluation, confusion matrix, ROC,
# importance) as HTML.
"$aiwb" -c 'load b gen:classification n=400 features=4 seed=7; split b seed=3;
    train mlp on b.train target=class hidden=8 learning_rate=0.01 max_iter=60 seed=1 as m;
    eval m on b.test; plot roc m to roc.svg; plot curve 1 to curve.svg; report m to m.html' \
    >aiwb.log 2>&1
if [ -s roc.svg ] && [ -s curve.svg ] && [ -s m.html ]; then
    ok "aiwb wrote roc.svg, curve.svg and m.html"
else
    not_ok "aiwb wrote roc.svg, curve.svg and m.html"
    show aiwb.log
    echo "Bail out! nothing to look at"
    exit 1
fi

if command -v xmllint >/dev/null 2>&1; then
    check "xmllint: roc.svg and curve.svg are well-formed" \
        xmllint --noout roc.svg curve.svg
else
    ok "# SKIP no xmllint"
fi

# No script, no external reference: the only URL is the SVG namespace.
if grep -qi '<script\|<link\|<iframe\|<img\|src=\|href=\|url(\|@import' m.html roc.svg curve.svg ||
    grep -o 'https\?://[^"'"'"' )]*' m.html roc.svg curve.svg |
    grep -v ':http://www.w3.org/2000/svg$' | grep -q .; then
    not_ok "the page and the SVG files reference nothing outside themselves"
else
    ok "the page and the SVG files reference nothing outside themselves"
fi
check "the page holds its sections" \
    sh -c 'for s in "training curve\|curve of run" "evaluation of m:1" "confusion of m:1" \
               "ROC of m:1" "permutation importance of m:1"; do
               grep -q "$s" m.html || { echo "# missing: $s"; exit 1; }
           done'
check "the page's charts are inline SVG (4: curve, confusion, ROC, importance)" \
    test "$(grep -c '<svg' m.html)" -ge 4

# Two controls: a blank drawing, and the ROC cut in the middle (broken XML).
printf '%s\n' '<?xml version="1.0" encoding="UTF-8"?>' \
    '<svg xmlns="http://www.w3.org/2000/svg" width="800" height="460">' \
    '<rect width="800" height="460" fill="#ffffff"/></svg>' >blank.svg
head -c "$(($(wc -c <roc.svg) / 2))" roc.svg >broken.svg

# shot FILE PNG HEIGHT: a screenshot of FILE, 1000 pixels wide.
shot() {
    timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --hide-scrollbars \
        --user-data-dir="$work/profile" --no-first-run --disable-extensions \
        --screenshot="$work/$2" --window-size=1000,"$3" "file://$work/$1" \
        >"$work/$2.log" 2>&1
    [ -s "$work/$2" ] || { show "$work/$2.log"; return 1; }
}

check "chromium screenshots roc.svg" shot roc.svg roc.png 800
check "chromium screenshots curve.svg" shot curve.svg curve.png 800
check "chromium screenshots m.html" shot m.html m.png 4000
check "chromium screenshots the blank control" shot blank.svg blank.png 800
check "chromium screenshots the broken control" shot broken.svg broken.png 800

# pixels PNG SVG...: how many pixels of PNG are drawn in a series colour of
# the SVG files (a colour of a stroke or fill that is not a grey), how many
# are not white, and the bounding box of the series pixels, on one line.
cat >pixels.py <<'EOF'
import re, struct, sys, zlib

def decode(path):
    """The width, height, channels and rows (bytes) of an 8-bit PNG."""
    data = open(path, 'rb').read()
    assert data[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG'
    pos, idat, w = 8, [], None
    while pos < len(data):
        length, kind = struct.unpack('>I4s', data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b'IHDR':
            w, h, depth, ctype, _, _, interlace = struct.unpack('>IIBBBBB', body)
            assert depth == 8 and interlace == 0, 'only 8-bit, non-interlaced PNG'
            ch = {0: 1, 2: 3, 4: 2, 6: 4}[ctype]
        elif kind == b'IDAT':
            idat.append(body)
        pos += 12 + length
    raw = zlib.decompress(b''.join(idat))
    stride, rows, prev = w * ch, [], bytearray(w * ch)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if f == 1:
            for i in range(ch, stride):
                line[i] = (line[i] + line[i - ch]) & 255
        elif f == 2:
            line = bytearray((a + b) & 255 for a, b in zip(line, prev))
        elif f == 3:
            for i in range(stride):
                left = line[i - ch] if i >= ch else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 255
        elif f == 4:
            for i in range(stride):
                a = line[i - ch] if i >= ch else 0
                b, c = prev[i], prev[i - ch] if i >= ch else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        prev = line
    return w, h, ch, rows

colours = set()
for svg in sys.argv[2:]:
    for m in re.finditer(r'(?:stroke|fill)="#([0-9a-fA-F]{6})"', open(svg).read()):
        r, g, b = (int(m.group(1)[i:i + 2], 16) for i in (0, 2, 4))
        if max(r, g, b) - min(r, g, b) >= 60:      # not a grey: a series colour
            colours.add((r, g, b))
w, h, ch, rows = decode(sys.argv[1])
series = drawn = 0
box = [w, h, -1, -1]
for y, line in enumerate(rows):
    for x in range(w):
        px = line[x * ch:x * ch + 3] if ch >= 3 else line[x * ch:x * ch + 1] * 3
        if min(px) < 245:
            drawn += 1
        if any(abs(px[0] - r) + abs(px[1] - g) + abs(px[2] - b) <= 60 for r, g, b in colours):
            series += 1
            box = [min(box[0], x), min(box[1], y), max(box[2], x), max(box[3], y)]
print(series, drawn, *box, len(colours))
EOF

# enough PNG MIN SVG...: at least MIN pixels of the series colours of the
# SVG files in PNG, spread over at least 100 x 100 pixels (a chart, not a
# legend swatch).
enough() {
    png=$1
    min=$2
    shift 2
    set -- $("$python" pixels.py "$png" "$@") || return 1
    echo "# $png: $1 pixels of $7 series colours, $2 not white, within ($3,$4)-($5,$6)"
    [ "$7" -gt 0 ] && [ "$1" -ge "$min" ] && [ $(($5 - $3)) -ge 100 ] && [ $(($6 - $4)) -ge 100 ]
}

check "the ROC curve is drawn (series pixels across the plot area)" enough roc.png 300 roc.svg
check "the training curve is drawn" enough curve.png 300 curve.svg
check "the report shows its charts" enough m.png 1500 roc.svg curve.svg
if enough blank.png 300 roc.svg; then
    not_ok "the check fails on a blank drawing"
else
    ok "the check fails on a blank drawing"
fi
if enough broken.png 300 roc.svg; then
    not_ok "the check fails on a broken SVG"
else
    ok "the check fails on a broken SVG"
fi
