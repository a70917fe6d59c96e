#!/usr/bin/env bash
# The main job on the embedded default: set up, generate a synthetic call centre, ingest it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export DIALWISE_HOME="${DIALWISE_HOME:-$PWD/data}"
node bin/dialwise.js demo "$@"
