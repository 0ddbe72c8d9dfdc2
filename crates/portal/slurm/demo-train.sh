#!/usr/bin/env bash
# The demo center's training launcher on its Slurm cluster with fake NPUs:
# it trains nothing, but runs as long as a short training run and writes the
# log a real launcher writes, including the metric lines the portal reads
# (`step=N loss=… accuracy=…`, see the portal's `jobs::slurm`).
#
# Arguments as the portal passes them: --model ID [--model-version V] |
# --image IMAGE, --dataset URI, --hyperparameter KEY=VALUE…
# Hyperparameters it obeys, for demos and tests:
#   steps=N          steps to run (default 40)
#   step_seconds=S   seconds per step (default 0.5)
#   exit_code=N      fail with this exit code halfway through (default 0)
set -euo pipefail

model="" version="latest" dataset="" steps=40 step_seconds=0.5 exit_code=0
while [ $# -gt 0 ]; do
  case "$1" in
    --model) model="$2"; shift 2 ;;
    --model-version) version="$2"; shift 2 ;;
    --image) model="image $2"; shift 2 ;;
    --dataset) dataset="$2"; shift 2 ;;
    --hyperparameter)
      case "$2" in
        steps=*) steps="${2#steps=}" ;;
        step_seconds=*) step_seconds="${2#step_seconds=}" ;;
        exit_code=*) exit_code="${2#exit_code=}" ;;
      esac
      shift 2 ;;
    *) echo "demo-train: unknown argument $1" >&2; exit 2 ;;
  esac
done

echo "AICC job ${AICC_JOB_ID:-?} (Slurm job ${SLURM_JOB_ID:-?}) on $(hostname -s):" \
  "${AICC_NODES:-1} node(s) x ${AICC_NPUS_PER_NODE:-?} NPU(s)"
echo "Loading ${model} ${version}"
echo "Reading dataset ${dataset}"
echo "Training for ${steps} steps total_steps=${steps}"
for ((step = 1; step <= steps; step++)); do
  sleep "$step_seconds"
  if [ "$exit_code" != 0 ] && [ $((step * 2)) -ge "$steps" ]; then
    echo "ERROR: the demo launcher was asked to fail at step ${step} with exit code ${exit_code}"
    exit "$exit_code"
  fi
  awk -v s="$step" -v n="$steps" 'BEGIN {
    p = s / n
    printf "step=%d loss=%.4f accuracy=%.4f\n", s, 2.3 * exp(-3.2 * p) + 0.12, 0.93 * (1 - exp(-4 * p))
  }'
done
echo "Training finished after ${steps} steps"
