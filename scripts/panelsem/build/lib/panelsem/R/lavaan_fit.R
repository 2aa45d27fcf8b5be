# Fit a lavaan model to a wide CSV by FIML: the reference for the Python SEM engine.
#
# Usage: Rscript lavaan_fit.R DATA.csv MODEL.lav OUT_PREFIX [REPS]
#   DATA.csv    wide data, empty cells = missing
#   MODEL.lav   lavaan syntax with everything spelled out (ModelSpec.syntax)
#   OUT_PREFIX  writes OUT_PREFIX_estimates.csv, _fit.csv, _time.csv
#   REPS        number of timed fits (default 1); the timings exclude R start-up
#
# lavaan() (not sem()) so that nothing is added by default; missing = "ml" with a
# mean structure, standard errors from the observed information (the default
# under missing = "ml", stated explicitly).
suppressPackageStartupMessages(library(lavaan))

args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 3) stop("usage: lavaan_fit.R DATA.csv MODEL.lav OUT_PREFIX [REPS]")
reps <- if (length(args) >= 4) as.integer(args[4]) else 1L
dat <- read.csv(args[1], na.strings = c("", "NA"))
model <- paste(readLines(args[2]), collapse = "\n")

fit_once <- function() {
  lavaan(model, data = dat, missing = "ml", meanstructure = TRUE,
         information = "observed", se = "standard", warn = TRUE)
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

fm <- fitMeasures(fit, c("logl", "unrestricted.logl", "npar", "chisq", "df", "pvalue",
                         "baseline.chisq", "baseline.df", "cfi", "tli", "rmsea",
                         "rmsea.ci.lower", "rmsea.ci.upper", "srmr", "aic", "bic", "ntotal"))
write.csv(data.frame(measure = names(fm), value = sprintf("%.17g", as.numeric(fm))),
          paste0(args[3], "_fit.csv"), row.names = FALSE, quote = FALSE)

write.csv(data.frame(rep = seq_len(reps), seconds = times,
                     converged = lavInspect(fit, "converged"),
                     iterations = lavInspect(fit, "iterations"),
                     lavaan = as.character(packageVersion("lavaan"))),
          paste0(args[3], "_time.csv"), row.names = FALSE)
