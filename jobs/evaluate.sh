#!/usr/bin/env bash
# Evaluation: multiple-choice accuracy, mean log-likelihood and perplexity of the right answers
# (io.sparkllama.spark.EvaluateJob).
#   jobs/evaluate.sh [--master URL] [--config FILE] [key=value ...]   (--help: the options)
# Defaults: conf/evaluate.properties; local mode; sample-data/eval.parquet and the stories260K
# model are prepared when missing; per-row results in output/eval/results/, the metrics table in
# output/eval/metrics/. See docs/EVALUATION.md.
exec "$(dirname "${BASH_SOURCE[0]}")/../scripts/run-job.sh" io.sparkllama.spark.EvaluateJob \
  conf/evaluate.properties eval sample-data/eval.parquet "$@"
