#!/usr/bin/env bash
# Rewrites manifest.json from the script files: run it after editing a script, then commit both.
# ManifestTest fails while a file and the manifest disagree.
set -euo pipefail
cd "$(dirname "$0")"
{
  echo '{'
  echo '  "scripts": ['
  first=1
  for f in v*/*.lua; do
    abi=${f%%/*}; abi=${abi#v}
    name=$(basename "$f" .lua)
    sha=$(sha1sum "$f" | cut -d' ' -f1)
    [ $first -eq 1 ] || echo ','
    first=0
    printf '    {"name": "%s", "abi": %s, "path": "%s", "sha1": "%s"}' "$name" "$abi" "$f" "$sha"
  done
  echo
  echo '  ]'
  echo '}'
} > manifest.json.tmp
mv manifest.json.tmp manifest.json
