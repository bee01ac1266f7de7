# glm-reference.R - R's reference numbers for tests/unit/test-glm.c (the
# poisson, robust and spline plugins).
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Regenerate from this folder (R 4.2.2, MASS 7.3-58, splines):
#     Rscript glm-reference.R
# It writes glm-reference.txt: lines "<key> [<term>] <numbers>", numbers as
# %.17g. Categorical levels are coded as aiwb's automatic onehot codes them:
# levels sorted by their text (C locale), the first one dropped, the dummy
# named "column=level".

library(MASS)
library(splines)

out <- file("glm-reference.txt", "w")
g <- function(x) paste(sprintf("%.17g", x), collapse = " ")
put <- function(key, x, term = NULL)
    writeLines(paste(c(key, term, g(x)), collapse = " "), out)
writeLines(sprintf("# made by glm-reference.R with %s, MASS %s; do not edit",
                   R.version.string, packageVersion("MASS")), out)

# Treatment dummies of character column X, aiwb's way.
dummies <- function(d, col) {
    lv <- sort(unique(d[[col]]), method = "radix")
    m <- sapply(lv[-1], function(l) as.numeric(d[[col]] == l))
    colnames(m) <- paste0(col, "=", lv[-1])
    m
}

# ---------------------------------------------------------------------------
# poisson: glm(family = poisson) and its summary.

put_glm <- function(name, fit) {
    s <- summary(fit)
    cf <- coef(s)
    for (i in seq_len(nrow(cf)))
        put(paste0(name, ".coef"), cf[i, ], sub("^X", "", rownames(cf)[i]))
    put(paste0(name, ".deviance"), c(fit$deviance, fit$df.residual))
    put(paste0(name, ".null"), c(fit$null.deviance, fit$df.null))
    put(paste0(name, ".aic"), fit$aic)
    put(paste0(name, ".iter"), fit$iter)
    put(paste0(name, ".fitted"), fitted(fit)[1:5])
}

wb <- read.csv("warpbreaks.csv", stringsAsFactors = FALSE)
X <- cbind(dummies(wb, "wool"), dummies(wb, "tension"))
put_glm("warpbreaks", glm(wb$breaks ~ X, family = poisson))
# Weights 0, 1, 2 by row number, as the test gives them.
w <- seq_len(nrow(wb)) %% 3
put_glm("warpbreaks_w", glm(wb$breaks ~ X, family = poisson, weights = w))
put_glm("warpbreaks_noint", glm(wb$breaks ~ X - 1, family = poisson))

# A steep fall to zero counts: an estimate exists, but some fitted rates are
# numerically 0 (glm.fit warns so).
steep <- data.frame(x = 0:15, y = c(20, 1, rep(0, 14)))
put_glm("steep", glm(y ~ x, family = poisson, data = steep))

ins <- read.csv("insurance.csv", stringsAsFactors = FALSE)
X <- cbind(dummies(ins, "District"), dummies(ins, "Group"), dummies(ins, "Age"))
put_glm("insurance", glm(ins$Claims ~ X + offset(log(ins$Holders)), family = poisson))

# ---------------------------------------------------------------------------
# robust: MASS::rlm, and GSL's algorithm written out in R.

put_rlm <- function(name, fit) {
    s <- summary(fit)
    cf <- coef(s)
    for (i in seq_len(nrow(cf)))
        put(paste0(name, ".coef"), cf[i, ], rownames(cf)[i])
    put(paste0(name, ".scale"), fit$s)
}

chem <- read.csv("chem.csv")$chem
put_rlm("chem_huber", rlm(chem ~ 1, psi = psi.huber, k = 1.345, scale.est = "MAD",
                          acc = 1e-15, maxit = 1000))
put_rlm("chem_bisquare", rlm(chem ~ 1, psi = psi.bisquare, c = 4.685, scale.est = "MAD",
                             acc = 1e-15, maxit = 1000))

sl <- read.csv("stackloss.csv")
put_rlm("stackloss_huber_rlm", rlm(stack_loss ~ ., data = sl, psi = psi.huber, k = 1.345,
                                   scale.est = "MAD", acc = 1e-15, maxit = 1000))
put_rlm("stackloss_bisquare_rlm", rlm(stack_loss ~ ., data = sl, psi = psi.bisquare,
                                      c = 4.685, scale.est = "MAD", acc = 1e-15, maxit = 1000))

# GSL's gsl_multifit_robust (multifit/multirobust.c, after DuMouchel and
# O'Brien 1989 and Street, Carroll and Ruppert 1988), step by step.
wfun <- list(huber = function(u) ifelse(abs(u) <= 1, 1, 1 / abs(u)),
             bisquare = function(u) ifelse(abs(u) < 1, (1 - u^2)^2, 0))
dpsi <- list(huber = function(u) ifelse(abs(u) <= 1, 1, 0),
             bisquare = function(u) ifelse(abs(u) < 1, (1 - u^2) * (1 - 5 * u^2), 0))
gsl_robust <- function(X, y, method, tune, maxit = 100) {
    n <- nrow(X); p <- ncol(X)
    madsigma <- function(r) median(sort(abs(r))[p:n]) / 0.6745
    sig_lower <- 1e-6 * sd(y)
    if (sig_lower == 0) sig_lower <- 1
    cf <- qr.solve(X, y)
    h <- pmin(hat(X, intercept = FALSE), 0.9999)
    resfac <- 1 / sqrt(1 - h)
    r <- drop(y - X %*% cf)
    sigma_ols <- sqrt(sum(r^2) / (n - p))
    it <- 0
    repeat {
        it <- it + 1
        ra <- r * resfac
        u <- ra / (max(madsigma(ra), sig_lower) * tune)
        prev <- cf
        cf <- lm.wfit(X, y, wfun[[method]](u))$coefficients
        r <- drop(y - X %*% cf)
        if (all(abs(cf - prev) <= sqrt(.Machine$double.eps) * pmax(abs(cf), abs(prev))) ||
            it >= maxit)
            break
    }
    sigma_mad <- madsigma(r)
    st <- sigma_mad * tune
    u <- r * resfac / st
    a <- mean(dpsi[[method]](u))
    b <- sum((1 - h) * (u * wfun[[method]](u))^2) / (n - p)
    lambda <- 1 + p / n * (1 - a) / a
    sigma_rob <- lambda * sqrt(b) * st / a
    sigma <- max(sigma_rob, sqrt((sigma_ols^2 * p^2 + sigma_rob^2 * n) / (p^2 + n)))
    se <- sigma * sqrt(diag(solve(crossprod(X))))
    list(coef = cf, se = se, sigma = sigma, sigma_mad = sigma_mad, sigma_rob = sigma_rob,
         sigma_ols = sigma_ols, iter = it)
}
put_gsl <- function(name, fit, terms) {
    for (i in seq_along(fit$coef))
        put(paste0(name, ".coef"), c(fit$coef[i], fit$se[i]), terms[i])
    put(paste0(name, ".sigma"), c(fit$sigma, fit$sigma_mad, fit$sigma_rob, fit$sigma_ols))
    put(paste0(name, ".iter"), fit$iter)
}
Xs <- cbind(1, as.matrix(sl[, 1:3]))
terms <- c("(Intercept)", names(sl)[1:3])
put_gsl("stackloss_huber", gsl_robust(Xs, sl$stack_loss, "huber", 1.345), terms)
put_gsl("stackloss_bisquare", gsl_robust(Xs, sl$stack_loss, "bisquare", 4.685), terms)
rf <- read.csv("robfit.csv")
put_gsl("robfit_bisquare", gsl_robust(cbind(1, rf$x), rf$y, "bisquare", 4.685),
        c("(Intercept)", "x"))
put("robfit_ols", coef(lm(y ~ x, data = rf)))

# ---------------------------------------------------------------------------
# spline: lm() on bs() bases with the knots the plugin places.

# The knots bs(x, df = K + 3) places (quantiles of x), without repeats and
# without those on the boundary, as the plugin keeps them.
knots_q <- function(x, K) {
    q <- quantile(x, seq.int(0, 1, length.out = K + 2)[-c(1, K + 2)], names = FALSE)
    q <- unique(q)
    q[q > min(x) & q < max(x)]
}
knots_u <- function(x, K) min(x) + (1:K) * ((max(x) - min(x)) / (K + 1))

put_lm <- function(name, fit, X, terms, newdata) {
    cf <- coef(fit)
    put(paste0(name, ".coef"), cf)
    s <- summary(fit)
    put(paste0(name, ".fit"), c(sum(resid(fit)^2), s$sigma, s$df[2], s$r.squared,
                                s$adj.r.squared))
    d1 <- drop1(fit, test = "F")
    for (t in terms)
        put(paste0(name, ".term"), c(d1[t, "F value"], d1[t, "Pr(>F)"]), t)
    put(paste0(name, ".fitted"), fitted(fit)[1:10])
    put(paste0(name, ".predict"), predict(fit, newdata))
}

db <- read.csv("../../../datasets/diabetes.csv")
num <- setdiff(names(db), c("sex", "y"))
K <- 5
kn <- lapply(db[num], knots_q, K = K)
for (v in num)
    put("diabetes.knots", kn[[v]], v)
# The terms in the plugin's order: each feature, sex linear.
bsx <- function(v, x) bs(x, knots = kn[[v]], Boundary.knots = range(db[[v]]))
f <- as.formula(paste("y ~", paste(sapply(names(db)[-11], function(v)
    if (v == "sex") "sex" else sprintf("bsx('%s', %s)", v, v)), collapse = " + ")))
fit <- lm(f, data = db)
# New rows inside the training range: the means, and rows 1 to 3 halfway to the mean.
nd <- rbind(colMeans(db), (db[1:3, ] + matrix(colMeans(db), 3, 11, byrow = TRUE)) / 2)
terms <- attr(terms(fit), "term.labels")
put_lm("diabetes", fit, NULL, terms, nd)
writeLines(paste("diabetes.terms", paste(terms, collapse = " ")), out)

# Three features, three uniform knots.
sub <- c("bmi", "bp", "s5")
ku <- lapply(db[sub], knots_u, K = 3)
bsu <- function(v, x) bs(x, knots = ku[[v]], Boundary.knots = range(db[[v]]))
fit <- lm(y ~ bsu("bmi", bmi) + bsu("bp", bp) + bsu("s5", s5), data = db)
put_lm("uniform", fit, NULL, attr(terms(fit), "term.labels"), nd)

# The penalty: lambda times the integral of f''(t)^2 over t in [0, 1] (the
# feature rescaled), by 20-point Gauss-Legendre quadrature on each knot
# interval (exact: the integrand is a quadratic), independently of the
# plugin's Simpson sums; then (X'X + Omega) b = X'y and the effective df.
gl <- function(m) {  # Golub-Welsch: nodes and weights on [-1, 1]
    b <- (1:(m - 1)) / sqrt(4 * (1:(m - 1))^2 - 1)
    e <- eigen(diag(0, m) + rbind(cbind(0, diag(b, m - 1)), 0) +
               t(rbind(cbind(0, diag(b, m - 1)), 0)), symmetric = TRUE)
    list(x = e$values, w = 2 * e$vectors[1, ]^2)
}
q <- gl(20)
omega <- function(x, kn) {
    bk <- range(x)
    all <- c(bk[1], kn, bk[2])
    ak <- sort(c(rep(bk, 4), kn))
    om <- 0
    for (i in seq_len(length(all) - 1)) {
        a <- all[i]; b <- all[i + 1]
        z <- (b - a) / 2 * q$x + (a + b) / 2
        d2 <- splineDesign(ak, z, ord = 4, derivs = rep(2, length(z)))[, -1]
        om <- om + crossprod(d2 * sqrt((b - a) / 2 * q$w))
    }
    om * diff(bk)^3
}
lambda <- 0.5
fit <- lm(y ~ bsu("bmi", bmi) + bsu("bp", bp) + bsu("s5", s5), data = db)
Xd <- model.matrix(fit)
P <- matrix(0, ncol(Xd), ncol(Xd))
at <- 2
for (v in sub) {
    m <- length(ku[[v]]) + 3
    P[at:(at + m - 1), at:(at + m - 1)] <- omega(db[[v]], ku[[v]])
    at <- at + m
}
A <- crossprod(Xd) + lambda * P
b <- solve(A, crossprod(Xd, db$y))
Fm <- solve(A, crossprod(Xd))
put("penalised.coef", b)
put("penalised.edf", c(sum(diag(Fm)[2:7]), sum(diag(Fm)[8:13]), sum(diag(Fm)[14:19])))
put("penalised.rss", sum((db$y - Xd %*% b)^2))
put("penalised.omega_bmi", omega(db$bmi, ku$bmi)[1, ])

close(out)
