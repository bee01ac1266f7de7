#!/bin/sh
# plugins.sh - the plugin ABI as an outside author meets it: the build tree's
# modules export nothing but aiwb_*, `make install` puts the program, modules,
# header and aiwb.pc under DESTDIR, and a plugin built out of tree with only
# `pkg-config --cflags aiwb` loads, while a copy built for ABI 2 is refused.
# Prints TAP; `make check` runs it with top_srcdir and top_builddir exported.
#
# SPDX-License-Identifier: GPL-3.0-or-later

: "${top_srcdir:?run the tests with make check}"
: "${top_builddir:?run the tests with make check}"


n=0
ok() {
    n=$((n + 1))
    echo "ok $n - $1"
}
not_ok() {
    n=$((n + 1))
    echo "not ok $n - $1"
}
skip() {
    n=$((n + 1))
    echo "ok $n - $1 # SKIP $2"
}
# check TEXT COMMAND...: one test, passing when COMMAND succeeds.
check() {
    text=$1
    shift
    if "$@"; then ok "$text"; else not_ok "$text"; fi
}
# Show FILE in the log, as TAP comments.
show() {
    sed 's/^/# /' "$1"
}

# The dynamic symbols FILE defines, one a line.
exported() {
    nm -D --defined-only "$1" | awk 'NF == 3 { print $3 }'
}

# FILE defines aiwb_plugin_init and nothing that does not start with aiwb_.
only_aiwb_symbols() {
    [ -f "$1" ] || {
        echo "# $1 is missing"
        return 1
    }
    exported "$1" >"$work/symbols" || return 1
    if grep -v '^aiwb_' "$work/symbols" >"$work/stray"; then
        echo "# $1 exports more than aiwb_*:"
        show "$work/stray"
        return 1
    fi
    grep -qx aiwb_plugin_init "$work/symbols" || {
        echo "# $1 does not export aiwb_plugin_init"
        return 1
    }
}

work=$top_builddir/tests/tmp/plugins-sh.$$
destdir=$work/destdir
rm -rf "$work"
mkdir -p "$work" || exit 99
trap 'rm -rf "$work"' EXIT
trap 'exit 1' HUP INT TERM

# Every plugin the build made (each plugins/*.la).
plugins=$(cd "$top_builddir/plugins" && for la in *.la; do echo "${la%.la}"; done)
[ -n "$plugins" ] || { echo "1..0 # SKIP no plugins are built"; exit 0; }

# Plugins call the host through its table only, so they export nothing
# else: a stray global would clash with another module's or the program's.
for p in $plugins; do
    check "$p.so exports only aiwb_* symbols" only_aiwb_symbols "$top_builddir/plugins/.libs/$p.so"
done

# Where `make install` would put things, as configured.
pc=$top_builddir/aiwb.pc
prefix=$(pkg-config --variable=prefix "$pc")
libdir=$(pkg-config --variable=libdir "$pc")
includedir=$(pkg-config --variable=includedir "$pc")
plugindir=$(pkg-config --variable=plugindir "$pc")
exec_prefix=$(pkg-config --variable=exec_prefix "$pc")
bindir=$(sed -n 's/^bindir = //p' "$top_builddir/Makefile" |
    sed -e "s|\${exec_prefix}|$exec_prefix|" -e "s|\${prefix}|$prefix|")

# 7. Install into DESTDIR. Make's own flags are not meant for this make.
: >"$work/stamp"
sleep 1
if (
    unset MAKEFLAGS MFLAGS MAKELEVEL
    cd "$top_builddir" && ${MAKE:-make} install DESTDIR="$destdir"
) >"$work/install.log" 2>&1; then
    ok "make install DESTDIR=..."
else
    not_ok "make install DESTDIR=..."
    show "$work/install.log"
fi

# 8-12. What an installation holds.
check "the program is installed in $bindir" test -x "$destdir$bindir/aiwb"

installed_plugins() {
    for p in $plugins; do
        [ -f "$destdir$plugindir/$p.so" ] || {
            echo "# $destdir$plugindir/$p.so is missing"
            return 1
        }
    done
}
check "the plugin modules are installed in $plugindir" installed_plugins

no_test_plugins() {
    find "$destdir" -name 'good.*' -o -name 'wrong-abi.*' -o -name 'failing-init.*' \
        -o -name 'not-a-plugin.*' -o -name 'bad.*' >"$work/found"
    [ ! -s "$work/found" ] || {
        show "$work/found"
        return 1
    }
}
check "the test-only plugins are not installed" no_test_plugins

check "include/aiwb/plugin.h is installed as in the source" \
    cmp "$top_srcdir/include/aiwb/plugin.h" "$destdir$includedir/aiwb/plugin.h"

installed_pc() {
    f=$destdir$libdir/pkgconfig/aiwb.pc
    [ -f "$f" ] || return 1
    abi=$(sed -n 's/^#define AIWB_ABI_VERSION \([0-9]*\)$/\1/p' "$top_srcdir/include/aiwb/plugin.h")
    [ "$(pkg-config --variable=abi_version "$f")" = "$abi" ] || {
        echo "# abi_version in aiwb.pc is not $abi"
        return 1
    }
    [ "$(pkg-config --variable=plugindir "$f")" = "$plugindir" ] || {
        echo "# plugindir in aiwb.pc is not $plugindir"
        return 1
    }
}
check "lib/pkgconfig/aiwb.pc is installed with abi_version and plugindir" installed_pc

# 13-14. Nothing lands beside the prefix in DESTDIR, nor outside DESTDIR.
outside_prefix() {
    (cd "$destdir" && find . ! -type d) | grep -v "^\.$prefix/" >"$work/found"
    [ ! -s "$work/found" ] || {
        show "$work/found"
        return 1
    }
}
check "everything is installed under DESTDIR$prefix" outside_prefix

outside_destdir() {
    (cd "$destdir" && find . ! -type d) | sed 's/^\.//' | while IFS= read -r f; do
        [ ! -e "$f" ] || find "$f" -prune -newer "$work/stamp"
    done >"$work/found"
    [ ! -s "$work/found" ] || {
        echo "# written outside DESTDIR:"
        show "$work/found"
        return 1
    }
}
check "nothing is written outside DESTDIR" outside_destdir

# 15-18. An outside author's plugin, built against the installed header only.
pcdir=$destdir$libdir/pkgconfig
cflags=$(PKG_CONFIG_PATH=$pcdir PKG_CONFIG_LIBDIR=$pcdir PKG_CONFIG_SYSROOT_DIR=$destdir \
    pkg-config --cflags aiwb)
echo "# pkg-config --cflags aiwb: $cflags"
case $cflags in
*"-I$destdir$includedir"*) ok "pkg-config --cflags aiwb points into DESTDIR" ;;
*) not_ok "pkg-config --cflags aiwb points into DESTDIR" ;;
esac

CC=${CC:-cc}
mkdir -p "$work/example" "$work/abi2/aiwb" "$work/abi2-plugins"
example=$work/example/example.so
build_example() {
    # shellcheck disable=SC2086 # $cflags is a list of words
    $CC -std=c11 -Wall -Wextra -pedantic -Werror -shared -fPIC $cflags -MD -MF "$work/example.d" \
        -o "$example" "$top_srcdir/tests/install/example-plugin.c" >"$work/cc.log" 2>&1 || {
        show "$work/cc.log"
        return 1
    }
    grep -q "$destdir$includedir/aiwb/plugin.h" "$work/example.d" || {
        echo "# it was not built with the installed header:"
        show "$work/example.d"
        return 1
    }
}
check "tests/install/example-plugin.c builds with only pkg-config's flags" build_example
check "the example exports only aiwb_* symbols" only_aiwb_symbols "$example"

header_as_cxx() {
    printf '#include <aiwb/plugin.h>\nint main() { return AIWB_OK; }\n' >"$work/x.cc"
    # shellcheck disable=SC2086
    ${CXX:-c++} -Wall -Wextra -pedantic -Werror $cflags -fsyntax-only "$work/x.cc" \
        >"$work/cxx.log" 2>&1 || {
        show "$work/cxx.log"
        return 1
    }
}
if command -v "${CXX:-c++}" >/dev/null 2>&1; then
    check "the installed header compiles as C++" header_as_cxx
else
    skip "the installed header compiles as C++" "no C++ compiler"
fi

# 19-20. The program loads it from AIWB_PLUGIN_PATH, beside its own plugins;
# the installed program loads the installed plugins.
aiwb=$top_builddir/src/aiwb
lists_example() {
    AIWB_PLUGIN_PATH=$work/example "$aiwb" -w "$work/w.db" -c plugins >"$work/out" 2>"$work/err" || {
        echo "# $aiwb -c plugins failed:"
        show "$work/err"
        return 1
    }
    grep -q example_scale "$work/out" || {
        echo "# example_scale is not listed:"
        show "$work/out"
        show "$work/err"
        return 1
    }
}
check "aiwb -c plugins lists the example's example_scale" lists_example

installed_loads() {
    AIWB_PLUGIN_PATH=$destdir$plugindir "$destdir$bindir/aiwb" -w "$work/w.db" -c plugins \
        >"$work/out" 2>"$work/err" || {
        echo "# the installed aiwb -c plugins failed:"
        show "$work/err"
        return 1
    }
    # (A real installation in $plugindir, if any, may be refused as a duplicate.)
    if grep -qF "$destdir" "$work/err"; then
        echo "# it complained about the installed plugins:"
        show "$work/err"
        return 1
    fi
    for c in csv impute standardize onehot ols logistic; do
        grep -qw "$c" "$work/out" || {
            echo "# $c is not listed:"
            show "$work/out"
            return 1
        }
    done
}
check "the installed program loads the installed plugins without complaint" installed_loads

# 21-22. The same plugin built for ABI 2: refused by name, and the command runs.
sed 's/^#define AIWB_ABI_VERSION 1$/#define AIWB_ABI_VERSION 2/' \
    "$destdir$includedir/aiwb/plugin.h" >"$work/abi2/aiwb/plugin.h"
abi2=$work/abi2-plugins/example-abi2.so
build_abi2() {
    grep -q '^#define AIWB_ABI_VERSION 2$' "$work/abi2/aiwb/plugin.h" || {
        echo "# the header's AIWB_ABI_VERSION line did not change"
        return 1
    }
    $CC -std=c11 -Wall -Wextra -Werror -shared -fPIC -I"$work/abi2" -o "$abi2" \
        "$top_srcdir/tests/install/example-plugin.c" >"$work/cc.log" 2>&1 || {
        show "$work/cc.log"
        return 1
    }
}
check "a copy of the example builds for ABI 2" build_abi2

refuses_abi2() {
    AIWB_PLUGIN_PATH=$work/abi2-plugins "$aiwb" -w "$work/w.db" -c plugins >"$work/out" 2>"$work/err"
    rc=$?
    [ $rc -eq 0 ] || echo "# aiwb -c plugins exited with $rc"
    grep "example-abi2.so" "$work/err" | grep -q "built for ABI 2, this aiwb speaks ABI 1" || {
        echo "# no refusal naming example-abi2.so and both ABI versions on stderr:"
        show "$work/err"
        rc=1
    }
    if grep -q example_scale "$work/out"; then
        echo "# example_scale is listed anyway"
        rc=1
    fi
    [ -s "$work/out" ] || {
        echo "# the command printed nothing"
        rc=1
    }
    return $rc
}
check "aiwb refuses the ABI 2 copy by name, both versions, and runs the command" refuses_abi2

# 23. And uninstalling leaves nothing behind.
uninstalled() {
    (
        unset MAKEFLAGS MFLAGS MAKELEVEL
        cd "$top_builddir" && ${MAKE:-make} uninstall DESTDIR="$destdir"
    ) >"$work/uninstall.log" 2>&1 || {
        show "$work/uninstall.log"
        return 1
    }
    find "$destdir" ! -type d >"$work/found"
    [ ! -s "$work/found" ] || {
        echo "# left behind:"
        show "$work/found"
        return 1
    }
}
check "make uninstall DESTDIR=... removes every file" uninstalled

# The plan last: the number of plugins decides the number of tests.
echo "1..$n"
