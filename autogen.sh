#!/bin/sh
# Regenerate configure and the Makefile templates (autoconf, automake, libtool).
exec autoreconf --force --install --verbose "$@"
