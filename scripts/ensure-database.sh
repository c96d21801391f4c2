#!/usr/bin/env bash
# Makes sure a MongoDB-protocol server can be had before the bot or the tests start:
# MONGODB_URI, or a mongod on this machine, or FerretDB built from source (scripts/build-ferretdb.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if [ -n "${MONGODB_URI:-}" ]; then
  echo "database: MONGODB_URI is set; using it"
  exit 0
fi
if [ -n "${MONGOMS_SYSTEM_BINARY:-}" ] || command -v mongod >/dev/null 2>&1; then
  echo "database: a mongod is on this machine; mongodb-memory-server will run it"
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
