#!/usr/bin/env bash
# Compiles the app once to dist/ (tsx stays for development and tests); the sandbox page's static
# files are copied beside the compiled sandbox, where src/sandbox/routes.ts looks for them.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
rm -rf dist
node_modules/.bin/tsc -p tsconfig.build.json
mkdir -p dist/src/sandbox/page
cp src/sandbox/page/*.html src/sandbox/page/*.css src/sandbox/page/*.js dist/src/sandbox/page/
touch dist/.built
