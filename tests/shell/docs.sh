#!/bin/sh
# docs/commands.md is generated from the program's help: check it is current
# (after changing a command or a plugin, run scripts/gen-commands-doc).
set -u
: "${top_srcdir:?run me with make check}" "${top_builddir:?run me with make check}"
tmp=$top_builddir/tests/tmp/docs-$$
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
echo "1..1"
if AIWB_PLUGIN_PATH='' "$top_srcdir/scripts/gen-commands-doc" "$top_builddir/src/aiwb" \
    "$tmp/commands.md" && diff -u "$top_srcdir/docs/commands.md" "$tmp/commands.md" \
    > "$tmp/diff"; then
    echo "ok 1 - docs/commands.md matches the program's help"
else
    echo "not ok 1 - docs/commands.md is out of date: run scripts/gen-commands-doc"
    sed 's/^/# /' "$tmp/diff"
fi
