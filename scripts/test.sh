#!/usr/bin/env bash
# Sets everything up, then type-checks and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "== type check (tsc --noEmit)"
node node_modules/typescript/bin/tsc --noEmit
echo "== tests (vitest)"
npx vitest run "$@"
