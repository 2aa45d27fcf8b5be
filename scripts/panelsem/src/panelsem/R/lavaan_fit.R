# Fit a lavaan model to a wide CSV by FIML: the reference for the Python SEM engine.
#
# Usage: Rscript lavaan_fit.R DATA.csv MODEL.lav OUT_PREFIX [REPS] [ESTIMATOR] [BOUNDS]
#   DATA.csv    wide data, empty cells = missing
#   MODEL.lav   lavaan syntax with everything spelled out (ModelSpec.syntax)
#   OUT_PREFIX  writes OUT_PREFIX_estimates.csv, _fit.csv, _time.csv
#   REPS        number of timed fits (default 1); the timings exclude R start-up
#   ESTIMATOR   ML (default) or MLR (robust standard errors, Yuan-Bentler scaled test)
#   BOUNDS      none (default) or pos.var: variances bounded below at 0, as the Python
#               engine bounds them
#
# lavaan() (not sem()) so that nothing is added by default; missing = "ml" with a
# mean structure, standard errors from the observed information (the default
# under missing = "ml", stated explicitly). lavaan ignores bounds where labels set
# parameters equal unless those equalities are simple ones it substitutes
# (ceq.simple = TRUE), so that is set with bounds.
suppressPackageStartupMessages(library(lavaan))

args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 3) stop("usage: lavaan_fit.R DATA.csv MODEL.lav OUT_PREFIX [REPS] [ESTIMATOR] [BOUNDS]")
reps <- if (length(args) >= 4) as.integer(args[4]) else 1L
estimator <- if (length(args) >= 5) args[5] else "ML"
bounds <- if (length(args) >= 6) args[6] else "none"
if (!estimator %in% c("ML", "MLR")) stop("ESTIMATOR must be ML or MLR")
if (!bounds %in% c("none", "pos.var")) stop("BOUNDS must be none or pos.var")
dat <- read.csv(args[1], na.strings = c("", "NA"))
model <- paste(readLines(args[2]), collapse = "\n")

fit_once <- function() {
  lavaan(model, data = dat, missing = "ml", meanstructure = TRUE, estimator = estimator,
         information = "observed", bounds = bounds, ceq.simple = bounds != "none", warn = TRUE)
}
times <- numeric(reps)
for (i in seq_len(reps)) {
  times[i] <- system.time(fit <- fit_once())[["elapsed"]]
}

pe <- parameterEstimates(fit, ci = FALSE)
ss <- standardizedSolution(fit, type = "std.all", se = FALSE, zstat = FALSE,
                           pvalue = FALSE, ci = FALSE)
pe$std_all <- ss$est.std
pe$label[is.na(pe$label)] <- ""
out_est <- pe[, c("lhs", "op", "rhs", "label", "est", "se", "z", "pvalue", "std_all")]
names(out_est)[names(out_est) == "pvalue"] <- "p"
write.csv(out_est, paste0(args[3], "_estimates.csv"), row.names = FALSE)

measures <- c("logl", "unrestricted.logl", "npar", "chisq", "df", "pvalue",
              "baseline.chisq", "baseline.df", "cfi", "tli", "rmsea",
              "rmsea.ci.lower", "rmsea.ci.upper", "srmr", "aic", "bic", "ntotal")
if (estimator == "MLR") {
  measures <- c(measures, "chisq.scaled", "df.scaled", "pvalue.scaled", "chisq.scaling.factor",
                "baseline.chisq.scaled", "baseline.pvalue.scaled", "baseline.chisq.scaling.factor",
                "cfi.scaled", "tli.scaled", "rmsea.scaled", "rmsea.ci.lower.scaled", "rmsea.ci.upper.scaled")
}
fm <- fitMeasures(fit, measures)
write.csv(data.frame(measure = names(fm), value = sprintf("%.17g", as.numeric(fm))),
          paste0(args[3], "_fit.csv"), row.names = FALSE, quote = FALSE)

write.csv(data.frame(rep = seq_len(reps), seconds = times,
                     converged = lavInspect(fit, "converged"),
                     iterations = lavInspect(fit, "iterations"),
                     lavaan = as.character(packageVersion("lavaan"))),
          paste0(args[3], "_time.csv"), row.names = FALSE)
