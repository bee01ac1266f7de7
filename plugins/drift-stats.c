/*
 * drift-stats.c - the drift statistics (KS, W1, PSI, chi-square, missing
 * rate) and the verdict rule; see drift-stats.h.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "drift-stats.h"

/* scipy's ks_2samp MAX_AUTO_N: exact p-values up to this sample size. */
#define KS_MAX_EXACT_N 10000
/* Sizes are kept below 2^31 so that i * n in the KS numerators fits int64. */
#define MAX_N ((size_t)INT32_MAX)

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

/*
 * The non-missing values of X[N] sorted into a new array (*OUT, freed by the
 * caller) of *M values. Refuses infinities, an empty result and N >= 2^31.
 */
static int
sorted_values(const double *x, size_t n, double **out, size_t *m)
{
    double *v;
    size_t k = 0;

    if (n > MAX_N || (n > 0 && x == NULL))
        return DRIFT_EINVAL;
    for (size_t i = 0; i < n; i++) {
        if (isinf(x[i]))
            return DRIFT_EINVAL;
        k += !isnan(x[i]);
    }
    if (k == 0)
        return DRIFT_EINVAL;
    v = malloc(k * sizeof(*v));
    if (v == NULL)
        return DRIFT_ENOMEM;
    k = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(x[i]))
            v[k++] = x[i];
    qsort(v, k, sizeof(*v), cmp_double);
    *out = v;
    *m = k;
    return 0;
}

/* Both samples sorted (see sorted_values); on error nothing is left allocated. */
static int
sorted_pair(const double *ref, size_t n_ref, const double *cur, size_t n_cur, double **a,
            size_t *na, double **b, size_t *nb)
{
    int rc = sorted_values(ref, n_ref, a, na);

    if (rc < 0)
        return rc;
    rc = sorted_values(cur, n_cur, b, nb);
    if (rc < 0) {
        free(*a);
        return rc;
    }
    return 0;
}

/* ---------------------------------------------------------------------- */
/* Kolmogorov-Smirnov: the two-sample exact p-value (scipy's _stats_py.py). */

/* P(D_{n,n} >= h/n): 2 (A0 (1 - A1 (1 - A2 (...)))), a Horner-like form of
 * the alternating binomial series that avoids its cancellation. */
static double
prob_outside_square(long n, long h)
{
    double p = 0.0;

    for (long k = n / h; k >= 0; k--) {
        double p1 = 1.0;

        for (long j = 0; j < h; j++)
            p1 = (double)(n - k * h - j) * p1 / (double)(n + k * h + j + 1);
        p = p1 * (1.0 - p);
    }
    return 2 * p;
}

/*
 * The proportion of lattice paths from (0, 0) to (m, n) that leave the band
 * |x/m - y/n| < h / lcm(m, n), by Viehmann's recursion for 1 - p over one
 * sliding column (scipy's _compute_outer_prob_inside_method). Returns NaN if
 * the work column cannot be allocated.
 */
static double
prob_outer_inside(long m, long n, long g, long h)
{
    long mg, ng, minj, maxj, curlen, lena;
    double *a, p;

    if (m < n) {
        long t = m;
        m = n;
        n = t;
    }
    mg = m / g;
    ng = n / g;
    minj = 0;
    maxj = (h + mg - 1) / mg; /* ceil(h / mg) */
    if (maxj > n + 1)
        maxj = n + 1;
    curlen = maxj - minj;
    lena = 2 * maxj + 2 < n + 1 ? 2 * maxj + 2 : n + 1;
    a = malloc((size_t)lena * sizeof(*a));
    if (a == NULL)
        return NAN;
    for (long j = 0; j < lena; j++)
        a[j] = j < maxj ? 0.0 : 1.0;
    for (long i = 1; i <= m; i++) {
        long lastminj = minj, lastlen = curlen;
        double val;

        /* floor((ng i - h) / mg) + 1, ceil((ng i + h) / mg), in integers */
        long num = ng * i - h;
        minj = (num >= 0 ? num / mg : -((-num + mg - 1) / mg)) + 1;
        if (minj < 0)
            minj = 0;
        if (minj > n)
            minj = n;
        maxj = (ng * i + h + mg - 1) / mg;
        if (maxj > n + 1)
            maxj = n + 1;
        if (maxj <= minj) {
            free(a);
            return 1.0;
        }
        val = minj == 0 ? 0.0 : 1.0;
        for (long jj = 0; jj < maxj - minj; jj++) {
            long j = jj + minj;
            val = (a[jj + minj - lastminj] * (double)i + val * (double)j) / (double)(i + j);
            a[jj] = val;
        }
        curlen = maxj - minj;
        for (long j = curlen; j < curlen + (lastlen - curlen) && j < lena; j++)
            a[j] = 1.0;
    }
    p = a[maxj - minj - 1];
    free(a);
    return p;
}

static long
gcd(long a, long b)
{
    while (b != 0) {
        long t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* ---------------------------------------------------------------------- */
/* The one-sample distribution kstwo (scipy's _ksstats.py and cephes). */

#define E128 128
#define EP128 0x1p128
#define EM128 0x1p-128

/* Exact one-sided Smirnov P(D+_n >= e) by Birnbaum and Tingey's sum, in
 * logarithms so that large n neither overflows nor underflows. */
static double
smirnov(unsigned long n, double e)
{
    double dn = (double)n, p = 0.0, lgn1;
    unsigned long nn;

    if (e <= 0.0)
        return 1.0;
    if (e >= 1.0)
        return 0.0;
    nn = (unsigned long)floor(dn * (1.0 - e));
    lgn1 = lgamma(dn + 1.0);
    for (unsigned long v = 0; v <= nn; v++) {
        double evn = e + (double)v / dn, omevn = 1.0 - evn, t;

        if (omevn <= 0.0) {
            /* only v = n (e = 0) could get here, and that term is e^(n-1) */
            continue;
        }
        t = lgn1 - lgamma((double)v + 1.0) - lgamma(dn - (double)v + 1.0) +
            ((double)v - 1.0) * log(evn) + (dn - (double)v) * log(omevn);
        p += exp(t);
    }
    return p * e;
}

static double
clip01(double p)
{
    return p < 0.0 ? 0.0 : p > 1.0 ? 1.0 : p;
}

/* log(n! / n^n) by Stirling's series without its n log n term. */
static double
log_nfact_div_npow(double n)
{
    static const double c[] = {
        -2.955065359477124183e-2,  6.4102564102564102564e-3, -1.9175269175269175269e-3,
        8.4175084175084175084e-4,  -5.952380952380952381e-4, 7.9365079365079365079e-4,
        -2.7777777777777777778e-3, 8.3333333333333333333e-2,
    };
    double rn = 1.0 / n, x = rn / n, poly = 0.0;

    for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
        poly = poly * x + c[i];
    return log(n) / 2 - n + log(2 * M_PI) / 2 + rn * poly;
}

static void
matmul(const double *x, const double *y, double *out, size_t m)
{
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < m; j++) {
            double s = 0.0;
            for (size_t k = 0; k < m; k++)
                s += x[i * m + k] * y[k * m + j];
            out[i * m + j] = s;
        }
}

/* P(D_n <= d) by Durbin's matrix, Marsaglia-Tsang-Wang's scaling. NaN if
 * out of memory. */
static double
kolmogn_dmtw(unsigned long n, double d)
{
    double nd = (double)n * d, h, fac, tt, p, *hm, *hp, *tmp, *v, *w;
    size_t k, m;
    long expnt = 0, hexpnt = 0;

    if (d >= 1.0)
        return 1.0;
    if (nd <= 0.5)
        return 0.0;
    k = (size_t)ceil(nd);
    h = (double)k - nd;
    m = 2 * k - 1;
    hm = calloc(3 * m * m + 2 * m, sizeof(*hm));
    if (hm == NULL)
        return NAN;
    hp = hm + m * m;
    tmp = hp + m * m;
    v = tmp + m * m;
    w = v + m;
    fac = 1.0;
    for (size_t j = 1; j <= m; j++) {
        v[j - 1] = 1.0 - pow(h, (double)j);
        w[j - 1] = fac;
        fac /= (double)j;
        v[j - 1] *= fac;
    }
    tt = pow(fmax(2 * h - 1.0, 0), (double)m) - 2 * pow(h, (double)m);
    v[m - 1] = (1.0 + tt) * fac;
    for (size_t i = 1; i < m; i++)
        for (size_t r = i - 1; r < m; r++)
            hm[r * m + i] = w[r - (i - 1)];
    for (size_t r = 0; r < m; r++)
        hm[r * m] = v[r];
    for (size_t c = 0; c < m; c++)
        hm[(m - 1) * m + c] = v[m - 1 - c];
    for (size_t i = 0; i < m; i++)
        hp[i * m + i] = 1.0;
    for (unsigned long nn = n; nn > 0; nn /= 2) {
        if (nn % 2) {
            matmul(hp, hm, tmp, m);
            memcpy(hp, tmp, m * m * sizeof(*hp));
            expnt += hexpnt;
        }
        matmul(hm, hm, tmp, m);
        memcpy(hm, tmp, m * m * sizeof(*hm));
        hexpnt *= 2;
        if (fabs(hm[(k - 1) * m + k - 1]) > EP128) {
            for (size_t i = 0; i < m * m; i++)
                hm[i] /= EP128;
            hexpnt += E128;
        }
    }
    p = hp[(k - 1) * m + k - 1];
    for (unsigned long i = 1; i <= n; i++) {
        p = (double)i * p / (double)n;
        if (fabs(p) < EM128) {
            p *= EP128;
            expnt -= E128;
        }
    }
    free(hm);
    if (expnt != 0)
        p = ldexp(p, (int)expnt);
    return clip01(p);
}

/* The interval of non-zero entries of row I of Pomeranz's recursion. */
static void
pomeranz_j1j2(long i, long n, long ll, long ceilf, long roundf, long *j1, long *j2)
{
    long a, b;

    if (i == 0) {
        a = -ll - ceilf - 1;
        b = ll + ceilf - 1;
    } else {
        long d = (i + 1) / 2, r = (i + 1) % 2;

        if (r == 0) {
            if (d == n + 1) {
                a = n - ll - ceilf - 1;
                b = n + ll + ceilf - 1;
            } else {
                a = d - 1 - ll - roundf - 1;
                b = d + ll - 1 + ceilf - 1;
            }
        } else {
            a = d - 1 - ll - 1;
            b = d + ll + roundf - 1;
        }
    }
    *j1 = a + 2 > 0 ? a + 2 : 0;
    *j2 = b < n ? b : n;
}

/* P(D_n <= x) by Pomeranz's recursion (1974). NaN if out of memory. */
static double
kolmogn_pomeranz(long n, double x)
{
    double t = (double)n * x, f, g, ans, *buf, *gp, *tgp, *ogp, *v0, *v1, *conv;
    long ll = (long)floor(t), ceilf, roundf, npw, v0s = 0, v1s = 0, j1, j2, expnt = 0;

    f = t - (double)ll;
    g = fmin(f, 1.0 - f);
    ceilf = f > 0 ? 1 : 0;
    roundf = f > 0.5 ? 1 : 0;
    npw = 2 * (ll + 1);
    buf = calloc((size_t)npw * 7, sizeof(*buf));
    if (buf == NULL)
        return NAN;
    gp = buf;
    tgp = gp + npw;
    ogp = tgp + npw;
    v0 = ogp + npw;
    v1 = v0 + npw;
    conv = v1 + npw; /* 2 npw entries */
    gp[0] = tgp[0] = ogp[0] = 1.0;
    for (long m = 1; m < npw; m++) {
        gp[m] = gp[m - 1] * (g / (double)n) / (double)m;
        tgp[m] = tgp[m - 1] * (2 * g / (double)n) / (double)m;
        ogp[m] = ogp[m - 1] * ((1 - 2 * g) / (double)n) / (double)m;
    }
    v1[0] = 1;
    pomeranz_j1j2(0, n, ll, ceilf, roundf, &j1, &j2);
    for (long i = 1; i < 2 * n + 2; i++) {
        long k1 = j1, ln2, seg, swap_s = v0s;
        double *swap = v0, *pw;

        /* the last row becomes V0; V1 is refilled */
        v0 = v1;
        v1 = swap;
        v0s = v1s;
        v1s = swap_s;
        memset(v1, 0, (size_t)npw * sizeof(*v1));
        pomeranz_j1j2(i, n, ll, ceilf, roundf, &j1, &j2);
        if (i == 1 || i == 2 * n + 1)
            pw = gp;
        else
            pw = i % 2 ? tgp : ogp;
        ln2 = j2 - k1 + 1;
        if (ln2 > 0) {
            long start = k1 - v0s, cs = j1 - k1, cl = j2 - j1 + 1, full;
            double mx = 0.0;

            /* numpy slices clip at the end of the row */
            seg = start >= npw ? 0 : (start + ln2 <= npw ? ln2 : npw - start);
            full = seg + ln2 - 1;
            for (long q = 0; q < full; q++) {
                double s = 0.0;
                for (long u = q - ln2 + 1 > 0 ? q - ln2 + 1 : 0; u < seg && u <= q; u++)
                    s += v0[start + u] * pw[q - u];
                conv[q] = s;
            }
            for (long q = 0; q < cl && cs + q < full && q < npw; q++) {
                v1[q] = conv[cs + q];
                mx = fmax(mx, v1[q]);
            }
            if (mx > 0 && mx < EM128) {
                for (long q = 0; q < npw; q++)
                    v1[q] *= EP128;
                expnt -= E128;
            }
            v1s = v0s + j1 - k1;
        }
    }
    ans = v1[n - v1s];
    free(buf);
    for (long m = 1; m <= n; m++) {
        if (fabs(ans) > EP128) {
            ans *= EM128;
            expnt += E128;
        }
        ans *= (double)m;
    }
    if (expnt != 0)
        ans = ldexp(ans, (int)expnt);
    return clip01(ans);
}

/* P(D_n <= x) by the Pelz-Good expansion (1976). */
static double
kolmogn_pelzgood(double n, double x)
{
    const double pi2 = M_PI * M_PI, pi4 = pi2 * pi2, pi6 = pi4 * pi2;
    const double sqrt2pi = sqrt(2 * M_PI);
    double z = sqrt(n) * x, z2 = z * z, z3 = z2 * z, z4 = z2 * z2, z6 = z4 * z2;
    double qlog = -pi2 / 8 / z2, q, k[4] = {0, 0, 0, 0}, k2x = 0, k3x = 0, sum;
    double k1a, k1b, k2a, k2b, k2c, k3a, k3b, k3c, k3d, sqrt3z;
    long maxk;

    if (x <= 0.0)
        return 0.0;
    if (x >= 1.0)
        return 1.0;
    if (qlog < -708)
        return 0.0;
    q = exp(qlog);
    k1a = -z2;
    k1b = pi2 / 4;
    k2a = 6 * z6 + 2 * z4;
    k2b = (2 * z4 - 5 * z2) * pi2 / 4;
    k2c = pi4 * (1 - 2 * z2) / 16;
    k3d = pi6 * (5 - 30 * z2) / 64;
    k3c = pi4 * (-60 * z2 + 212 * z4) / 16;
    k3b = pi2 * (135 * z4 - 96 * z6) / 4;
    k3a = -30 * z6 - 90 * pow(z, 8);
    maxk = (long)ceil(16 * z / M_PI);
    for (long kk = maxk; kk > 0; kk--) {
        double m = (double)(2 * kk - 1), m2 = m * m, m4 = m2 * m2, m6 = m4 * m2;
        double qp = pow(q, (double)(8 * kk));
        double c[4] = {1.0, k1a + k1b * m2, k2a + k2b * m2 + k2c * m4,
                       k3a + k3b * m2 + k3c * m4 + k3d * m6};
        for (int i = 0; i < 4; i++)
            k[i] = k[i] * qp + c[i];
    }
    for (int i = 0; i < 4; i++)
        k[i] *= q * sqrt2pi;
    k[0] /= z;
    k[1] /= 6 * z4;
    k[2] /= 72 * pow(z, 7);
    k[3] /= 6480 * pow(z, 10);
    q = exp(-pi2 / 2 / z2);
    sqrt3z = sqrt(3.0) * z;
    for (long kk = maxk; kk > 0; kk--) {
        double ks2 = (double)kk * (double)kk, qk = pow(q, ks2), kpi = M_PI * (double)kk;
        k2x += ks2 * qk;
        k3x += (sqrt3z + kpi) * (sqrt3z - kpi) * ks2 * qk;
    }
    k[2] += k2x * pi2 * sqrt2pi / (-36 * z3);
    k[3] += k3x * pi2 * sqrt2pi / (216 * z6);
    sum = 0.0;
    for (int i = 0; i < 4; i++)
        sum += k[i] / pow(n, i / 2.0);
    return sum;
}

double
drift_kstwo_sf(double x, unsigned long n)
{
    double dn = (double)n, t, nx2, cdf;

    if (n == 0 || isnan(x))
        return NAN;
    if (x >= 1.0)
        return 0.0;
    if (x <= 0.0)
        return 1.0;
    t = dn * x;
    if (t <= 1.0) { /* Ruben-Gambino: 1/2n <= x <= 1/n */
        double p;

        if (t <= 0.5)
            return 1.0;
        if (n <= 140) {
            p = 1.0;
            for (unsigned long i = 1; i <= n; i++)
                p *= (double)i * (1.0 / dn) * (2 * t - 1);
        } else {
            p = exp(log_nfact_div_npow(dn) + dn * log(2 * t - 1));
        }
        return clip01(1.0 - p);
    }
    if (t >= dn - 1) /* Ruben-Gambino */
        return clip01(2 * pow(1.0 - x, dn));
    if (x >= 0.5)
        return clip01(2 * smirnov(n, x));
    nx2 = t * x;
    if (n <= 140) {
        if (nx2 <= 0.754693)
            return clip01(1.0 - kolmogn_dmtw(n, x));
        if (nx2 <= 4)
            return clip01(1.0 - kolmogn_pomeranz((long)n, x));
        return clip01(2 * smirnov(n, x));
    }
    if (nx2 >= 370.0)
        return 0.0;
    if (nx2 >= 2.2)
        return clip01(2 * smirnov(n, x));
    if (n <= 100000 && dn * pow(x, 1.5) <= 1.4)
        cdf = kolmogn_dmtw(n, x);
    else
        cdf = kolmogn_pelzgood(dn, x);
    return clip01(1.0 - cdf);
}

int
drift_ks(const double *ref, size_t n_ref, const double *cur, size_t n_cur, struct drift_ks *out)
{
    double *a, *b, p = NAN, d;
    size_t na, nb, i = 0, j = 0;
    long g, n1g, n2g, lcm;
    int64_t hmax = 0;
    int exact = 0, rc;

    rc = sorted_pair(ref, n_ref, cur, n_cur, &a, &na, &b, &nb);
    if (rc < 0)
        return rc;
    g = gcd((long)na, (long)nb);
    n1g = (long)na / g;
    n2g = (long)nb / g;
    lcm = n1g * (long)nb;
    /* F_a - F_b at every value, in units of 1 / lcm: i n2g - j n1g exactly */
    while (i < na || j < nb) {
        double x = i < na && (j >= nb || a[i] <= b[j]) ? a[i] : b[j];
        int64_t diff;

        while (i < na && a[i] == x)
            i++;
        while (j < nb && b[j] == x)
            j++;
        diff = (int64_t)i * n2g - (int64_t)j * n1g;
        if (diff < 0)
            diff = -diff;
        if (diff > hmax)
            hmax = diff;
    }
    free(a);
    free(b);
    d = (double)hmax / (double)lcm;
    if (na <= KS_MAX_EXACT_N && nb <= KS_MAX_EXACT_N) {
        if (hmax == 0)
            p = 1.0;
        else if (na == nb)
            p = prob_outside_square((long)na, (long)hmax);
        else
            p = prob_outer_inside((long)na, (long)nb, g, (long)hmax);
        if (isnan(p))
            return DRIFT_ENOMEM; /* the path count's column */
        exact = p >= 0.0 && p <= 1.0; /* else fall back, as scipy does */
    }
    if (!exact) {
        double m = (double)(na > nb ? na : nb), n = (double)(na > nb ? nb : na);
        double en = nearbyint(m * n / (m + n)); /* np.round: half to even */

        p = drift_kstwo_sf(d, (unsigned long)en);
        if (isnan(p))
            return DRIFT_ENOMEM; /* the only way kstwo fails with n >= 1, d >= 0 */
    }
    out->n_ref = na;
    out->n_cur = nb;
    out->d = d;
    out->p = clip01(p);
    out->exact = exact;
    return 0;
}

/* ---------------------------------------------------------------------- */
/* Wasserstein-1. */

int
drift_wasserstein(const double *ref, size_t n_ref, const double *cur, size_t n_cur,
                  struct drift_w1 *out)
{
    double *a, *b, w = 0.0, mean = 0.0, ss = 0.0, sd;
    size_t na, nb, i = 0, j = 0;
    int rc;

    rc = sorted_pair(ref, n_ref, cur, n_cur, &a, &na, &b, &nb);
    if (rc < 0)
        return rc;
    /* integral of |F_a - F_b| between consecutive values of the union */
    while (i < na || j < nb) {
        double x = i < na && (j >= nb || a[i] <= b[j]) ? a[i] : b[j], next;

        while (i < na && a[i] == x)
            i++;
        while (j < nb && b[j] == x)
            j++;
        if (i == na && j == nb)
            break;
        next = i < na && (j >= nb || a[i] <= b[j]) ? a[i] : b[j];
        w += fabs((double)i / (double)na - (double)j / (double)nb) * (next - x);
    }
    for (size_t k = 0; k < na; k++)
        mean += a[k];
    mean /= (double)na;
    for (size_t k = 0; k < na; k++)
        ss += (a[k] - mean) * (a[k] - mean);
    sd = na > 1 ? sqrt(ss / (double)(na - 1)) : 0.0;
    free(a);
    free(b);
    out->n_ref = na;
    out->n_cur = nb;
    out->w1 = w;
    out->sd = sd;
    out->w1_sd = sd > 0 ? w / sd : w > 0 ? INFINITY : 0.0;
    return 0;
}

/* ---------------------------------------------------------------------- */
/* Population stability index. */

/* Sum over bins of (c - r) ln(c / r) with empty shares replaced by EPS. */
static void
psi_sum(const size_t *cr, const size_t *cc, size_t bins, size_t nr, size_t nc, double eps,
        struct drift_psi *out)
{
    double psi = 0.0;
    size_t used = 0, empty = 0;

    for (size_t k = 0; k < bins; k++) {
        double r, c;

        if (cr[k] == 0 && cc[k] == 0)
            continue;
        used++;
        empty += cr[k] == 0 || cc[k] == 0;
        r = cr[k] ? (double)cr[k] / (double)nr : eps;
        c = cc[k] ? (double)cc[k] / (double)nc : eps;
        psi += (c - r) * log(c / r);
    }
    out->n_ref = nr;
    out->n_cur = nc;
    out->bins = used;
    out->empty = empty;
    out->psi = psi;
}

/* np.quantile(v, q) (method 'linear') of the sorted V[N]. */
static double
quantile7(const double *v, size_t n, double q)
{
    double h = (double)(n - 1) * q, lo = floor(h);
    size_t i = (size_t)lo;

    if (i + 1 >= n)
        return v[n - 1];
    /* numpy's _lerp: a + (b - a) t, or b - (b - a)(1 - t) when t >= 0.5 */
    {
        double a = v[i], b = v[i + 1], t = h - lo, d = b - a;
        return t >= 0.5 ? b - d * (1.0 - t) : a + d * t;
    }
}

/* The number of edges E[0..NE) below X: the bin of X. */
static size_t
bin_of(const double *e, size_t ne, double x)
{
    size_t lo = 0, hi = ne;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (e[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int
drift_psi_binning(const double *ref, size_t n_ref, const double *cur, size_t n_cur, size_t nbins,
                  struct drift_binning *out)
{
    double *a, *b, *e;
    size_t na, nb, ne = 0, *cr;
    int rc;

    if (nbins < 2 || nbins > 1000000)
        return DRIFT_EINVAL;
    rc = sorted_pair(ref, n_ref, cur, n_cur, &a, &na, &b, &nb);
    if (rc < 0)
        return rc;
    e = malloc((nbins - 1) * sizeof(*e));
    cr = calloc(2 * nbins, sizeof(*cr));
    if (e == NULL || cr == NULL) {
        free(e);
        free(cr);
        rc = DRIFT_ENOMEM;
        goto out;
    }
    for (size_t k = 1; k < nbins; k++) {
        double q = quantile7(a, na, (double)k / (double)nbins);
        if (ne == 0 || q != e[ne - 1])
            e[ne++] = q;
    }
    for (size_t k = 0; k < na; k++)
        cr[bin_of(e, ne, a[k])]++;
    for (size_t k = 0; k < nb; k++)
        cr[nbins + bin_of(e, ne, b[k])]++;
    /* the current sample's counts follow the reference's, bins apart */
    memmove(cr + ne + 1, cr + nbins, (ne + 1) * sizeof(*cr));
    out->nbins = ne + 1;
    out->edges = e;
    out->count_ref = cr;
    out->count_cur = cr + ne + 1;
    out->n_ref = na;
    out->n_cur = nb;
    out->min = a[0] < b[0] ? a[0] : b[0];
    out->max = a[na - 1] > b[nb - 1] ? a[na - 1] : b[nb - 1];
out:
    free(a);
    free(b);
    return rc;
}

void
drift_binning_release(struct drift_binning *b)
{
    free(b->edges);
    free(b->count_ref); /* count_cur lives in the same block */
    b->edges = NULL;
    b->count_ref = b->count_cur = NULL;
}

int
drift_psi_numeric(const double *ref, size_t n_ref, const double *cur, size_t n_cur, size_t nbins,
                  double eps, struct drift_psi *out)
{
    struct drift_binning b;
    int rc;

    if (!(eps > 0 && eps < 1))
        return DRIFT_EINVAL;
    rc = drift_psi_binning(ref, n_ref, cur, n_cur, nbins, &b);
    if (rc < 0)
        return rc;
    psi_sum(b.count_ref, b.count_cur, b.nbins, b.n_ref, b.n_cur, eps, out);
    /* bins empty in both samples still count as bins of the binning */
    out->bins = b.nbins;
    drift_binning_release(&b);
    return 0;
}

/* Count the codes of X[N] per level into COUNTS[NLEVELS] (zeroed by the
 * caller); *MISS gets the -1s. Refuses any other code. */
static int
count_levels(const int32_t *x, size_t n, size_t nlevels, size_t *counts, size_t *miss)
{
    *miss = 0;
    if (n > MAX_N || (n > 0 && x == NULL))
        return DRIFT_EINVAL;
    for (size_t i = 0; i < n; i++) {
        if (x[i] == -1)
            (*miss)++;
        else if (x[i] < 0 || (size_t)x[i] >= nlevels)
            return DRIFT_EINVAL;
        else
            counts[x[i]]++;
    }
    return *miss < n ? 0 : DRIFT_EINVAL;
}

/* Both samples' level counts into a new array of 2 NLEVELS (*COUNTS, freed
 * by the caller), *NR and *NC the non-missing counts. */
static int
level_table(const int32_t *ref, size_t n_ref, const int32_t *cur, size_t n_cur, size_t nlevels,
            size_t **counts, size_t *nr, size_t *nc)
{
    size_t *c, mr, mc;

    if (nlevels == 0 || nlevels > MAX_N)
        return DRIFT_EINVAL;
    c = calloc(2 * nlevels, sizeof(*c));
    if (c == NULL)
        return DRIFT_ENOMEM;
    if (count_levels(ref, n_ref, nlevels, c, &mr) < 0 ||
        count_levels(cur, n_cur, nlevels, c + nlevels, &mc) < 0) {
        free(c);
        return DRIFT_EINVAL;
    }
    *counts = c;
    *nr = n_ref - mr;
    *nc = n_cur - mc;
    return 0;
}

int
drift_psi_levels(const int32_t *ref, size_t n_ref, const int32_t *cur, size_t n_cur, size_t nlevels,
                 double eps, struct drift_psi *out)
{
    size_t *c, nr, nc;
    int rc;

    if (!(eps > 0 && eps < 1))
        return DRIFT_EINVAL;
    rc = level_table(ref, n_ref, cur, n_cur, nlevels, &c, &nr, &nc);
    if (rc < 0)
        return rc;
    psi_sum(c, c + nlevels, nlevels, nr, nc, eps, out);
    free(c);
    return 0;
}

/* ---------------------------------------------------------------------- */
/* Chi-square test of homogeneity. */

int
drift_chisq_counts(const size_t *cr, const size_t *cc, size_t k, struct drift_chisq *out)
{
    size_t nr = 0, nc = 0, levels = 0;
    double n, chi2 = 0.0, p = 1.0, dof = 0.0;

    if (k == 0 || cr == NULL || cc == NULL)
        return DRIFT_EINVAL;
    for (size_t j = 0; j < k; j++) {
        nr += cr[j];
        nc += cc[j];
    }
    if (nr == 0 || nc == 0)
        return DRIFT_EINVAL;
    n = (double)(nr + nc);
    for (size_t j = 0; j < k; j++) {
        double col = (double)(cr[j] + cc[j]), er, ec;

        if (col == 0)
            continue;
        levels++;
        er = (double)nr * col / n;
        ec = (double)nc * col / n;
        chi2 += ((double)cr[j] - er) * ((double)cr[j] - er) / er;
        chi2 += ((double)cc[j] - ec) * ((double)cc[j] - ec) / ec;
    }
    if (levels > 1) {
        dof = (double)(levels - 1);
        p = gsl_cdf_chisq_Q(chi2, dof);
    } else {
        chi2 = 0.0;
    }
    out->n_ref = nr;
    out->n_cur = nc;
    out->levels = levels;
    out->chi2 = chi2;
    out->dof = dof;
    out->p = p;
    out->v = levels > 1 ? sqrt(chi2 / n) : 0.0;
    return 0;
}

int
drift_chisq(const int32_t *ref, size_t n_ref, const int32_t *cur, size_t n_cur, size_t nlevels,
            struct drift_chisq *out)
{
    size_t *c, nr, nc;
    int rc;

    rc = level_table(ref, n_ref, cur, n_cur, nlevels, &c, &nr, &nc);
    if (rc < 0)
        return rc;
    rc = drift_chisq_counts(c, c + nlevels, nlevels, out);
    free(c);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* Missing-rate change. */

int
drift_missing(size_t miss_ref, size_t n_ref, size_t miss_cur, size_t n_cur,
              struct drift_missing *out)
{
    double rr, rc, pool, se;

    if (n_ref == 0 || n_cur == 0 || miss_ref > n_ref || miss_cur > n_cur)
        return DRIFT_EINVAL;
    rr = (double)miss_ref / (double)n_ref;
    rc = (double)miss_cur / (double)n_cur;
    pool = (double)(miss_ref + miss_cur) / ((double)n_ref + (double)n_cur);
    se = sqrt(pool * (1 - pool) * (1 / (double)n_ref + 1 / (double)n_cur));
    out->n_ref = n_ref;
    out->n_cur = n_cur;
    out->miss_ref = miss_ref;
    out->miss_cur = miss_cur;
    out->rate_ref = rr;
    out->rate_cur = rc;
    out->diff = rc - rr;
    out->z = se > 0 ? (rc - rr) / se : 0.0;
    out->p = se > 0 ? erfc(fabs(out->z) / M_SQRT2) : 1.0;
    out->h = 2 * asin(sqrt(rc)) - 2 * asin(sqrt(rr));
    return 0;
}

int
drift_missing_numeric(const double *ref, size_t n_ref, const double *cur, size_t n_cur,
                      struct drift_missing *out)
{
    size_t mr = 0, mc = 0;

    if ((n_ref > 0 && ref == NULL) || (n_cur > 0 && cur == NULL))
        return DRIFT_EINVAL;
    for (size_t i = 0; i < n_ref; i++)
        mr += isnan(ref[i]) != 0;
    for (size_t i = 0; i < n_cur; i++)
        mc += isnan(cur[i]) != 0;
    return drift_missing(mr, n_ref, mc, n_cur, out);
}

int
drift_missing_levels(const int32_t *ref, size_t n_ref, const int32_t *cur, size_t n_cur,
                     struct drift_missing *out)
{
    size_t mr = 0, mc = 0;

    if ((n_ref > 0 && ref == NULL) || (n_cur > 0 && cur == NULL))
        return DRIFT_EINVAL;
    for (size_t i = 0; i < n_ref; i++)
        mr += ref[i] == -1;
    for (size_t i = 0; i < n_cur; i++)
        mc += cur[i] == -1;
    return drift_missing(mr, n_ref, mc, n_cur, out);
}

/* ---------------------------------------------------------------------- */
/* Verdicts. */

void
drift_thresholds_init(struct drift_thresholds *t)
{
    t->min_n = 100;
    t->alpha = 0.01;
    t->ks_d = 0.1;
    t->cramer_v = 0.1;
    t->missing_h = 0.2;
    t->psi_moderate = 0.1;
    t->psi_large = 0.25;
}

const char *
drift_thresholds_check(const struct drift_thresholds *t)
{
    if (t->min_n < 1)
        return "the minimum sample size must be at least 1";
    if (!(t->alpha > 0 && t->alpha < 1))
        return "alpha must be in (0, 1)";
    if (!(t->ks_d > 0 && t->ks_d <= 1))
        return "the KS threshold must be in (0, 1]";
    if (!(t->cramer_v > 0 && t->cramer_v <= 1))
        return "the Cramér's V threshold must be in (0, 1]";
    if (!(t->missing_h > 0 && t->missing_h <= M_PI))
        return "the missing-rate threshold (Cohen's h) must be in (0, pi]";
    if (!(t->psi_moderate > 0 && t->psi_large >= t->psi_moderate && isfinite(t->psi_large)))
        return "the PSI thresholds must satisfy 0 < moderate <= large";
    return NULL;
}

const char *
drift_verdict_name(enum drift_verdict v)
{
    switch (v) {
    case DRIFT_STABLE:
        return "stable";
    case DRIFT_MODERATE:
        return "moderate";
    case DRIFT_DRIFT:
        return "drift";
    case DRIFT_TOO_FEW:
        return "too few rows";
    }
    return "?";
}

enum drift_verdict
drift_judge(const struct drift_thresholds *t, size_t n_ref, size_t n_cur, double p, double effect,
            double effect_min, double psi)
{
    if (n_ref < t->min_n || n_cur < t->min_n)
        return DRIFT_TOO_FEW;
    if (!(p < t->alpha))
        return DRIFT_STABLE;
    if (fabs(effect) >= effect_min || psi >= t->psi_large)
        return DRIFT_DRIFT;
    if (psi >= t->psi_moderate)
        return DRIFT_MODERATE;
    return DRIFT_STABLE;
}

enum drift_verdict
drift_judge_numeric(const struct drift_thresholds *t, const struct drift_ks *ks,
                    const struct drift_psi *psi)
{
    return drift_judge(t, ks->n_ref, ks->n_cur, ks->p, ks->d, t->ks_d,
                       psi != NULL ? psi->psi : NAN);
}

enum drift_verdict
drift_judge_levels(const struct drift_thresholds *t, const struct drift_chisq *chi,
                   const struct drift_psi *psi)
{
    return drift_judge(t, chi->n_ref, chi->n_cur, chi->p, chi->v, t->cramer_v,
                       psi != NULL ? psi->psi : NAN);
}

enum drift_verdict
drift_judge_missing(const struct drift_thresholds *t, const struct drift_missing *m)
{
    return drift_judge(t, m->n_ref, m->n_cur, m->p, m->h, t->missing_h, NAN);
}
