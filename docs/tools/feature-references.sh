#!/usr/bin/env bash
# Prints "feature folder -> feature folders it references" for src/Gateway/*/ and the cycles between them.
# A reference is a `using Genlook.Gateway.X`, a fully-qualified `Genlook.Gateway.X.`, or a namespace-relative `X.Name`
# (as C# resolves it inside Genlook.Gateway.*), in code or in an XML-doc cref. Exits 1 when there is a cycle.
# Usage: docs/tools/feature-references.sh [src-dir]   (default: src/Gateway, relative to the repository root)
set -euo pipefail
src=${1:-$(git -C "$(dirname "$0")" rev-parse --show-toplevel)/src/Gateway}
features=$(find "$src" -mindepth 2 -name '*.cs' -not -path '*/obj/*' -not -path '*/bin/*' -printf '%P\n' | cut -d/ -f1 | sort -u)
alternation=$(echo "$features" | paste -sd'|')

edges=$(for feature in $features; do
  # A `//` comment is prose, not a reference; a `///` cref is one (the compiler resolves it).
  find "$src/$feature" -name '*.cs' -print0 | xargs -0 sed -E 's#^\s*//([^/].*)?$##; s#[^/:]//[^/].*$##' \
    | grep -oE "Genlook\.Gateway\.($alternation)\b|(^|[^A-Za-z0-9_.])($alternation)\.[A-Z]" \
    | sed -E 's/^Genlook\.Gateway\.//; s/^[^A-Za-z]//; s/\..*$//' \
    | grep -vx "$feature" | sort -u | sed "s#^#$feature #" || true
done)

printf '%-14s -> %s\n' "feature" "references"
for feature in $features; do
  printf '%-14s -> %s\n' "$feature" "$(echo "$edges" | awk -v f="$feature" '$1 == f { print $2 }' | paste -sd' ' | sed 's/ /, /g')"
done

# Cycles: the groups of folders that reach each other (transitive closure over at most a few dozen folders).
echo "$edges" | awk -v names="$(echo "$features" | paste -sd' ')" '
  NF == 2 { reach[$1, $2] = 1 }
  END {
    n = split(names, node, " ")
    for (k = 1; k <= n; k++) for (i = 1; i <= n; i++) if (reach[node[i], node[k]]) for (j = 1; j <= n; j++)
      if (reach[node[k], node[j]]) reach[node[i], node[j]] = 1
    cycles = 0
    for (i = 1; i <= n; i++) {
      if (done[node[i]] || !reach[node[i], node[i]]) continue
      group = node[i]; done[node[i]] = 1
      for (j = i + 1; j <= n; j++) if (reach[node[i], node[j]] && reach[node[j], node[i]]) { group = group ", " node[j]; done[node[j]] = 1 }
      print "cycle: " group; cycles++
    }
    if (cycles == 0) print "no cycles"
    exit cycles > 0
  }'
