# ridge-r.R - R's reference numbers for ridge in tests/unit/test-linear.c.
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Regenerate from this folder, on the bundled dataset:
#     Rscript ridge-r.R
# It writes ridge-r.txt, lines "<fit>.<what> v1 v2 ..." (numbers as %.17g).
# Closed forms, independent of the plugin's algebra: the coefficients solve
# (Xc'W Xc + lambda I) b = Xc'W yc; df, RSS and GCV come from the hat matrix
# H = Z (Z'Z + lambda P)^-1 Z' of Z = sqrt(W) [1 X] on the rows of non-zero
# weight (P penalises all but the intercept): df = tr(H) - 1, GCV = n RSS /
# (n - tr(H))^2. The GCV minimiser is the best of the plugin's default path
# (100 values from 10 trace(Xc'W Xc) down 1e-8 of that), refined by
# optimize() between its neighbours. "lmridge" checks MASS::lm.ridge on the
# features standardised with divisor n (lm.ridge's own scaling is then 1).

suppressMessages(library(MASS))
d <- read.csv("../../../datasets/diabetes.csv")
X <- as.matrix(d[, 1:10])
y <- d$y
n <- nrow(X)
rowmod5 <- seq_len(n) %% 5
g <- function(x) paste(sprintf("%.17g", x), collapse = " ")
out <- file("ridge-r.txt", "w")
writeLines(sprintf("# made by ridge-r.R with %s; do not edit", R.version.string), out)

closed <- function(X, y, w, lambda, intercept) {
    keep <- w > 0
    X <- X[keep, , drop = FALSE]; y <- y[keep]; w <- w[keep]
    p <- ncol(X)
    if (intercept) {
        mx <- colSums(w * X) / sum(w); my <- sum(w * y) / sum(w)
    } else {
        mx <- rep(0, p); my <- 0
    }
    Xc <- sweep(X, 2, mx); yc <- y - my
    A <- crossprod(Xc, w * Xc)
    b <- drop(solve(A + lambda * diag(p), crossprod(Xc, w * yc)))
    Z <- sqrt(w) * (if (intercept) cbind(1, X) else X)
    P <- diag(c(if (intercept) 0, rep(1, p)))
    H <- Z %*% solve(crossprod(Z) + lambda * P, t(Z))
    r <- sqrt(w) * y - H %*% (sqrt(w) * y)
    rss <- sum(r^2); trH <- sum(diag(H)); m <- length(y)
    list(coef = c(if (intercept) my - sum(mx * b), b), rss = rss, df = trH - intercept,
         gcv = m * rss / (m - trH)^2, r2 = 1 - rss / sum(w * yc^2), trace = sum(diag(A)))
}

put <- function(name, f) {
    writeLines(c(paste(paste0(name, ".coef"), g(f$coef)), paste(paste0(name, ".rss"), g(f$rss)),
                 paste(paste0(name, ".df"), g(f$df)), paste(paste0(name, ".gcv"), g(f$gcv)),
                 paste(paste0(name, ".r2"), g(f$r2))), out)
}

one <- rep(1, n)
put("full", closed(X, y, one, 1, TRUE))
put("full10", closed(X, y, one, 10, TRUE))
put("noint", closed(X, y, one, 1, FALSE))
put("weighted", closed(X, y, rowmod5, 2.5, TRUE))

# GCV's choice on the default path, then refined.
gcv_at <- function(l) closed(X, y, one, l, TRUE)$gcv
hi <- 10 * closed(X, y, one, 1, TRUE)$trace
grid <- hi * (1e-8)^((0:99) / 99)
scores <- sapply(grid, gcv_at)
b <- which.min(scores)
opt <- optimize(function(t) gcv_at(exp(t)), log(c(grid[b + 1], grid[b - 1])), tol = 1e-12)
best <- exp(opt$minimum)
writeLines(c(paste("gcv.path_lambda", g(grid)), paste("gcv.path_gcv", g(scores)),
             paste("gcv.lambda", g(best))), out)
put("gcv", closed(X, y, one, best, TRUE))

# MASS::lm.ridge on features standardised with divisor n.
Xs <- scale(X, scale = sqrt(colSums(sweep(X, 2, colMeans(X))^2) / n))
fit <- lm.ridge(y ~ Xs, lambda = 3)
writeLines(paste("lmridge.coef", g(coef(fit))), out)
close(out)
