#!/bin/bash
# tools/docs-table.sh write|check FILE BEGIN END GENERATOR
# The lines between the marker lines BEGIN and END of FILE are GENERATOR's
# output: "write" puts them there, "check" fails (and shows the difference)
# when they are not.
set -euo pipefail
mode=$1 file=$2 begin=$3 end=$4 gen=$5
grep -qxF -- "$begin" "$file" && grep -qxF -- "$end" "$file" || {
	echo "$file: the markers of the generated table are missing"; exit 1; }
tmp=$(mktemp)
trap 'rm -f "$tmp" "$tmp.new"' EXIT
"$gen" >"$tmp"
awk -v b="$begin" -v e="$end" -v t="$tmp" '
	$0 == b { print; while ((getline l < t) > 0) print l; skip = 1; next }
	$0 == e { skip = 0 }
	!skip' "$file" >"$tmp.new"
if [ "$mode" = write ]; then
	cp "$tmp.new" "$file"
	echo "$file: generated table written"
elif cmp -s "$file" "$tmp.new"; then
	echo "docs: $file matches the code"
else
	echo "docs: $file's generated table differs from the code (make docs rewrites it):"
	diff -u "$file" "$tmp.new" || true
	exit 1
fi
