#!/usr/bin/env bash
# The test command: makes sure a database server can be had, runs every test once, and ends with
# the runner's own counts on a line of their own ("N passed, N failed"), then how long it all took.
set -uo pipefail
started=$(date +%s)
# The duration is the last line whichever way the run ends, so a slower suite is seen in every CI log.
trap 'elapsed=$(( $(date +%s) - started )); echo "npm test took $((elapsed / 60))m $((elapsed % 60))s"' EXIT
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/ensure-database.sh || exit 1
bash scripts/ensure-postgresql.sh || exit 1
bash scripts/ensure-chromium.sh || exit 1
bash scripts/ensure-dovecot.sh || exit 1
# The typecheck and Biome take a core for about twenty seconds: they run beside the tests, which wait on
# the database much of their time, instead of before them; their verdict is read at the end. tsc keeps
# what it learnt in dist/typecheck, so a second run checks only what changed.
checks=$(mktemp -d -t deskbolt-checks-XXXXXX)
(
  echo "typecheck: tsc --noEmit (strict)"
  npx tsc -p tsconfig.json --noEmit --incremental --tsBuildInfoFile dist/typecheck/app.tsbuildinfo ||
    { echo "typecheck failed"; exit 1; }
  npx tsc -p src/sandbox/page/tsconfig.json --incremental --tsBuildInfoFile dist/typecheck/sandbox-page.tsbuildinfo ||
    { echo "typecheck of the sandbox page failed"; exit 1; }
) >"$checks/typecheck" 2>&1 &
typecheck=$!
(
  echo "check: biome check (lint, formatting at 120 columns, imports organized; warnings fail too)"
  npx biome check --error-on-warnings || { echo "check failed (npm run format fixes formatting and import order)"; exit 1; }
) >"$checks/biome" 2>&1 &
biome=$!
results=$(mktemp -t deskbolt-results-XXXXXX.json)
# Every run takes the files and the tests in each file in another order, so a test that leans on
# another's data fails here rather than on someone else's machine. TEST_SEED replays an order.
seed=${TEST_SEED:-$(( (RANDOM << 15 | RANDOM) + 1 ))}
echo "test order: shuffled with seed $seed (replay it with TEST_SEED=$seed npm test); TEST_WORKERS=1 runs one file at a time"
npx vitest run --sequence.shuffle --sequence.seed="$seed" --reporter=default --reporter=json --outputFile.json="$results" "$@"
status=$?
[ "$status" -eq 0 ] || echo "the tests ran in the order of seed $seed: TEST_SEED=$seed npm test runs them in that order again"
checked=0
wait "$typecheck" || checked=1
cat "$checks/typecheck"
wait "$biome" || checked=1
cat "$checks/biome"
rm -rf "$checks"

node -e '
  const fs = require("node:fs");
  let report;
  try { report = JSON.parse(fs.readFileSync(process.argv[1], "utf8")); } catch { console.log("0 passed, 0 failed"); process.exit(1); }
  const passed = report.numPassedTests;
  // A file that fails to load has no failed test, only a failed suite: count it, or a broken file would read as green.
  const failed = report.numFailedTests || (report.success ? 0 : Math.max(1, report.numFailedTestSuites));
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(passed > 0 && failed === 0 ? 0 : 1);
' "$results"
counted=$?
rm -f "$results"
[ "$status" -eq 0 ] && [ "$counted" -eq 0 ] && [ "$checked" -eq 0 ]
