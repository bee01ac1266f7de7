# make-data.R - the datasets of tests/data/glm, written from R's own copies.
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Regenerate from this folder: Rscript make-data.R
# (R 4.2.2 with MASS 7.3-58; the values are integers or have two decimals,
# so they are written exactly.)
#
# warpbreaks.csv  R's datasets::warpbreaks: the number of warp breaks per loom
#                 for two wools and three tensions (Tippett 1950); 54 rows.
# insurance.csv   MASS::Insurance: car insurance claims and policy holders by
#                 district, engine group and age (Baxter, Coutts and Ross
#                 1980); 64 rows. The districts 1-4 are written D1-D4 so that
#                 they load as a categorical column.
# chem.csv        MASS::chem: 24 determinations of copper in wholemeal flour
#                 (ppm), one a gross outlier (Analytical Methods Committee
#                 1989): the classic robust location example.
# stackloss.csv   R's datasets::stackloss: 21 days of a plant oxidising
#                 ammonia (Brownlee 1960), the classic robust regression
#                 example; columns renamed air_flow, water_temp, acid_conc,
#                 stack_loss.

library(MASS)
w <- function(d, file) write.csv(d, file, row.names = FALSE, quote = FALSE)
w(warpbreaks[, c("wool", "tension", "breaks")], "warpbreaks.csv")
w(data.frame(District = paste0("D", Insurance$District), Group = as.character(Insurance$Group),
             Age = as.character(Insurance$Age), Holders = Insurance$Holders,
             Claims = Insurance$Claims), "insurance.csv")
w(data.frame(chem = chem), "chem.csv")
w(setNames(stackloss, c("air_flow", "water_temp", "acid_conc", "stack_loss")), "stackloss.csv")
