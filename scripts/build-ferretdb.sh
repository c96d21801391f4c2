#!/usr/bin/env bash
# Builds FerretDB, the embedded MongoDB-protocol server used where no mongod can be had
# (see ../shared/DESIGN.md). Prints the binary's path. Idempotent: an existing binary is reused.
#
# Why not a plain `go install …/cmd/ferretdb@v1.24.2`: FerretDB embeds build/version/version.txt
# (written by its own `task gen-version`, absent from the module zip) and panics at start without it.
# So the module source is copied out of the module cache, the file is written, and it is built there.
set -euo pipefail
version=v1.24.2
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/.tools/bin/ferretdb"
if [ -x "$bin" ] && "$bin" --version >/dev/null 2>&1; then
  echo "$bin"
  exit 0
fi
command -v go >/dev/null || { echo "build-ferretdb: Go is needed to build FerretDB (apt-get install golang, or go.dev)" >&2; exit 1; }
module_dir=$(cd "$root" && GOFLAGS=-mod=mod go mod download -json "github.com/FerretDB/FerretDB@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[ -n "$module_dir" ] || { echo "build-ferretdb: could not download github.com/FerretDB/FerretDB@$version" >&2; exit 1; }
src="$root/.tools/src/ferretdb-$version"
rm -rf "$src"
mkdir -p "$src" "$root/.tools/bin"
cp -R "$module_dir/." "$src/"
chmod -R u+w "$src"
echo "$version" > "$src/build/version/version.txt"
echo "release" > "$src/build/version/package.txt"
( cd "$src" && CGO_ENABLED=0 go build -trimpath -o "$bin" ./cmd/ferretdb ) >&2
rm -rf "$src"
echo "$bin"
