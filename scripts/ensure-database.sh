#!/usr/bin/env bash
# Makes sure a MongoDB-protocol server can be had before the bot or the tests start, in the order
# src/store/embedded.ts uses: MONGODB_URI; else a mongod for mongodb-memory-server (one on this machine,
# or its download, cached after the first time); else FerretDB built from source (scripts/build-ferretdb.sh),
# which is built only when no mongod can be had, on PostgreSQL where it is installed (ensure-postgresql.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if [ -n "${MONGODB_URI:-}" ]; then
  echo "database: MONGODB_URI is set; using it"
  exit 0
fi
if "$root/node_modules/.bin/tsx" "$root/scripts/fetch-mongod.ts"; then
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "database: installing Go to build FerretDB (apt-get install golang-go)"
    apt-get update -qq && apt-get install -y -qq golang-go >/dev/null
  else
    echo "database: no MONGODB_URI, no mongod and no Go: install Go (https://go.dev/dl) or set MONGODB_URI" >&2
    exit 1
  fi
fi
# Debian's Go may be older than FerretDB needs; GOTOOLCHAIN=auto lets go fetch the right one from the module proxy.
export GOTOOLCHAIN="${GOTOOLCHAIN:-auto}"
echo "database: FerretDB at $(bash "$root/scripts/build-ferretdb.sh")"
