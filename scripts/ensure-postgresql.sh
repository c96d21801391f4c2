#!/usr/bin/env bash
# Makes sure PostgreSQL's server programs are on this machine, so the embedded database is FerretDB on
# PostgreSQL (src/store/embedded.ts: ~100× faster than its SQLite backend on a desk of 10,000 tickets).
# Only the programs are needed: deskbolt makes its own private cluster in its data directory and never
# uses the system's. Installed with apt (Debian's postgresql) when missing and we are root, as
# ensure-chromium.sh does; elsewhere a missing PostgreSQL only means FerretDB runs on SQLite.
# FERRETDB_BACKEND=sqlite, or a MONGODB_URI, needs none.
set -euo pipefail
if [ -n "${MONGODB_URI:-}" ] || [ "${FERRETDB_BACKEND:-}" = sqlite ]; then
  exit 0
fi
found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -n "$found" ] && [ -x "$found/initdb" ] && [ -x "$found/postgres" ]; then
  echo "postgresql: $found"
  exit 0
fi
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "postgresql: installing Debian's postgresql for the embedded FerretDB (apt-get install postgresql)"
  apt-get update -qq
  # The package's own cluster service is not wanted: deskbolt runs a private one per data directory.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  [ -n "$found" ] || { echo "postgresql: installed, but there is no /usr/lib/postgresql/*/bin" >&2; exit 1; }
  echo "postgresql: $found"
elif [ "${FERRETDB_BACKEND:-}" = postgresql ]; then
  echo "postgresql: FERRETDB_BACKEND=postgresql, and PostgreSQL is not installed (apt-get install postgresql)" >&2
  exit 1
else
  echo "postgresql: not installed; the embedded FerretDB runs on SQLite (apt-get install postgresql for the faster backend)"
fi
