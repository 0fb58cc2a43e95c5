#!/usr/bin/env bash
# Labeling: each row's text, through an instruction template, gets the most likely of a set of
# labels (io.sparkllama.spark.LabelJob, choose mode with prefix reuse).
#   jobs/label.sh [--master URL] [--config FILE] [key=value ...]   (--help: the options)
# Defaults: conf/label.properties; local mode; sample-data/labeling.parquet and the stories260K
# model are prepared when missing; results in output/labels/. See docs/LABELING.md.
exec "$(dirname "${BASH_SOURCE[0]}")/../scripts/run-job.sh" io.sparkllama.spark.LabelJob \
  conf/label.properties labeling sample-data/labeling.parquet "$@"
