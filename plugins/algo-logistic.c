/*
 * algo-logistic.c - penalised logistic regression, binary (sigmoid) and
 * multinomial (softmax): L2 with GSL's BFGS minimiser, L1 and elastic net
 * by proximal Newton (up to PN_MAX_PARAMS parameters) or orthant-wise L-BFGS
 * (OWL-QN, beyond).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The objectives are scikit-learn's (solvers lbfgs and saga) times C:
 *
 *     f(W, b) = C * sum_i w_i * logloss_i + 0.5 * ||W||^2     (penalty=l2)
 *     f(W, b) = C * sum_i w_i * logloss_i + ||W||_1           (penalty=l1)
 *     f(W, b) = C * sum_i w_i * logloss_i + r * ||W||_1
 *               + 0.5 * (1 - r) * ||W||^2                     (penalty=elasticnet,
 *                                                              r = l1_ratio)
 *
 * with sample weights w_i (1 without), the intercepts b never penalised and
 * no penalty at all for penalty=none. Two classes use one weight vector and
 * the sigmoid; K > 2 classes use K vectors and the softmax, as scikit-learn's
 * multinomial model. (LIBLINEAR's L1 solver penalises the intercept too: its
 * optimum differs from this one unless intercept_scaling is large.)
 *
 * L2 and none: the minimiser (gsl_multimin_fdfminimizer_vector_bfgs2, a
 * BFGS that keeps only the last step) works in whitened coordinates: with M
 * the matrix of second moments of the rows x~ = (x, 1) (or x without
 * intercept) and M = L L' its Cholesky factor, each class's coefficients
 * theta_k = (W_k, b_k) are L'^-1 u_k. The objective is the same function at
 * the same optimum, still computed on the user's X by BLAS without copying
 * it, but its Hessian is near a multiple of the identity, so far fewer
 * iterations are needed than on raw features (most of all without
 * intercept, or with correlated features). When M is singular or nearly so
 * (collinear or constant columns), only its diagonal part is used: centring
 * and scaling.
 *
 * Stopping rule: converged when the largest absolute component of the
 * gradient of f with respect to the standardised coefficients, s_j * W_kj
 * and b_k + sum_j m_j W_kj (m_j, s_j: the mean and standard deviation of
 * feature j; b_k alone without intercept), is at most tol * max(1, |f|).
 * Measured against f, the rule does not depend on C or on the number of
 * rows; in standardised coordinates it does not depend on the units of the
 * features either (with the raw gradient, a feature in dollars would need a
 * tol a thousand times smaller than the same feature in thousands of
 * dollars), nor on the minimiser's coordinates.
 * An iteration where GSL makes no progress (GSL_ENOPROG: the line search
 * cannot decrease f any more at machine precision) counts as converged when
 * that gradient is already at most LOGISTIC_NOPROG_TOL * max(1, |f|), and
 * as an error otherwise. After max_iter iterations iterate() returns
 * AIWB_OK without convergence: a warning is logged, the "converged" step
 * value is 0 and report() says so.
 *
 * L1 and elastic net: ||W||_1 is not differentiable where a weight is zero,
 * and whitening would mix the weights (the penalty is only separable in
 * coordinates that scale each weight alone), so these penalties use
 * proximal Newton on small problems (below) and otherwise OWL-QN
 * (Andrew and Gao, 2007) in the standardised coordinates above, where the
 * penalty is a weighted L1 norm: each iterate() is one step, an L-BFGS
 * direction from the pseudo-gradient kept in the orthant of the current
 * point, then a backtracking line search along which weights that would
 * cross zero are set to exactly zero. A weight leaves zero only when the
 * gradient of the smooth part exceeds its penalty there. The stopping rule
 * is the one above with the pseudo-gradient (the KKT violation: for a zero
 * weight, by how much the gradient leaves [-penalty, penalty]) in place of
 * the gradient, and the same rule for a line search that cannot decrease f.
 *
 * As R's glm(), the fit warns when fitted probabilities are numerically 0
 * or 1: without a penalty that means the classes are separable and the
 * coefficients grow without bound.
 */
#include <config.h>

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_multimin.h>
#include <gsl/gsl_vector.h>

#include <aiwb/plugin.h>

#include "algo-logistic.h"

/* The name scikit-learn and LIBLINEAR give the inverse penalty strength. */
#define OPT_C "C"

/* GSL_ENOPROG with a gradient this small (relative to max(1, |f|)) is convergence. */
#define LOGISTIC_NOPROG_TOL 1e-4
/* R's glm.fit test: a probability within 10 * DBL_EPSILON of 0 or 1, which is a
 * score beyond log(1 / (10 * DBL_EPSILON)), or a log-loss below 10 * DBL_EPSILON. */
#define EXTREME_SCORE 36.04365338911715
#define EXTREME_LOSS (10 * 2.220446049250313e-16)
/* Line-search accuracy for bfgs2 (sigma of its Wolfe test; GSL suggests 0.1):
 * 0.2 took the fewest evaluations over the unit tests' problems and the
 * 160,000-row benchmark at several C, with and without intercept. */
#define LOGISTIC_LINESEARCH_TOL 0.2
/* Fewer numbers than this in a matrix-vector product, and OpenBLAS computes
 * it on the calling thread (its 2304 * GEMM_MULTITHREAD_THRESHOLD, less one). */
#define LOGISTIC_BLAS_ALONE 9215
/* Penalties with an L1 part: proximal Newton up to this many parameters
 * (its Hessian has their square), OWL-QN beyond. */
#define PN_MAX_PARAMS 500
/* Proximal Newton: rows per block of the Hessian's products, the most
 * sweeps of coordinate descent per step, their tolerance relative to the
 * pseudo-gradient, the sufficient decrease of the line search and its most
 * halvings. */
#define PN_BLOCK 256
#define PN_MAX_SWEEPS 1000
#define PN_INNER_TOL 0.1
#define PN_ARMIJO 0.01
#define PN_MAX_HALVINGS 40
/* OWL-QN: the pairs of steps L-BFGS keeps, the sufficient decrease of its
 * Armijo test, and how many halvings of the step its line search tries. */
#define OWL_MEMORY 10
#define OWL_ARMIJO 1e-4
#define OWL_MAX_HALVINGS 50

static const struct aiwb_host_api *api;

/* What exists only while training. */
struct train {
    const struct aiwb_problem *prob;
    gsl_multimin_fdfminimizer *min;
    gsl_multimin_function_fdf fdf;
    int32_t *yc;     /* n class codes */
    double *mean;    /* p: means of the features, for the stopping rule */
    double *scale;   /* p: their standard deviations (1 for a constant) */
    gsl_matrix *L;   /* d x d: the whitening factor (see the top of the file) */
    double *Z;       /* n x m: the scores X W' at the cached point (no intercept) */
    double *R;       /* n x m: the residuals C * w_i * (prob - onehot) there */
    double *za;      /* n x m: the scores at the anchor ua (see eval_scores) */
    double *zd;      /* n x m: the scores of the line's direction ud */
    double *theta;   /* m x d: the user's coefficients at the cached point */
    double *grad;    /* m x d: the gradient with respect to theta there */
    double *ucache;  /* m x d: the minimiser's point the cache belongs to */
    double *ua;      /* m x d: the anchor: the last point whose gradient was taken */
    double *ud;      /* m x d: the direction of the current line */
    int have_f;      /* f, llsum, Z and R hold for ucache */
    int have_g;      /* grad holds for ucache */
    int have_anchor; /* ua and za hold */
    int have_line;   /* ud and zd hold */
    double f;        /* objective */
    double llsum;    /* sum of w_i * logloss_i */
    double sw;       /* sum of the weights */
    int extreme;     /* some fitted probability is numerically 0 or 1 */
    int failed;      /* a BLAS call failed inside a callback */
    size_t blas_rows; /* two classes: X's products by blocks of this many rows (0: at once) */
    struct sparse *sparse; /* the workspace of the L1 fits, or NULL */
};

/* The workspace of the fits with an L1 part, in standardised coordinates u
 * (nu = m * d numbers each): proximal Newton or OWL-QN. */
struct sparse {
    int newton;    /* proximal Newton, else OWL-QN */
    double *u;     /* the current point */
    double *g;     /* the gradient of the smooth part of f there */
    double *pg;    /* the pseudo-gradient of f there */
    double *lam;   /* the L1 penalty of each coordinate (0 for intercepts) */
    double *dir;   /* the search direction */
    double *unew;  /* the trial point (Newton's H delta while it is solved) */
    double *gnew;  /* the smooth gradient at the accepted trial point */
    double f;      /* the objective at u */
    double pgnorm; /* the max-norm of pg */
    /* Proximal Newton. */
    double *H;  /* nu x nu: the Hessian of the smooth part */
    double *xb; /* PN_BLOCK x d: standardised rows */
    double *cb; /* PN_BLOCK x d: the same times their Hessian weights */
    double *pb; /* PN_BLOCK x (m + 1): probabilities and C w_i of the rows */
    /* OWL-QN. */
    double *S; /* OWL_MEMORY x nu: the last steps u_{k+1} - u_k */
    double *Y; /* OWL_MEMORY x nu: the changes of g along them */
    double rho[OWL_MEMORY];
    size_t nhist; /* pairs held */
    size_t head;  /* where the next pair goes */
};

static void
train_free(struct train *tr)
{
    if (tr == NULL)
        return;
    gsl_multimin_fdfminimizer_free(tr->min);
    if (tr->sparse != NULL) {
        api->free(tr->sparse->u);
        api->free(tr->sparse->H);
        api->free(tr->sparse->xb);
        api->free(tr->sparse->pb);
        api->free(tr->sparse->S);
        api->free(tr->sparse);
    }
    gsl_matrix_free(tr->L);
    api->free(tr->yc);
    api->free(tr->mean);
    api->free(tr->Z);
    api->free(tr->R);
    api->free(tr->za);
    api->free(tr->zd);
    api->free(tr->theta);
    api->free(tr);
}

/* Free what the state owns and zero everything but the options: what
 * training keeps here, the model in the predict half. */
static void
clear(struct logistic *s)
{
    train_free(s->tr);
    s->tr = NULL;
    logistic_clear(s);
}

static const char *
target_name(const struct aiwb_problem *prob)
{
    return prob->target_name != NULL ? prob->target_name : "target";
}

/* ---------------------------------------------------------------------------
 * The objective and its gradient.
 */

/* Map the minimiser's point U to the user's coefficients THETA = L'^-1 U. */
static void
to_theta(const struct logistic *s, struct train *tr, const gsl_vector *u, double *theta)
{
    for (size_t k = 0; k < s->m; k++) {
        gsl_vector_const_view uk = gsl_vector_const_subvector(u, k * s->d, s->d);
        gsl_vector_view tk = gsl_vector_view_array(theta + k * s->d, s->d);
        int rc = gsl_vector_memcpy(&tk.vector, &uk.vector);

        if (rc == GSL_SUCCESS)
            rc = gsl_blas_dtrsv(CblasLower, CblasTrans, CblasNonUnit, tr->L, &tk.vector);
        if (rc != GSL_SUCCESS)
            tr->failed = rc;
    }
}

/* The gradient with respect to U, L^-1 GRAD, from GRAD, the one for theta. */
static void
to_ugrad(const struct logistic *s, struct train *tr, const double *grad, gsl_vector *g)
{
    for (size_t k = 0; k < s->m; k++) {
        gsl_vector_const_view gk = gsl_vector_const_view_array(grad + k * s->d, s->d);
        gsl_vector_view uk = gsl_vector_subvector(g, k * s->d, s->d);
        int rc = gsl_vector_memcpy(&uk.vector, &gk.vector);

        if (rc == GSL_SUCCESS)
            rc = gsl_blas_dtrsv(CblasLower, CblasNoTrans, CblasNonUnit, tr->L, &uk.vector);
        if (rc != GSL_SUCCESS)
            tr->failed = rc;
    }
}

/*
 * Sums of log(1 + e) for 0 <= e <= 1, as log of products: one log() per
 * LOGSUM_BLOCK terms instead of one log1p() per row, which was a third of
 * the whole fit. Terms below 1e-4 go to a series instead, so that tiny
 * log-losses (well separated rows) are not lost in 1 + e; above it, the
 * rounding of 1 + e costs at most 1.2e-16 absolute per term, as much as the
 * sum's own rounding.
 */
#define LOGSUM_BLOCK 32

struct logsum {
    double prod;  /* product of the pending 1 + e */
    double small; /* sum of the series for the small terms */
    double sum;   /* logs of the finished blocks */
    int pending;
};

static inline void
logsum_add(struct logsum *ls, double e)
{
    if (e > 1e-4) {
        ls->prod *= 1.0 + e;
        if (++ls->pending == LOGSUM_BLOCK) {
            ls->sum += log(ls->prod);
            ls->prod = 1.0;
            ls->pending = 0;
        }
    } else {
        ls->small += e * (1.0 - e * (0.5 - e * (1.0 / 3.0 - e * 0.25)));
    }
}

static inline double
logsum_total(const struct logsum *ls)
{
    return ls->sum + log(ls->prod) + ls->small;
}

/*
 * Two classes: log-losses from the scores z = X w, residuals into R. With
 * LINE, the scores are first made here, za + beta * zd (see eval_scores):
 * one pass over the rows instead of two. Without weights, the rows go by
 * blocks of PASS_BLOCK: the exponents, then exp() alone on them, then the
 * rest (the same operations in the same order as one row at a time): a call
 * in the middle of the work makes every value in flight go to the stack and
 * back around it.
 */
#define PASS_BLOCK 256

static double
binary_pass(const struct logistic *s, struct train *tr, int line, double beta)
{
    const size_t n = tr->prob->n;
    const double *w = tr->prob->w, C = s->C, *za = tr->za, *zd = tr->zd;
    const double b = s->intercept ? tr->theta[s->p] : 0;
    const int32_t *yc = tr->yc;
    struct logsum ls = {1.0, 0, 0, 0};
    double *R = tr->R, *Z = tr->Z, ll = 0, zmax = 0;

    if (w == NULL) {
        double eb[PASS_BLOCK];

        for (size_t i0 = 0; i0 < n; i0 += PASS_BLOCK) {
            const size_t nb = n - i0 < PASS_BLOCK ? n - i0 : PASS_BLOCK;

            for (size_t k = 0; k < nb; k++) {
                if (line)
                    Z[i0 + k] = za[i0 + k] + beta * zd[i0 + k];
                double z = Z[i0 + k] + b;
                eb[k] = -fabs(yc[i0 + k] ? -z : z);
            }
            for (size_t k = 0; k < nb; k++)
                eb[k] = exp(eb[k]);
            for (size_t k = 0; k < nb; k++) {
                const size_t i = i0 + k;
                double z = Z[i] + b, e = eb[k];
                /* t is the score of the other class: logloss = log(1 + exp(t)). */
                double t = yc[i] ? -z : z;
                double cs = C * ((t >= 0 ? 1.0 : e) / (1.0 + e)); /* C sigmoid(t) */

                logsum_add(&ls, e);
                ll += t > 0 ? t : 0;
                R[i] = yc[i] ? -cs : cs;
                zmax = fabs(z) > zmax ? fabs(z) : zmax;
            }
        }
        tr->extreme = zmax > EXTREME_SCORE;
        return ll + logsum_total(&ls);
    }
    for (size_t i = 0; i < n; i++) {
        if (line)
            Z[i] = za[i] + beta * zd[i];
        double wi = w[i], z = Z[i] + b;
        double t = yc[i] ? -z : z;
        double e = exp(-fabs(t));
        double sig = (t >= 0 ? 1.0 : e) / (1.0 + e);

        ll += wi * log1p(e);
        ll += wi * (t > 0 ? t : 0);
        R[i] = C * wi * (yc[i] ? -sig : sig);
        if (wi > 0 && fabs(z) > zmax)
            zmax = fabs(z);
    }
    tr->extreme = zmax > EXTREME_SCORE;
    return ll;
}

/* K classes: log-sum-exp log-losses from Z = X W', softmax residuals into R. */
static double
softmax_pass(const struct logistic *s, struct train *tr)
{
    const size_t n = tr->prob->n, m = s->m, p = s->p, d = s->d;
    const double *w = tr->prob->w, C = s->C, *theta = tr->theta;
    const int32_t *yc = tr->yc;
    double ll = 0, lmin = HUGE_VAL;

    for (size_t i = 0; i < n; i++) {
        const double *z = tr->Z + i * m;
        double *r = tr->R + i * m, mx = -HUGE_VAL, sum = 0, zy, wi, cw, li;

        for (size_t k = 0; k < m; k++) {
            r[k] = z[k] + (s->intercept ? theta[k * d + p] : 0);
            if (r[k] > mx)
                mx = r[k];
        }
        zy = r[yc[i]] - mx;
        for (size_t k = 0; k < m; k++) {
            r[k] = exp(r[k] - mx);
            sum += r[k];
        }
        wi = w != NULL ? w[i] : 1.0;
        cw = C * wi;
        li = log(sum) - zy;
        ll += wi * li;
        if (wi > 0 && li < lmin)
            lmin = li;
        for (size_t k = 0; k < m; k++)
            r[k] *= cw / sum;
        r[yc[i]] -= cw;
    }
    /* A row whose class has probability numerically 1. */
    tr->extreme = lmin < EXTREME_LOSS;
    return ll;
}

/*
 * Whether U lies on the line through the anchor with direction ud (to
 * rounding), and where: U = ua + *BETA * ud. The line search of one
 * iteration only visits such points.
 */
static int
on_line(const struct train *tr, size_t nu, const double *u, double *beta)
{
    double dot = 0, dd = 0;

    for (size_t i = 0; i < nu; i++) {
        dot += (u[i] - tr->ua[i]) * tr->ud[i];
        dd += tr->ud[i] * tr->ud[i];
    }
    if (!(dd > 0))
        return 0;
    *beta = dot / dd;
    for (size_t i = 0; i < nu; i++) {
        double off = u[i] - tr->ua[i] - *beta * tr->ud[i];
        if (fabs(off) > 8 * DBL_EPSILON * (fabs(u[i]) + fabs(tr->ua[i])) + DBL_MIN)
            return 0;
    }
    return 1;
}

/*
 * The scores X theta' at the point ucache into Z. The scores are linear in
 * the point, so along a line (a line search) two products with X give all
 * the others as za + beta * zd; a point off the line costs one product and
 * defines the line from the anchor to it. Returns 1 when the point is on
 * the line and there are two classes: then binary_pass makes the scores
 * from *BETA as it goes; else 0, with the scores in Z.
 */
static int
eval_scores(struct logistic *s, struct train *tr, double *beta)
{
    const struct aiwb_problem *prob = tr->prob;
    const size_t n = prob->n, p = s->p, m = s->m, nu = m * s->d;
    int rc = GSL_SUCCESS;

    if (p == 0) {
        memset(tr->Z, 0, n * m * sizeof(double));
        return 0;
    }
    if (tr->have_line && on_line(tr, nu, tr->ucache, beta)) {
        if (m == 1)
            return 1;
        for (size_t i = 0; i < n * m; i++)
            tr->Z[i] = tr->za[i] + *beta * tr->zd[i];
        return 0;
    }
    gsl_matrix_const_view X = gsl_matrix_const_view_array_with_tda(prob->X, n, p, prob->ldx);
    if (m == 1) {
        gsl_vector_const_view wv = gsl_vector_const_view_array(tr->theta, p);
        const size_t rows = tr->blas_rows > 0 ? tr->blas_rows : n;

        for (size_t i0 = 0; i0 < n && rc == GSL_SUCCESS; i0 += rows) {
            const size_t nb = n - i0 < rows ? n - i0 : rows;
            gsl_matrix_const_view Xb = gsl_matrix_const_submatrix(&X.matrix, i0, 0, nb, p);
            gsl_vector_view zb = gsl_vector_view_array(tr->Z + i0, nb);
            rc = gsl_blas_dgemv(CblasNoTrans, 1.0, &Xb.matrix, &wv.vector, 0.0, &zb.vector);
        }
    } else {
        gsl_matrix_const_view W = gsl_matrix_const_view_array_with_tda(tr->theta, m, p, s->d);
        gsl_matrix_view Z = gsl_matrix_view_array(tr->Z, n, m);
        rc = gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, &X.matrix, &W.matrix, 0.0, &Z.matrix);
    }
    if (rc != GSL_SUCCESS)
        tr->failed = rc;
    if (tr->have_anchor) {
        for (size_t i = 0; i < nu; i++)
            tr->ud[i] = tr->ucache[i] - tr->ua[i];
        for (size_t i = 0; i < n * m; i++)
            tr->zd[i] = tr->Z[i] - tr->za[i];
        tr->have_line = 1;
    }
    return 0;
}

/* f at theta, leaving the residuals in R. */
static void
eval_f(struct logistic *s, struct train *tr)
{
    double pen = 0, pen1 = 0, beta = 0;
    int line = eval_scores(s, tr, &beta);

    tr->llsum = s->m == 1 ? binary_pass(s, tr, line, beta) : softmax_pass(s, tr);
    if (s->l2w > 0) {
        for (size_t k = 0; k < s->m; k++)
            for (size_t j = 0; j < s->p; j++)
                pen += tr->theta[k * s->d + j] * tr->theta[k * s->d + j];
    }
    tr->f = s->C * tr->llsum + 0.5 * s->l2w * pen;
    if (s->l1w > 0) {
        for (size_t k = 0; k < s->m; k++)
            for (size_t j = 0; j < s->p; j++)
                pen1 += fabs(tr->theta[k * s->d + j]);
        tr->f += s->l1w * pen1;
    }
    tr->have_f = 1;
    tr->have_g = 0;
}

/* The gradient at theta from the residuals eval_f left in R. */
static void
eval_grad(struct logistic *s, struct train *tr)
{
    const struct aiwb_problem *prob = tr->prob;
    const size_t n = prob->n, p = s->p, m = s->m, d = s->d;
    int rc = GSL_SUCCESS;

    if (p > 0 && m == 1) {
        gsl_matrix_const_view X = gsl_matrix_const_view_array_with_tda(prob->X, n, p, prob->ldx);
        gsl_vector_view g = gsl_vector_view_array(tr->grad, p);
        const size_t rows = tr->blas_rows > 0 ? tr->blas_rows : n;

        for (size_t i0 = 0; i0 < n && rc == GSL_SUCCESS; i0 += rows) {
            const size_t nb = n - i0 < rows ? n - i0 : rows;
            gsl_matrix_const_view Xb = gsl_matrix_const_submatrix(&X.matrix, i0, 0, nb, p);
            gsl_vector_const_view rb = gsl_vector_const_view_array(tr->R + i0, nb);
            rc = gsl_blas_dgemv(CblasTrans, 1.0, &Xb.matrix, &rb.vector, i0 > 0 ? 1.0 : 0.0,
                                &g.vector);
        }
    } else if (p > 0) {
        gsl_matrix_const_view X = gsl_matrix_const_view_array_with_tda(prob->X, n, p, prob->ldx);
        gsl_matrix_const_view R = gsl_matrix_const_view_array(tr->R, n, m);
        gsl_matrix_view G = gsl_matrix_view_array_with_tda(tr->grad, m, p, d);
        rc = gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, &R.matrix, &X.matrix, 0.0, &G.matrix);
    }
    if (rc != GSL_SUCCESS)
        tr->failed = rc;
    if (s->intercept) {
        for (size_t k = 0; k < m; k++)
            tr->grad[k * d + p] = 0;
        for (size_t i = 0; i < n; i++)
            for (size_t k = 0; k < m; k++)
                tr->grad[k * d + p] += tr->R[i * m + k];
    }
    if (s->l2w > 0) {
        for (size_t k = 0; k < m; k++)
            for (size_t j = 0; j < p; j++)
                tr->grad[k * d + j] += s->l2w * tr->theta[k * d + j];
    }
    tr->have_g = 1;
}

/*
 * Make the cache hold f (and the gradient if WANT_G) at the point U. A
 * point whose gradient is taken may be where the next line search starts:
 * it becomes the anchor. It lies on the current line if there is one (every
 * point evaluated since the last anchor does), so the line stays valid.
 */
static void
eval_at(struct logistic *s, const gsl_vector *u, int want_g)
{
    struct train *tr = s->tr;
    const size_t nu = s->m * s->d;
    int same =
        tr->have_f && u->stride == 1 && memcmp(u->data, tr->ucache, nu * sizeof(double)) == 0;

    if (!same) {
        for (size_t i = 0; i < nu; i++)
            tr->ucache[i] = u->data[i * u->stride];
        to_theta(s, tr, u, tr->theta);
        eval_f(s, tr);
    }
    if (want_g && !tr->have_g) {
        eval_grad(s, tr);
        double *swap = tr->za;
        tr->za = tr->Z;
        tr->Z = swap;
        memcpy(tr->ua, tr->ucache, nu * sizeof(double));
        tr->have_anchor = 1;
    }
}

static double
fdf_f(const gsl_vector *u, void *params)
{
    struct logistic *s = params;

    eval_at(s, u, 0);
    return s->tr->f;
}

static void
fdf_df(const gsl_vector *u, void *params, gsl_vector *g)
{
    struct logistic *s = params;

    eval_at(s, u, 1);
    to_ugrad(s, s->tr, s->tr->grad, g);
}

static void
fdf_fdf(const gsl_vector *u, void *params, double *f, gsl_vector *g)
{
    struct logistic *s = params;

    eval_at(s, u, 1);
    *f = s->tr->f;
    to_ugrad(s, s->tr, s->tr->grad, g);
}

/* The largest absolute component of the cached gradient in standardised coordinates. */
static double
grad_maxnorm(const struct logistic *s)
{
    const struct train *tr = s->tr;
    double g = 0;

    for (size_t k = 0; k < s->m; k++) {
        const double *gk = tr->grad + k * s->d;
        double gb = s->intercept ? gk[s->p] : 0;

        for (size_t j = 0; j < s->p; j++)
            g = fmax(g, fabs((gk[j] - tr->mean[j] * gb) / tr->scale[j]));
        g = fmax(g, fabs(gb));
    }
    return g;
}

/* ---------------------------------------------------------------------------
 * Setting up.
 */

/* Read and check the options. */
static int
read_options(struct logistic *s, const struct aiwb_options *opts, char **cause)
{
    const char *penalty = api->opt_str(opts, "penalty");
    int ratio_given = api->opt_given(opts, "l1_ratio");

    s->C = api->opt_real(opts, OPT_C);
    s->penalty = PENALTY_L2;
    for (size_t i = 0; penalty != NULL && i < LOGISTIC_NPENALTIES; i++)
        if (strcmp(penalty, logistic_penalty_names[i]) == 0)
            s->penalty = (enum penalty)i;
    s->l1_ratio = ratio_given ? api->opt_real(opts, "l1_ratio") : NAN;
    if (s->penalty == PENALTY_ELASTICNET && !ratio_given) {
        *cause = api->format("logistic: penalty=elasticnet needs l1_ratio, the share of the L1 "
                             "penalty (0 to 1)");
        return AIWB_EINVAL;
    }
    if (s->penalty != PENALTY_ELASTICNET && ratio_given) {
        *cause = api->format("logistic: l1_ratio applies to penalty=elasticnet only, not "
                             "penalty=%s",
                             logistic_penalty_names[s->penalty]);
        return AIWB_EINVAL;
    }
    if (s->penalty == PENALTY_ELASTICNET && !(s->l1_ratio >= 0 && s->l1_ratio <= 1)) {
        *cause = api->format("logistic: l1_ratio must be a number from 0 to 1, not %g",
                             s->l1_ratio);
        return AIWB_EINVAL;
    }
    logistic_set_weights(s);
    s->intercept = api->opt_bool(opts, "intercept") != 0;
    s->max_iter = api->opt_int(opts, "max_iter");
    s->tol = api->opt_real(opts, "tol");
    if (!(s->C > 0) || !isfinite(s->C)) {
        *cause = api->format("logistic: " OPT_C " must be a number > 0, not %g", s->C);
        return AIWB_EINVAL;
    }
    if (s->max_iter < 1) {
        *cause = api->format("logistic: max_iter must be at least 1, not %" PRId64, s->max_iter);
        return AIWB_EINVAL;
    }
    if (!(s->tol >= 0)) {
        *cause = api->format("logistic: tol must be a number >= 0, not %g", s->tol);
        return AIWB_EINVAL;
    }
    return AIWB_OK;
}

/* Copy the feature and class names (made up when the problem has none). */
static void
copy_names(struct logistic *s, const struct aiwb_problem *prob)
{
    s->features = api->calloc(s->p > 0 ? s->p : 1, sizeof(char *));
    for (size_t j = 0; j < s->p; j++) {
        if (prob->feature_names != NULL && prob->feature_names[j] != NULL)
            s->features[j] = api->strdup(prob->feature_names[j]);
        else
            s->features[j] = api->format("x%zu", j + 1);
    }
    s->classes = api->calloc(s->n_classes, sizeof(char *));
    for (size_t k = 0; k < s->n_classes; k++) {
        if (prob->class_names != NULL && prob->class_names[k] != NULL)
            s->classes[k] = api->strdup(prob->class_names[k]);
        else
            s->classes[k] = api->format("%zu", k);
    }
}

/* Check the data row by row, keep the class codes, count the classes present. */
static int
check_rows(struct logistic *s, struct train *tr, const struct aiwb_problem *prob, char **cause)
{
    size_t *count = api->calloc(s->n_classes, sizeof(size_t)), present = 0, last = 0;
    int rc = AIWB_EDATA;

    tr->sw = 0;
    for (size_t i = 0; i < prob->n; i++) {
        const double *xi = prob->X + i * prob->ldx, yi = prob->y[i];
        double wi = prob->w != NULL ? prob->w[i] : 1.0;

        if (!(yi >= 0 && yi < (double)s->n_classes && yi == floor(yi))) {
            *cause = api->format("logistic: row %zu: the target '%s' is %g, not a class code "
                                 "0..%zu",
                                 i + 1, target_name(prob), yi, s->n_classes - 1);
            goto out;
        }
        if (!isfinite(wi) || wi < 0) {
            *cause = api->format("logistic: row %zu: the weight %g is not a finite number >= 0",
                                 i + 1, wi);
            goto out;
        }
        for (size_t j = 0; j < s->p; j++) {
            if (!isfinite(xi[j])) {
                *cause = api->format("logistic: row %zu column '%s': %g is not a finite number",
                                     i + 1, s->features[j], xi[j]);
                goto out;
            }
            tr->mean[j] += xi[j]; /* summed here to save a pass over X */
        }
        tr->yc[i] = (int32_t)yi;
        tr->sw += wi;
        if (wi > 0 && count[tr->yc[i]]++ == 0) {
            present++;
            last = (size_t)tr->yc[i];
        }
    }
    if (present == 0) {
        *cause = api->format("logistic: no rows with a non-zero weight: there is nothing to fit");
        goto out;
    }
    if (present == 1) {
        *cause = api->format("logistic: the target '%s' has a single class ('%s') in the training "
                             "data: there is nothing to separate",
                             target_name(prob), s->classes[last]);
        goto out;
    }
    for (size_t k = 0; k < s->n_classes; k++)
        if (count[k] == 0)
            api->log(AIWB_LOG_WARN, "logistic: class '%s' has no rows in the training data",
                     s->classes[k]);
    rc = AIWB_OK;
out:
    api->free(count);
    return rc;
}

/* Means and standard deviations of the features (check_rows summed them). */
static void
feature_scales(const struct logistic *s, struct train *tr, const struct aiwb_problem *prob)
{
    const size_t n = prob->n, p = s->p;

    for (size_t j = 0; j < p; j++)
        tr->mean[j] /= (double)n;
    for (size_t i = 0; i < n; i++) {
        const double *xi = prob->X + i * prob->ldx;
        for (size_t j = 0; j < p; j++)
            tr->scale[j] += (xi[j] - tr->mean[j]) * (xi[j] - tr->mean[j]);
    }
    for (size_t j = 0; j < p; j++) {
        tr->scale[j] = sqrt(tr->scale[j] / (double)n);
        if (!(tr->scale[j] > 0) || !isfinite(tr->scale[j]))
            tr->scale[j] = 1.0;
    }
}

/*
 * Cholesky factor of the second moments M in tr->L, computed on M scaled to
 * unit diagonal so that the test of its conditioning does not depend on the
 * units. Returns GSL_SUCCESS, or GSL_EDOM when M is singular or so near it
 * (a pivot at or below MIN_PIVOT) that whitening would lose precision.
 */
#define WHITEN_MIN_PIVOT 1e-10

static int
cholesky_scaled(struct train *tr, size_t d, double min_pivot)
{
    double *dg = api->alloc(d * sizeof(double));
    int rc = GSL_EDOM;

    for (size_t j = 0; j < d; j++) {
        dg[j] = sqrt(gsl_matrix_get(tr->L, j, j));
        if (!(dg[j] > 0) || !isfinite(dg[j]))
            goto out;
    }
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j <= i; j++)
            gsl_matrix_set(tr->L, i, j, gsl_matrix_get(tr->L, i, j) / (dg[i] * dg[j]));
    rc = gsl_linalg_cholesky_decomp1(tr->L);
    if (rc != GSL_SUCCESS)
        goto out;
    rc = GSL_EDOM;
    for (size_t j = 0; j < d; j++)
        if (!(gsl_matrix_get(tr->L, j, j) > sqrt(min_pivot)))
            goto out;
    /* L = diag(dg) L_scaled; the upper triangle is left zero for clarity. */
    for (size_t i = 0; i < d; i++) {
        for (size_t j = 0; j <= i; j++)
            gsl_matrix_set(tr->L, i, j, gsl_matrix_get(tr->L, i, j) * dg[i]);
        for (size_t j = i + 1; j < d; j++)
            gsl_matrix_set(tr->L, i, j, 0);
    }
    rc = GSL_SUCCESS;
out:
    api->free(dg);
    return rc;
}

/*
 * The whitening factor L (see the top of the file): the Cholesky factor of
 * the rows' second moments, or of what they would be for uncorrelated
 * features (centring and scaling) when the full moments are (nearly)
 * singular, or at worst the identity. Fails only when out of memory.
 */
static int
whitening(const struct logistic *s, struct train *tr, const struct aiwb_problem *prob)
{
    const size_t n = prob->n, p = s->p, d = s->d;
    int rc = GSL_SUCCESS;

    feature_scales(s, tr, prob);
    tr->L = gsl_matrix_calloc(d, d);
    if (tr->L == NULL)
        return GSL_ENOMEM;
    if (p > 0) {
        gsl_matrix_const_view X = gsl_matrix_const_view_array_with_tda(prob->X, n, p, prob->ldx);
        gsl_matrix_view M = gsl_matrix_submatrix(tr->L, 0, 0, p, p);
        rc = gsl_blas_dsyrk(CblasLower, CblasTrans, 1.0 / (double)n, &X.matrix, 0.0, &M.matrix);
        if (rc != GSL_SUCCESS)
            return rc;
    }
    if (s->intercept) {
        for (size_t j = 0; j < p; j++)
            gsl_matrix_set(tr->L, p, j, tr->mean[j]);
        gsl_matrix_set(tr->L, p, p, 1.0);
    }
    if (cholesky_scaled(tr, d, WHITEN_MIN_PIVOT) == GSL_SUCCESS)
        return GSL_SUCCESS;

    /* M as if the features were uncorrelated: diag(s^2) + m m' and the
     * means beside the intercept; without intercept, diag(s^2 + m^2). */
    gsl_matrix_set_zero(tr->L);
    for (size_t j = 0; j < p; j++) {
        const double mj = tr->mean[j];

        gsl_matrix_set(tr->L, j, j, tr->scale[j] * tr->scale[j] + mj * mj);
        if (!s->intercept)
            continue;
        for (size_t l = 0; l < j; l++)
            gsl_matrix_set(tr->L, j, l, mj * tr->mean[l]);
        gsl_matrix_set(tr->L, p, j, mj);
    }
    if (s->intercept)
        gsl_matrix_set(tr->L, p, p, 1.0);
    if (cholesky_scaled(tr, d, 0.0) == GSL_SUCCESS) /* positive definite in theory */
        return GSL_SUCCESS;
    /* Means beyond 1e8 standard deviations can defeat even that: no whitening. */
    gsl_matrix_set_identity(tr->L);
    return GSL_SUCCESS;
}

/* Allocate the training workspace and start the minimiser at zero. */
static int
start_minimiser(struct logistic *s, const struct aiwb_problem *prob, char **cause)
{
    struct train *tr = s->tr;
    const size_t nu = s->m * s->d;
    gsl_vector *u0;
    int grc;

    /* OpenBLAS runs a product of fewer than LOGISTIC_BLAS_ALONE numbers on the
     * calling thread. Larger, it wakes its other threads, which then spin
     * for a while after each product: on a machine whose cores are busy they
     * took the core the next pass over the rows needed (with two threads a
     * fit took half as long again as with one). By blocks of rows the
     * products stay on this thread, and a block is read while in cache. */
    if (s->m == 1 && s->p > 0 && LOGISTIC_BLAS_ALONE / s->p >= 64)
        tr->blas_rows = LOGISTIC_BLAS_ALONE / s->p / 64 * 64;
    grc = whitening(s, tr, prob);
    if (grc != GSL_SUCCESS) {
        *cause = api->format("logistic: scaling the features failed: %s", gsl_strerror(grc));
        return grc == GSL_ENOMEM ? AIWB_ENOMEM : AIWB_ENUMERIC;
    }
    tr->min = gsl_multimin_fdfminimizer_alloc(gsl_multimin_fdfminimizer_vector_bfgs2, nu);
    u0 = gsl_vector_calloc(nu);
    if (tr->min == NULL || u0 == NULL) {
        gsl_vector_free(u0);
        *cause = api->format("logistic: out of memory for the minimiser (%zu parameters)", nu);
        return AIWB_ENOMEM;
    }
    tr->fdf.n = nu;
    tr->fdf.f = fdf_f;
    tr->fdf.df = fdf_df;
    tr->fdf.fdf = fdf_fdf;
    tr->fdf.params = s;
    /* The first step: about a Newton step at zero, where the Hessian in the
     * whitened coordinates is near C * sum(w) / 4 times the identity. */
    eval_at(s, u0, 1);
    fdf_df(u0, s, u0);
    double step = gsl_blas_dnrm2(u0) / (0.25 * s->C * tr->sw + s->l2w);
    if (!(step > 0) || !isfinite(step))
        step = 1.0;
    gsl_vector_set_zero(u0);
    grc = gsl_multimin_fdfminimizer_set(tr->min, &tr->fdf, u0, step, LOGISTIC_LINESEARCH_TOL);
    gsl_vector_free(u0);
    if (grc != GSL_SUCCESS || tr->failed) {
        *cause = api->format("logistic: starting the minimiser failed: %s",
                             gsl_strerror(grc != GSL_SUCCESS ? grc : tr->failed));
        return AIWB_ENUMERIC;
    }
    return AIWB_OK;
}

/* ---------------------------------------------------------------------------
 * Penalties with an L1 part: proximal Newton or OWL-QN (see the top of the
 * file), both in standardised coordinates u.
 */

/* The user's coefficients THETA from the standardised point U. */
static void
l1_to_theta(const struct logistic *s, const struct train *tr, const double *u, double *theta)
{
    const size_t p = s->p, d = s->d;

    for (size_t k = 0; k < s->m; k++) {
        const double *uk = u + k * d;
        double *tk = theta + k * d, shift = 0;

        for (size_t j = 0; j < p; j++) {
            tk[j] = uk[j] / tr->scale[j];
            shift += tr->mean[j] * tk[j];
        }
        if (s->intercept)
            tk[p] = uk[p] - shift;
    }
}

/* The objective at the standardised point U, into tr->f (scores in tr->Z). */
static void
l1_eval(struct logistic *s, struct train *tr, const double *u)
{
    l1_to_theta(s, tr, u, tr->theta);
    eval_f(s, tr);
}

/* Into G, the gradient of the smooth part of f in standardised
 * coordinates, at the point l1_eval saw last. */
static void
l1_grad(struct logistic *s, struct train *tr, double *g)
{
    const size_t p = s->p, d = s->d;

    eval_grad(s, tr);
    for (size_t k = 0; k < s->m; k++) {
        const double *gk = tr->grad + k * d;
        double gb = s->intercept ? gk[p] : 0;

        for (size_t j = 0; j < p; j++)
            g[k * d + j] = (gk[j] - tr->mean[j] * gb) / tr->scale[j];
        if (s->intercept)
            g[k * d + p] = gb;
    }
}

/* The pseudo-gradient of f at the current point (zero where a zero
 * weight's gradient lies within its penalty; elsewhere the gradient of f
 * itself, or of f on the side where it decreases) and its max-norm. */
static void
l1_pseudo_gradient(struct sparse *o, size_t nu)
{
    o->pgnorm = 0;
    for (size_t i = 0; i < nu; i++) {
        double g = o->g[i], lam = o->lam[i], v;

        if (o->u[i] > 0)
            v = g + lam;
        else if (o->u[i] < 0)
            v = g - lam;
        else if (g + lam < 0)
            v = g + lam;
        else if (g - lam > 0)
            v = g - lam;
        else
            v = 0;
        o->pg[i] = v;
        o->pgnorm = fmax(o->pgnorm, fabs(v));
    }
}

/* The number of weights (not intercepts) that are not zero. */
static size_t
count_nonzero(const struct logistic *s, const double *theta)
{
    size_t nz = 0;

    for (size_t k = 0; k < s->m; k++)
        for (size_t j = 0; j < s->p; j++)
            nz += theta[k * s->d + j] != 0;
    return nz;
}

static double
dot(const double *a, const double *b, size_t n)
{
    double t = 0;

    for (size_t i = 0; i < n; i++)
        t += a[i] * b[i];
    return t;
}

/*
 * Proximal Newton: the Hessian of the smooth part of f in standardised
 * coordinates, H = sum_i x~_i x~_i' (x) C w_i (diag(p_i) - p_i p_i') for
 * the rows x~_i = ((x_i - m) / s, 1) and their class probabilities p_i
 * (one block for two classes, K x K blocks for the softmax), at the point
 * whose scores tr->Z holds, plus the L2 part on the weights. The rows are
 * standardised block by block into o->xb, so no copy of X is made.
 */
static int
pn_hessian(struct logistic *s, struct train *tr, struct sparse *o)
{
    const struct aiwb_problem *prob = tr->prob;
    const size_t n = prob->n, p = s->p, d = s->d, m = s->m, nu = m * d;
    gsl_matrix_view H = gsl_matrix_view_array(o->H, nu, nu);

    memset(o->H, 0, nu * nu * sizeof(double));
    for (size_t i0 = 0; i0 < n; i0 += PN_BLOCK) {
        const size_t nb = n - i0 < PN_BLOCK ? n - i0 : PN_BLOCK;

        for (size_t r = 0; r < nb; r++) {
            const double *x = prob->X + (i0 + r) * prob->ldx;
            double *xr = o->xb + r * d, *pr = o->pb + r * (m + 1), mx = -HUGE_VAL, sum = 0;
            double wi = prob->w != NULL ? prob->w[i0 + r] : 1.0;

            for (size_t j = 0; j < p; j++)
                xr[j] = (x[j] - tr->mean[j]) / tr->scale[j];
            if (s->intercept)
                xr[p] = 1;
            if (m == 1) {
                double z = tr->Z[i0 + r] + (s->intercept ? tr->theta[p] : 0), e = exp(-fabs(z));
                pr[0] = s->C * wi * e / ((1 + e) * (1 + e)); /* C w p (1 - p) */
                continue;
            }
            for (size_t k = 0; k < m; k++) {
                pr[k] = tr->Z[(i0 + r) * m + k] + (s->intercept ? tr->theta[k * d + p] : 0);
                mx = pr[k] > mx ? pr[k] : mx;
            }
            for (size_t k = 0; k < m; k++) {
                pr[k] = exp(pr[k] - mx);
                sum += pr[k];
            }
            for (size_t k = 0; k < m; k++)
                pr[k] /= sum;
            pr[m] = s->C * wi; /* kept beside the probabilities */
        }
        gsl_matrix_const_view xb = gsl_matrix_const_view_array(o->xb, nb, d);
        for (size_t a = 0; a < m; a++) {
            for (size_t b = a; b < m; b++) {
                for (size_t r = 0; r < nb; r++) {
                    const double *pr = o->pb + r * (m + 1);
                    double c = m == 1 ? pr[0] : pr[m] * pr[a] * ((a == b) - pr[b]);
                    for (size_t j = 0; j < d; j++)
                        o->cb[r * d + j] = c * o->xb[r * d + j];
                }
                gsl_matrix_const_view cb = gsl_matrix_const_view_array(o->cb, nb, d);
                gsl_matrix_view hab = gsl_matrix_submatrix(&H.matrix, a * d, b * d, d, d);
                int rc = gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, &xb.matrix, &cb.matrix,
                                        1.0, &hab.matrix);
                if (rc != GSL_SUCCESS)
                    return rc;
            }
        }
    }
    for (size_t a = 0; a < nu; a++) {
        for (size_t b = 0; b < a; b++)
            o->H[a * nu + b] = o->H[b * nu + a]; /* the blocks below from those above */
        if (a % d < p)
            o->H[a * nu + a] += s->l2w / (tr->scale[a % d] * tr->scale[a % d]);
    }
    return GSL_SUCCESS;
}

/*
 * The proximal Newton direction into o->dir: the minimiser of the
 * quadratic model g'delta + delta'H delta / 2 + sum lam_i |u_i + delta_i|
 * by cyclic coordinate descent (each coordinate's minimum is a
 * soft-threshold), until no coordinate moves by more than TOL in units of
 * the gradient, or PN_MAX_SWEEPS sweeps.
 */
static void
pn_direction(struct sparse *o, size_t nu, double tol)
{
    double *hd = o->unew; /* H delta, kept up to date */

    memset(o->dir, 0, nu * sizeof(double));
    memset(hd, 0, nu * sizeof(double));
    for (int sweep = 0; sweep < PN_MAX_SWEEPS; sweep++) {
        double moved = 0;

        for (size_t i = 0; i < nu; i++) {
            const double *hi = o->H + i * nu, a = hi[i];
            double z0, z, thr, dz;

            if (!(a > 0))
                continue; /* a coordinate the rows never touch */
            z0 = o->u[i] + o->dir[i];
            z = z0 - (o->g[i] + hd[i]) / a;
            thr = o->lam[i] / a;
            z = z > thr ? z - thr : z < -thr ? z + thr : 0;
            dz = z - z0;
            if (dz == 0)
                continue;
            o->dir[i] += dz;
            for (size_t l = 0; l < nu; l++)
                hd[l] += dz * hi[l];
            moved = fmax(moved, a * fabs(dz));
        }
        if (moved <= tol)
            break;
    }
}

/*
 * Backtracking along the proximal Newton direction with Tseng and Yun's
 * test: f(u + t d) <= f(u) + PN_ARMIJO * t * D, D = g'd + lam'(|u + d| -
 * |u|). A decrease the model predicts at rounding level is taken as long
 * as f does not rise beyond rounding, so that the last steps, too small to
 * show in f, still reach the optimum. Returns 1 with unew, gnew and tr->f
 * at the accepted point, 0 when no step is accepted.
 */
static int
pn_line_search(struct logistic *s, struct train *tr, struct sparse *o, size_t nu)
{
    double pred = dot(o->g, o->dir, nu), t = 1, noise = 16 * DBL_EPSILON * fabs(o->f);

    for (size_t i = 0; i < nu; i++)
        pred += o->lam[i] * (fabs(o->u[i] + o->dir[i]) - fabs(o->u[i]));
    if (!(pred < 0))
        return 0;
    for (int tries = 0; tries < PN_MAX_HALVINGS; tries++, t *= 0.5) {
        for (size_t i = 0; i < nu; i++)
            o->unew[i] = o->u[i] + t * o->dir[i];
        l1_eval(s, tr, o->unew);
        if (tr->failed)
            return 0;
        if (tr->f <= o->f + PN_ARMIJO * t * pred ||
            (-pred <= noise && tr->f <= o->f + noise)) {
            l1_grad(s, tr, o->gnew);
            return 1;
        }
    }
    return 0;
}

/*
 * OWL-QN: the search direction, L-BFGS's two-loop recursion applied to
 * the negated pseudo-gradient, with components of the other sign than it
 * set to zero (the direction stays in the orthant the steepest descent
 * points to). Without history, a step of about Newton's size at zero,
 * where the Hessian of the smooth part is near (C * sum(w) / 4 + l2w)
 * times the identity in standardised coordinates.
 */
static void
owl_direction(const struct logistic *s, const struct train *tr, struct sparse *o, size_t nu)
{
    double alpha[OWL_MEMORY], gamma;

    for (size_t i = 0; i < nu; i++)
        o->dir[i] = -o->pg[i];
    for (size_t h = 0; h < o->nhist; h++) {
        size_t at = (o->head + OWL_MEMORY - 1 - h) % OWL_MEMORY;
        alpha[at] = o->rho[at] * dot(o->S + at * nu, o->dir, nu);
        for (size_t i = 0; i < nu; i++)
            o->dir[i] -= alpha[at] * o->Y[at * nu + i];
    }
    if (o->nhist > 0) {
        size_t last = (o->head + OWL_MEMORY - 1) % OWL_MEMORY;
        const double *y = o->Y + last * nu;
        gamma = 1.0 / (o->rho[last] * dot(y, y, nu));
    } else {
        gamma = 1.0 / (0.25 * s->C * tr->sw + s->l2w);
    }
    for (size_t i = 0; i < nu; i++)
        o->dir[i] *= gamma;
    for (size_t h = o->nhist; h-- > 0;) {
        size_t at = (o->head + OWL_MEMORY - 1 - h) % OWL_MEMORY;
        double beta = o->rho[at] * dot(o->Y + at * nu, o->dir, nu);
        for (size_t i = 0; i < nu; i++)
            o->dir[i] += (alpha[at] - beta) * o->S[at * nu + i];
    }
    for (size_t i = 0; i < nu; i++)
        if (o->dir[i] * o->pg[i] >= 0)
            o->dir[i] = 0;
}

/*
 * OWL-QN's line search: backtracking along the direction, each trial point
 * projected on the orthant of the current point (the sign of a weight, or
 * for a zero weight the sign of the steepest descent): a weight that would
 * change sign is set to zero. Returns 1 with unew, gnew and tr->f at the
 * accepted point, or 0 when no step decreases f enough.
 */
static int
owl_line_search(struct logistic *s, struct train *tr, struct sparse *o, size_t nu)
{
    double t = 1;

    for (int tries = 0; tries < OWL_MAX_HALVINGS; tries++, t *= 0.5) {
        double descent = 0;

        for (size_t i = 0; i < nu; i++) {
            double orth = o->u[i] != 0 ? o->u[i] : -o->pg[i], x = o->u[i] + t * o->dir[i];

            o->unew[i] = x * orth > 0 ? x : 0;
            descent += o->pg[i] * (o->unew[i] - o->u[i]);
        }
        if (!(descent < 0))
            return 0; /* the step no longer moves anything */
        l1_eval(s, tr, o->unew);
        if (tr->failed)
            return 0;
        if (tr->f <= o->f + OWL_ARMIJO * descent) {
            l1_grad(s, tr, o->gnew);
            return 1;
        }
    }
    return 0;
}

/* OWL-QN: keep the step from u to unew and the change of the gradient
 * along it, if the curvature they show is positive (else L-BFGS would not
 * descend). */
static void
owl_remember(struct sparse *o, size_t nu)
{
    double *sv = o->S + o->head * nu, *yv = o->Y + o->head * nu, sy, yy;

    for (size_t i = 0; i < nu; i++) {
        sv[i] = o->unew[i] - o->u[i];
        yv[i] = o->gnew[i] - o->g[i];
    }
    sy = dot(sv, yv, nu);
    yy = dot(yv, yv, nu);
    if (!(sy > DBL_EPSILON * yy) || !isfinite(sy))
        return;
    o->rho[o->head] = 1.0 / sy;
    o->head = (o->head + 1) % OWL_MEMORY;
    if (o->nhist < OWL_MEMORY)
        o->nhist++;
}

/*
 * The softmax does not change when every intercept moves alike, and the
 * penalty leaves them free: of the equivalent optima, keep the one whose
 * intercepts, in the user's units, sum to zero (as scikit-learn's, and as
 * BFGS's from zero). U is in standardised units, where the intercept of
 * class k is b_k = u_kp - sum_j mean_j u_kj / scale_j.
 */
static void
l1_centre_intercepts(const struct logistic *s, const struct train *tr, double *u)
{
    double mean = 0;

    if (s->m == 1 || !s->intercept)
        return;
    for (size_t k = 0; k < s->m; k++) {
        const double *uk = u + k * s->d;
        double b = uk[s->p];

        for (size_t j = 0; j < s->p; j++)
            b -= tr->mean[j] * uk[j] / tr->scale[j];
        mean += b;
    }
    mean /= (double)s->m;
    for (size_t k = 0; k < s->m; k++)
        u[k * s->d + s->p] -= mean;
}

/* Whether a problem of NU parameters is fitted by proximal Newton (else OWL-QN). */
static int
use_newton(size_t nu)
{
    return nu <= PN_MAX_PARAMS;
}

/* Means and scales of the features (root mean squares without intercept). */
static void
l1_scales(const struct logistic *s, struct train *tr, const struct aiwb_problem *prob)
{
    if (s->intercept) {
        feature_scales(s, tr, prob);
        return;
    }
    /* No centring without intercept, and a feature far from zero must not
     * look small: scale by the root mean square. */
    for (size_t i = 0; i < prob->n; i++) {
        const double *xi = prob->X + i * prob->ldx;
        for (size_t j = 0; j < s->p; j++)
            tr->scale[j] += xi[j] * xi[j];
    }
    for (size_t j = 0; j < s->p; j++) {
        double rms = sqrt(tr->scale[j] / (double)prob->n);
        tr->scale[j] = rms > 0 && isfinite(rms) ? rms : 1.0;
        tr->mean[j] = 0;
    }
}

/* Allocate the workspace of the L1 fits and evaluate f at zero. */
static int
l1_start(struct logistic *s, const struct aiwb_problem *prob, char **cause)
{
    struct train *tr = s->tr;
    const size_t nu = s->m * s->d;
    struct sparse *o;

    l1_scales(s, tr, prob);
    o = tr->sparse = api->calloc(1, sizeof(*o));
    o->newton = use_newton(nu);
    o->u = api->calloc(7 * nu, sizeof(double));
    o->g = o->u + nu;
    o->pg = o->g + nu;
    o->lam = o->pg + nu;
    o->dir = o->lam + nu;
    o->unew = o->dir + nu;
    o->gnew = o->unew + nu;
    if (o->newton) {
        o->H = api->alloc(nu * nu * sizeof(double));
        o->xb = api->alloc(2 * PN_BLOCK * s->d * sizeof(double));
        o->cb = o->xb + PN_BLOCK * s->d;
        o->pb = api->alloc(PN_BLOCK * (s->m + 1) * sizeof(double));
    } else {
        o->S = api->alloc(2 * OWL_MEMORY * nu * sizeof(double));
        o->Y = o->S + OWL_MEMORY * nu;
    }
    for (size_t k = 0; k < s->m; k++)
        for (size_t j = 0; j < s->p; j++)
            o->lam[k * s->d + j] = s->l1w / tr->scale[j];
    l1_eval(s, tr, o->u);
    l1_grad(s, tr, o->g);
    if (tr->failed) {
        *cause = api->format("logistic: a BLAS operation failed: %s", gsl_strerror(tr->failed));
        return AIWB_ENUMERIC;
    }
    o->f = tr->f;
    l1_pseudo_gradient(o, nu);
    return AIWB_OK;
}

/* A step of the method in use: 1 if taken (unew, gnew, tr->f at the new
 * point), 0 if its line search failed; GSL's status in *GRC. */
static int
l1_try_step(struct logistic *s, struct train *tr, struct sparse *o, size_t nu, int *grc)
{
    *grc = GSL_SUCCESS;
    if (!o->newton) {
        owl_direction(s, tr, o, nu);
        return owl_line_search(s, tr, o, nu);
    }
    /* The model is solved more exactly as the optimum comes near. */
    *grc = pn_hessian(s, tr, o);
    if (*grc != GSL_SUCCESS)
        return 0;
    pn_direction(o, nu, PN_INNER_TOL * o->pgnorm);
    return pn_line_search(s, tr, o, nu);
}

/*
 * One step of the L1 fit. Returns AIWB_OK with *done set when converged
 * (or when no step can decrease f with a small enough pseudo-gradient),
 * AIWB_OK with *done clear to go on, or an error with *cause set.
 */
static int
l1_step(struct logistic *s, int *done, char **cause)
{
    struct train *tr = s->tr;
    struct sparse *o = tr->sparse;
    const size_t nu = s->m * s->d;
    double scale = fabs(o->f) > 1 ? fabs(o->f) : 1;
    int grc;

    if (!isfinite(o->f) || !isfinite(o->pgnorm)) {
        *cause = api->format("logistic: the objective became %g at iteration %" PRId64
                             ": the data may hold extreme values",
                             o->f, s->iterations);
        return AIWB_ENUMERIC;
    }
    *done = o->pgnorm <= s->tol * scale;
    if (*done)
        return AIWB_OK;
    if (!l1_try_step(s, tr, o, nu, &grc)) {
        if (grc != GSL_SUCCESS || tr->failed) {
            *cause = api->format("logistic: a BLAS operation failed: %s",
                                 gsl_strerror(grc != GSL_SUCCESS ? grc : tr->failed));
            return AIWB_ENUMERIC;
        }
        l1_eval(s, tr, o->u); /* what the step reports is the current point */
        if (o->pgnorm <= LOGISTIC_NOPROG_TOL * scale) {
            api->log(AIWB_LOG_INFO,
                     "logistic: no further progress possible at iteration %" PRId64
                     " (pseudo-gradient max-norm %.3g, tol asks for %.3g): taken as converged",
                     s->iterations, o->pgnorm, s->tol * scale);
            *done = 1;
            return AIWB_OK;
        }
        if (!o->newton && o->nhist > 0) {
            /* A poor quasi-Newton model: start again from steepest descent. */
            o->nhist = 0;
            return AIWB_OK;
        }
        *cause = api->format("logistic: the minimiser made no progress at iteration %" PRId64
                             " (pseudo-gradient max-norm %.3g, objective %.10g); standardising "
                             "the features may help",
                             s->iterations, o->pgnorm, o->f);
        return AIWB_ENUMERIC;
    }
    if (!o->newton)
        owl_remember(o, nu);
    memcpy(o->u, o->unew, nu * sizeof(double));
    memcpy(o->g, o->gnew, nu * sizeof(double));
    o->f = tr->f;
    l1_pseudo_gradient(o, nu);
    scale = fabs(o->f) > 1 ? fabs(o->f) : 1;
    *done = isfinite(o->f) && o->pgnorm <= s->tol * scale;
    return AIWB_OK;
}

/* Whether the penalty has an L1 part (then proximal Newton or OWL-QN fits, else BFGS). */
static int
has_l1(const struct logistic *s)
{
    return s->penalty == PENALTY_L1 || s->penalty == PENALTY_ELASTICNET;
}

/* Read the options, check the problem and set up the minimiser at zero. */
static int
logistic_init(void *state, const struct aiwb_options *opts, const struct aiwb_problem *prob,
              char **cause)
{
    struct logistic *s = state;
    struct train *tr;
    int rc;

    clear(s);
    rc = read_options(s, opts, cause);
    if (rc != AIWB_OK)
        return rc;
    s->p = prob->p;
    s->n_classes = prob->n_classes;
    s->m = s->n_classes > 2 ? s->n_classes : 1;
    s->d = s->p + (size_t)s->intercept;
    if (s->n_classes < 2) {
        *cause =
            api->format("logistic: the target '%s' has %s: there is nothing to separate",
                        target_name(prob), s->n_classes == 1 ? "a single class" : "no classes");
        return AIWB_EDATA;
    }
    if (prob->n == 0 || s->d == 0) {
        *cause = api->format("logistic: %s: there is nothing to fit",
                             prob->n == 0 ? "no rows" : "no features and no intercept");
        return AIWB_EDATA;
    }
    copy_names(s, prob);
    s->coef = api->calloc(s->m * s->d, sizeof(double));

    tr = s->tr = api->calloc(1, sizeof(struct train));
    tr->prob = prob;
    tr->yc = api->alloc(prob->n * sizeof(int32_t));
    tr->mean = api->calloc(2 * s->p + 1, sizeof(double));
    tr->scale = tr->mean + s->p;
    tr->Z = api->alloc(prob->n * s->m * sizeof(double));
    tr->R = api->alloc(prob->n * s->m * sizeof(double));
    tr->za = api->alloc(prob->n * s->m * sizeof(double));
    tr->zd = api->alloc(prob->n * s->m * sizeof(double));
    tr->theta = api->calloc(5 * s->m * s->d, sizeof(double));
    tr->grad = tr->theta + s->m * s->d;
    tr->ucache = tr->grad + s->m * s->d;
    tr->ua = tr->ucache + s->m * s->d;
    tr->ud = tr->ua + s->m * s->d;
    rc = check_rows(s, tr, prob, cause);
    if (rc == AIWB_OK)
        rc = has_l1(s) ? l1_start(s, prob, cause) : start_minimiser(s, prob, cause);
    return rc;
}

/* ---------------------------------------------------------------------------
 * Iterating.
 */

static void
report_step(const struct logistic *s, struct aiwb_step *step, double gnorm)
{
    const struct train *tr = s->tr;

    api->step_value(step, "loss", tr->llsum / tr->sw);
    api->step_value(step, "objective", tr->f);
    api->step_value(step, "gradient", gnorm);
    if (has_l1(s))
        api->step_value(step, "nonzero", (double)count_nonzero(s, tr->theta));
}

/* One iteration of the L1 fit. */
static int
l1_iterate(struct logistic *s, struct aiwb_step *step, char **cause)
{
    struct sparse *o = s->tr->sparse;
    int done = 0, rc;

    s->iterations++;
    rc = l1_step(s, &done, cause);
    if (rc != AIWB_OK)
        return rc;
    report_step(s, step, o->pgnorm);
    s->converged = done;
    api->step_value(step, "converged", s->converged);
    if (s->converged)
        return AIWB_OK;
    if (s->iterations >= s->max_iter) {
        api->log(AIWB_LOG_WARN,
                 "logistic: stopped after max_iter=%" PRId64 " iterations "
                 "without converging (pseudo-gradient max-norm %.3g > %.3g)",
                 s->iterations, o->pgnorm, s->tol * (fabs(o->f) > 1 ? fabs(o->f) : 1));
        return AIWB_OK;
    }
    return AIWB_CONTINUE;
}

/* One BFGS iteration, then the gradient test. */
static int
logistic_iterate(void *state, const struct aiwb_problem *prob, struct aiwb_step *step, char **cause)
{
    struct logistic *s = state;
    struct train *tr = s->tr;
    double gnorm, scale;
    int grc;

    if (tr == NULL || s->converged)
        return AIWB_OK;
    tr->prob = prob;
    if (tr->sparse != NULL)
        return l1_iterate(s, step, cause);
    grc = gsl_multimin_fdfminimizer_iterate(tr->min);
    s->iterations++;
    eval_at(s, tr->min->x, 1); /* usually cached: the line search ended there */
    if (tr->failed) {
        *cause = api->format("logistic: a BLAS operation failed: %s", gsl_strerror(tr->failed));
        return AIWB_ENUMERIC;
    }
    gnorm = grad_maxnorm(s);
    scale = fabs(tr->f) > 1 ? fabs(tr->f) : 1;
    report_step(s, step, gnorm);
    if (!isfinite(tr->f) || !isfinite(gnorm)) {
        *cause = api->format("logistic: the objective became %g at iteration %" PRId64
                             ": the data may hold extreme values",
                             tr->f, s->iterations);
        return AIWB_ENUMERIC;
    }
    if (gnorm <= s->tol * scale) {
        s->converged = 1;
    } else if (grc == GSL_ENOPROG && gnorm <= LOGISTIC_NOPROG_TOL * scale) {
        api->log(AIWB_LOG_INFO,
                 "logistic: no further progress possible at iteration %" PRId64
                 " (gradient max-norm %.3g, tol asks for %.3g): taken as converged",
                 s->iterations, gnorm, s->tol * scale);
        s->converged = 1;
    } else if (grc != GSL_SUCCESS) {
        *cause = api->format("logistic: the minimiser %s at iteration %" PRId64
                             " (gradient max-norm %.3g, objective %.10g); standardising the "
                             "features may help",
                             grc == GSL_ENOPROG ? "made no progress" : gsl_strerror(grc),
                             s->iterations, gnorm, tr->f);
        return AIWB_ENUMERIC;
    }
    api->step_value(step, "converged", s->converged);
    if (s->converged)
        return AIWB_OK;
    if (s->iterations >= s->max_iter) {
        api->log(AIWB_LOG_WARN,
                 "logistic: stopped after max_iter=%" PRId64 " iterations "
                 "without converging (gradient max-norm %.3g > %.3g)",
                 s->iterations, gnorm, s->tol * scale);
        return AIWB_OK;
    }
    return AIWB_CONTINUE;
}

/* What numerically 0 or 1 probabilities mean for this fit (a static string). */
static const char *
extreme_note(const struct logistic *s)
{
    if (s->penalty == PENALTY_NONE)
        return "fitted probabilities numerically 0 or 1 occurred: the classes are separable "
               "(or nearly), and without a penalty the coefficients grow without bound; use "
               "penalty=l2";
    return "fitted probabilities numerically 0 or 1 occurred: a smaller " OPT_C
           " would keep the coefficients smaller";
}

/* Keep the last point of the minimiser (its best) and free the workspace. */
static int
logistic_finish(void *state, const struct aiwb_problem *prob, char **cause)
{
    struct logistic *s = state;
    struct train *tr = s->tr;

    if (tr == NULL) {
        *cause = api->format("logistic: finish without a successful init");
        return AIWB_EINVAL;
    }
    tr->prob = prob;
    if (tr->sparse != NULL) {
        l1_centre_intercepts(s, tr, tr->sparse->u);
        l1_eval(s, tr, tr->sparse->u);
        s->gradient = tr->sparse->pgnorm;
    } else {
        eval_at(s, tr->min->x, 1);
        s->gradient = grad_maxnorm(s);
    }
    memcpy(s->coef, tr->theta, s->m * s->d * sizeof(double));
    s->loss = tr->llsum / tr->sw;
    s->objective = tr->f;
    s->extreme = tr->extreme;
    if (s->extreme)
        api->log(AIWB_LOG_WARN, "logistic: %s", extreme_note(s));
    train_free(tr);
    s->tr = NULL;
    s->fitted = 1;
    return AIWB_OK;
}

/* One note line from a format; the table copies it. */
static void
note(struct aiwb_table *t, char *text)
{
    api->table_note(t, text);
    api->free(text);
}

/* The objective's formula for the report (a static string). */
static const char *
objective_text(const struct logistic *s)
{
    static const char *const text[] = {
        [PENALTY_NONE] = "sum(logloss)",
        [PENALTY_L2] = OPT_C " * sum(logloss) + ||w||^2 / 2",
        [PENALTY_L1] = OPT_C " * sum(logloss) + ||w||_1",
        [PENALTY_ELASTICNET] = OPT_C " * sum(logloss) + l1_ratio * ||w||_1 + "
                               "(1 - l1_ratio) * ||w||^2 / 2",
    };

    return text[s->penalty];
}

/* The coefficients (intercept first), one column per class for K > 2. */
static int
logistic_report(const void *state, struct aiwb_table *t)
{
    const struct logistic *s = state;
    const size_t p = s->p, d = s->d;

    if (!s->fitted)
        return AIWB_EINVAL;
    api->table_title(t, "logistic: coefficients");
    api->table_column(t, "term", AIWB_TABLE_TEXT);
    for (size_t k = 0; k < s->m; k++)
        api->table_column(t, s->m == 1 ? "estimate" : s->classes[k], AIWB_TABLE_REAL);
    if (s->intercept) {
        api->table_text(t, "(Intercept)");
        for (size_t k = 0; k < s->m; k++)
            api->table_real(t, s->coef[k * d + p]);
    }
    for (size_t j = 0; j < p; j++) {
        api->table_text(t, s->features[j]);
        for (size_t k = 0; k < s->m; k++)
            api->table_real(t, s->coef[k * d + j]);
    }
    if (s->m == 1)
        note(t, api->format("Estimates are log-odds of class '%s' against '%s'", s->classes[1],
                            s->classes[0]));
    if (s->converged)
        note(t, api->format("Converged after %" PRId64 " iterations (gradient max-norm %.3g)",
                            s->iterations, s->gradient));
    else
        note(t, api->format("Did not converge within %" PRId64 " iterations (gradient max-norm "
                            "%.3g): the coefficients may be far from the optimum",
                            s->iterations, s->gradient));
    if (s->extreme)
        note(t, api->format("Warning: %s", extreme_note(s)));
    if (has_l1(s)) {
        size_t nz = count_nonzero(s, s->coef), all = s->m * s->p;
        note(t, api->format("%zu of %zu weights are zero (%s penalty)", all - nz, all,
                            logistic_penalty_names[s->penalty]));
    }
    note(t, api->format("Training log-loss: %.6g; objective %s: %.10g", s->loss,
                        objective_text(s), s->objective));
    return AIWB_OK;
}

/* The options, the names, the coefficients and the fit's numbers. */
static int
logistic_save(const void *state, struct aiwb_writer *w)
{
    const struct logistic *s = state;
    int rc;

    if (!s->fitted)
        return AIWB_EINVAL;
    rc = api->put_real(w, "c", s->C);
    if (rc == AIWB_OK)
        rc = api->put_str(w, "penalty", logistic_penalty_names[s->penalty]);
    if (rc == AIWB_OK)
        rc = api->put_real(w, "l1_ratio", s->l1_ratio);
    if (rc == AIWB_OK)
        rc = api->put_int(w, "intercept", s->intercept);
    if (rc == AIWB_OK)
        rc = api->put_int(w, "max_iter", s->max_iter);
    if (rc == AIWB_OK)
        rc = api->put_real(w, "tol", s->tol);
    if (rc == AIWB_OK)
        rc = api->put_strs(w, "features", s->p, (const char *const *)s->features);
    if (rc == AIWB_OK)
        rc = api->put_strs(w, "classes", s->n_classes, (const char *const *)s->classes);
    if (rc == AIWB_OK)
        rc = api->put_reals(w, "coef", s->m * s->d, s->coef);
    if (rc == AIWB_OK)
        rc = api->put_int(w, "iterations", s->iterations);
    if (rc == AIWB_OK)
        rc = api->put_int(w, "converged", s->converged);
    if (rc == AIWB_OK)
        rc = api->put_real(w, "loss", s->loss);
    if (rc == AIWB_OK)
        rc = api->put_real(w, "objective", s->objective);
    if (rc == AIWB_OK)
        rc = api->put_real(w, "gradient", s->gradient);
    if (rc == AIWB_OK)
        rc = api->put_int(w, "extreme", s->extreme);
    return rc;
}

/* Free what training keeps, then the model. */
static void
fini(void *state)
{
    clear(state);
}

static const struct aiwb_option_spec logistic_options[] = {
    {.name = OPT_C,
     .type = AIWB_OPT_REAL,
     .def = "1.0",
     .min = 0,
     .max = INFINITY,
     .flags = AIWB_OPT_MIN_EXCLUSIVE,
     .help = "inverse regularisation strength, as C in scikit-learn and LIBLINEAR: "
             "the smaller, the stronger the penalty"},
    {.name = "penalty",
     .type = AIWB_OPT_CHOICE,
     .def = "l2",
     .choices = "l2|l1|elasticnet|none",
     .help = "l2: add ||w||^2 / 2 to C times the log-loss (BFGS); l1: add ||w||_1, which sets "
             "weights to exactly zero (proximal Newton, or OWL-QN beyond 500 parameters); "
             "elasticnet: add l1_ratio * ||w||_1 + (1 - l1_ratio) * ||w||^2 / 2 (likewise); "
             "none: plain maximum likelihood"},
    {.name = "l1_ratio",
     .type = AIWB_OPT_REAL,
     .min = 0,
     .max = 1,
     .help = "for penalty=elasticnet (and required by it): the share of the L1 penalty, "
             "from 0 (l2) to 1 (l1), as in scikit-learn"},
    {.name = "intercept",
     .type = AIWB_OPT_BOOL,
     .def = "true",
     .help = "fit an intercept per class (never penalised)"},
    {.name = "max_iter",
     .type = AIWB_OPT_INT,
     .def = "100",
     .min = 1,
     .max = INFINITY,
     .help = "stop after this many iterations (BFGS, proximal Newton or OWL-QN steps) even "
             "if not converged"},
    {.name = "tol",
     .type = AIWB_OPT_REAL,
     .def = "1e-6",
     .min = 0,
     .max = INFINITY,
     .help = "converged when the largest component of the gradient (for standardised "
             "features; with an L1 part, the pseudo-gradient) is at most "
             "tol * max(1, |objective|)"},
    {.name = NULL},
};

static const struct aiwb_algorithm_type logistic_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_algorithm_type),
    .name = "logistic",
    .summary = "logistic regression, binary or multinomial, L2 (BFGS), L1 or elastic net "
               "penalty",
    .options = logistic_options,
    .flags = LOGISTIC_FLAGS,
    .state_version = LOGISTIC_STATE_VERSION,
    .state_size = sizeof(struct logistic),
    .init = logistic_init,
    .iterate = logistic_iterate,
    .finish = logistic_finish,
    .n_outputs = logistic_n_outputs,
    .predict = logistic_predict,
    .report = logistic_report,
    .save = logistic_save,
    .load = logistic_load,
    .fini = fini,
};

/* The module's entry point: registers the "logistic" algorithm. */
int
aiwb_plugin_init(struct aiwb_plugin *p, const struct aiwb_host_api *host)
{
    AIWB_PLUGIN_BEGIN(p, host, api, "logistic", "1.1.0");
    algo_logistic_bind(host);
    return api->register_algorithm(p, &logistic_type);
}
