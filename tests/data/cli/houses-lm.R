# houses-lm.R - R's lm() on houses.csv, the reference for tests/cli/2003-categorical:
# district is a factor with treatment contrasts (its first level, east, dropped),
# as aiwb one-hot encodes a categorical feature for ols.
# Regenerate: Rscript houses-lm.R > houses-lm.txt
h <- read.csv("houses.csv", stringsAsFactors = TRUE)
fit <- lm(price ~ area + district + age, data = h)
print(summary(fit), digits = 6)
new <- read.csv("houses-new.csv", stringsAsFactors = TRUE)
new <- new[new$district %in% levels(h$district), ]
new$district <- factor(as.character(new$district), levels = levels(h$district))
print(predict(fit, newdata = new), digits = 7)
