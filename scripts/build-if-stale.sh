#!/usr/bin/env bash
# `npm start` runs dist/: built when missing or older than any source file, so `npm ci && npm start` works as written.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
if [ ! -f dist/.built ] || [ -n "$(find src blocks package.json tsconfig.json tsconfig.build.json -newer dist/.built -type f -print -quit)" ]; then
  echo "build: compiling to dist/ (sources changed since the last build)"
  bash scripts/build.sh
fi
