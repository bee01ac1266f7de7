# diabetes-lm.R - R's lm() reference numbers for tests/unit/test-ols.c.
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Regenerate from this folder, on the bundled dataset:
#     Rscript diabetes-lm.R
# It writes diabetes-lm.txt: for each fit, lines "<fit>.coef <term> estimate
# std_error t_value p_value" and "<fit>.<stat> value...", numbers as %.17g.
# Fits: "full" y ~ . ; "noint" y ~ . - 1 ; "weighted" y ~ . with weights
# (row number mod 5: every fifth row has weight 0, as test-ols.c computes).

d <- read.csv("../../../datasets/diabetes.csv")
w <- seq_len(nrow(d)) %% 5
fits <- list(
    full = lm(y ~ ., data = d),
    noint = lm(y ~ . - 1, data = d),
    weighted = lm(y ~ ., data = d, weights = w)
)

g <- function(x) sprintf("%.17g", x)
out <- file("diabetes-lm.txt", "w")
writeLines(sprintf("# made by diabetes-lm.R with %s; do not edit", R.version.string), out)
for (name in names(fits)) {
    s <- summary(fits[[name]])
    cf <- coef(s)
    for (i in seq_len(nrow(cf)))
        writeLines(paste(paste0(name, ".coef"), rownames(cf)[i], paste(g(cf[i, ]), collapse = " ")),
                   out)
    f <- s$fstatistic
    writeLines(c(
        paste0(name, ".sigma ", g(s$sigma)),
        paste0(name, ".df ", g(s$df[2])),
        paste0(name, ".r2 ", g(s$r.squared)),
        paste0(name, ".adj_r2 ", g(s$adj.r.squared)),
        paste(paste0(name, ".fstat"), paste(g(c(f, pf(f[1], f[2], f[3], lower.tail = FALSE))),
                                            collapse = " "))
    ), out)
}
close(out)
