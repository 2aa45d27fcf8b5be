# Fit a multigroup lavaan model to a long CSV with a `group` column, by FIML.
#
# Usage: Rscript lavaan_multigroup.R DATA.csv MODEL.lav ESTIMATES.csv FIT.csv
#   MODEL.lav  lavaan syntax where a plain label is one parameter across all groups
#              and c(a_g1, a_g2, ...)* frees it per group (lavaan_multigroup_syntax)
suppressPackageStartupMessages(library(lavaan))
args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 4) stop("usage: lavaan_multigroup.R DATA.csv MODEL.lav ESTIMATES.csv FIT.csv")
dat <- read.csv(args[1], na.strings = c("", "NA"), colClasses = c(group = "character"))
model <- paste(readLines(args[2]), collapse = "\n")
fit <- lavaan(model, data = dat, group = "group", missing = "ml", meanstructure = TRUE,
              information = "observed", se = "standard")
pe <- parameterEstimates(fit, ci = FALSE)
gl <- lavInspect(fit, "group.label")
pe$group <- ifelse(pe$group > 0, gl[pmax(pe$group, 1)], "")
pe$label[is.na(pe$label)] <- ""
write.csv(pe[, c("group", "lhs", "op", "rhs", "label", "est", "se")], args[3], row.names = FALSE)
fm <- fitMeasures(fit, c("logl", "npar", "chisq", "df", "aic", "bic", "ntotal"))
write.csv(data.frame(measure = names(fm), value = sprintf("%.17g", as.numeric(fm))),
          args[4], row.names = FALSE, quote = FALSE)
