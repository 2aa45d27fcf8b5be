# Write one of lavaan's bundled data sets (e.g. Demo.growth) to a CSV, for tests and
# cross-checks against lavaan on data that lavaan's own documentation uses.
#
# Usage: Rscript lavaan_dataset.R NAME OUT.csv
suppressPackageStartupMessages(library(lavaan))
args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 2) stop("usage: lavaan_dataset.R NAME OUT.csv")
write.csv(get(args[1], envir = asNamespace("lavaan")), args[2], row.names = FALSE)
