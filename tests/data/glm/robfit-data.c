/*
 * robfit-data.c - the data of GSL's robust fitting example (doc/examples/
 * robfit.c in GSL 2.x): a line y = 1.45 x + 3.88 plus uniform [0, 1) noise
 * from gsl_rng_default (mt19937, default seed) at n - 3 evenly spaced x in
 * [-5, 5], and three gross outliers at x = 4.7, 3.5, 4.1. The example
 * takes n on its command line; robfit.csv is n = 50.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Regenerate from this folder:
 *     cc -o /tmp/robfit-data robfit-data.c -lgsl -lgslcblas -lm
 *     /tmp/robfit-data 50 > robfit.csv
 */
#include <stdio.h>
#include <stdlib.h>

#include <gsl/gsl_rng.h>

int
main(int argc, char **argv)
{
    const double a = 1.45, b = 3.88; /* slope, intercept */
    const double ox[3] = {4.7, 3.5, 4.1}, oy[3] = {-8.3, -6.7, -6.0};
    size_t n = argc > 1 ? (size_t)atoi(argv[1]) : 50;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_default);

    if (n < 4)
        return 1;
    printf("x,y\n");
    for (size_t i = 0; i < n - 3; i++) {
        double dx = 10.0 / (n - 1.0);
        double ei = gsl_rng_uniform(r);
        double xi = -5.0 + i * dx;
        double yi = a * xi + b;

        printf("%.17g,%.17g\n", xi, yi + ei);
    }
    for (size_t i = 0; i < 3; i++)
        printf("%.17g,%.17g\n", ox[i], oy[i]);
    gsl_rng_free(r);
    return 0;
}
