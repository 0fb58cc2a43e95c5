#!/usr/bin/env bash
# Batch generation: Parquet prompts in, Parquet completions out (io.sparkllama.spark.GenerateJob).
#   jobs/generate.sh [--master URL] [--config FILE] [key=value ...]   (--help: the options)
# Defaults: conf/generate.properties; local mode; the sample prompts and the stories260K model are
# prepared when missing; results in output/completions/. Keys: docs/CONFIGURATION.md.
exec "$(dirname "${BASH_SOURCE[0]}")/../scripts/run-job.sh" io.sparkllama.spark.GenerateJob \
  conf/generate.properties prompts sample-data/prompts.parquet "$@"
