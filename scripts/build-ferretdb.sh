#!/usr/bin/env bash
# Builds FerretDB, the embedded MongoDB-protocol server used where no mongod can be had
# (see ../shared/DESIGN.md). Prints the binary's path. Idempotent: a binary of this build is reused.
#
# Why not a plain `go install …/cmd/ferretdb@v1.24.2`: FerretDB embeds build/version/version.txt
# (written by its own `task gen-version`, absent from the module zip) and panics at start without it.
# So the module source is copied out of the module cache, the file is written, and it is built there.
#
# One line of the source is changed before the build, so that looking a document up by _id uses the
# _id index. v1.24.2's SQLite backend finds, updates and deletes a document with
# `WHERE _ferretdb_sjson->'$._id' = ?` (internal/backends/sqlite/metadata/metadata.go, IDColumn), while
# the unique index it creates for _id is on `_ferretdb_sjson->"_id"` (metadata/registry.go). SQLite
# uses an expression index only for the same expression, so every lookup by _id — and every write,
# which FerretDB makes by _id — scanned the whole table: `EXPLAIN QUERY PLAN` says `SCAN`, and a read
# by _id took ~20× longer at 10,000 tickets than at 100. With the path spelt `->'_id'` (SQLite reads
# a bare label as `$._id`, so the value compared is the same) the plan is `SEARCH … USING INDEX`.
# The same defect on the PostgreSQL backend (https://github.com/FerretDB/FerretDB/issues/4646): a
# filter on _id is pushed down as `_jsonb->$1 @> $2` (internal/backends/postgresql/query.go), a key
# given as a parameter and a containment test, neither of which the unique btree index on
# `(_jsonb -> '_id')` can answer, so `EXPLAIN` shows `Seq Scan` (11 ms at 10,000 documents against
# 0.03 ms by the index). A string or ObjectID _id is compared with `_jsonb->'_id' = $N` instead, the
# index's own expression; FerretDB still filters every row it gets in Go, so the answer is unchanged.
# The build's version says so (v1.24.2-deskbolt.2), and a binary built without both is rebuilt.
# The binary also carries FerretDB's postgresql handler (it is built in by default).
set -euo pipefail
upstream=v1.24.2
version="$upstream-deskbolt.2"
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/.tools/bin/ferretdb"
if [ -x "$bin" ] && "$bin" --version 2>/dev/null | grep -q -- "version: $version\$"; then
  echo "$bin"
  exit 0
fi
command -v go >/dev/null || { echo "build-ferretdb: Go is needed to build FerretDB (apt-get install golang, or go.dev)" >&2; exit 1; }
module_dir=$(cd "$root" && GOFLAGS=-mod=mod go mod download -json "github.com/FerretDB/FerretDB@$upstream" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[ -n "$module_dir" ] || { echo "build-ferretdb: could not download github.com/FerretDB/FerretDB@$upstream" >&2; exit 1; }
src="$root/.tools/src/ferretdb-$upstream"
rm -rf "$src"
mkdir -p "$src" "$root/.tools/bin"
cp -R "$module_dir/." "$src/"
chmod -R u+w "$src"
metadata="$src/internal/backends/sqlite/metadata/metadata.go"
sed -i "s|IDColumn = DefaultColumn + \"->'\\\$._id'\"|IDColumn = DefaultColumn + \"->'_id'\"|" "$metadata"
grep -q "IDColumn = DefaultColumn + \"->'_id'\"" "$metadata" || { echo "build-ferretdb: the _id lookup line was not where expected in $metadata" >&2; exit 1; }
query="$src/internal/backends/postgresql/query.go"
anchor=$'\t\tswitch v := rootVal.(type) {'
[ "$(grep -cxF "$anchor" "$query")" = 1 ] || { echo "build-ferretdb: the _id pushdown anchor was not where expected in $query" >&2; exit 1; }
awk -v anchor="$anchor" '$0 == anchor {
  print "\t\tif rootKey == \"_id\" {"
  print "\t\t\tswitch v := rootVal.(type) {"
  print "\t\t\tcase string, types.ObjectID:"
  print "\t\t\t\tfilters = append(filters, metadata.IDColumn+\" = \"+p.Next())"
  print "\t\t\t\targs = append(args, string(must.NotFail(sjson.MarshalSingleValue(v))))"
  print "\t\t\t\tcontinue"
  print "\t\t\t}"
  print "\t\t}"
  print ""
} { print }' "$query" > "$query.new" && mv "$query.new" "$query"
echo "$version" > "$src/build/version/version.txt"
echo "release" > "$src/build/version/package.txt"
# Built beside and renamed over: a binary another checkout hard-links keeps its own inode.
( cd "$src" && CGO_ENABLED=0 go build -trimpath -o "$bin.new" ./cmd/ferretdb ) >&2
mv -f "$bin.new" "$bin"
rm -rf "$src"
echo "$bin"
