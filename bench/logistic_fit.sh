#!/bin/sh
# logistic_fit.sh - the logistic job for the shared bench harness: builds
# bench/logistic_fit.c against a build tree as linear_fit.sh does (same
# environment: AIWB_BUILD or AIWB, AIWB_DATA, SCRATCH) and runs it. See
# logistic_fit.c for what is timed.
#
# Usage: logistic_fit.sh LABEL [OPTION=VALUE ...]   (e.g. logistic_fit.sh aiwb_logreg C=1)
#
# SPDX-License-Identifier: GPL-3.0-or-later
FIT=logistic_fit exec "$(cd "$(dirname "$0")" && pwd)/linear_fit.sh" "$@"
