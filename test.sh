#!/usr/bin/env bash
# Runs every test of the repository on a fresh machine with the .NET 10 SDK:
# makes sure redis-server and prometheus/promtool are there (tests start their own on free loopback ports; promtool
# tests the alert rules), builds the solution once,
# checks and browser-tests the demo web app (samples/web: npm, Debian's chromium),
# runs each test project, and ends with one line: "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")"

if ! command -v redis-server >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "redis-server not found: installing it with apt-get"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null) || {
      echo "error: could not install redis-server with apt-get" >&2; echo "0 passed, 1 failed"; exit 1; }
  else
    echo "error: redis-server is required by the tests. Install it (e.g. 'sudo apt-get install redis-server' or 'brew install redis') and run again." >&2
    echo "0 passed, 1 failed"
    exit 1
  fi
fi

# The alert rules' promtool tests and the end-to-end Prometheus test need prometheus and promtool (one Debian package).
if ! command -v prometheus >/dev/null 2>&1 || ! command -v promtool >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "prometheus/promtool not found: installing them with apt-get"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null) || {
      echo "error: could not install prometheus with apt-get" >&2; echo "0 passed, 1 failed"; exit 1; }
  else
    echo "error: prometheus and promtool are required by the tests. Install them (e.g. 'sudo apt-get install prometheus' or 'brew install prometheus') and run again." >&2
    echo "0 passed, 1 failed"
    exit 1
  fi
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
configuration=Release
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT

echo "== build (one solution build, $configuration)"
if ! dotnet build Gateway.sln -c "$configuration" -nologo -v quiet -clp:ErrorsOnly; then
  echo "error: build failed" >&2
  echo "0 passed, 1 failed"
  exit 1
fi

passed=0; failed=0; skipped=0; status=0
for project in tests/*/*.csproj; do
  name=$(basename "$project" .csproj)
  grep -q 'PackageReference Include="Microsoft.NET.Test.Sdk"' "$project" || continue
  echo "== test $name"
  dotnet test "$project" -c "$configuration" --no-build --nologo \
    --logger "trx;LogFileName=$name.trx" --results-directory "$results" \
    --logger "console;verbosity=normal" -- RunConfiguration.TestSessionTimeout=1500000 || status=1
  trx="$results/$name.trx"
  if [ ! -f "$trx" ]; then
    echo "error: $name produced no results" >&2; failed=$((failed + 1)); status=1; continue
  fi
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  get() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*'; }
  total=$(get total); executed=$(get executed); p=$(get passed); f=$(get failed)
  e=$(get error); t=$(get timeout); a=$(get aborted)
  passed=$((passed + p)); failed=$((failed + f + e + t + a)); skipped=$((skipped + total - executed))
done

# The OpenAPI checks and the demo app's browser tests need Node.js 20+ with npm: installed with apt-get when missing and
# root (Debian's nodejs is older on some releases: then install Node 20+ yourself); the blocks below fail without it.
if ! command -v npm >/dev/null 2>&1 && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "npm not found: installing nodejs and npm with apt-get"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null) || echo "error: could not install nodejs/npm with apt-get" >&2
fi
if command -v node >/dev/null 2>&1 && [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
  echo "error: Node.js $(node --version) is too old for the OpenAPI linter and Playwright: install Node.js 20 or newer." >&2
fi

# ---- OpenAPI document and TypeScript client (issue #24) -------------------------------------------------------
# Three checks, each one test in the totals: the document lints clean (Redocly, redocly.yaml), the committed
# clients/typescript/src/schema.d.ts is what openapi-typescript generates from it, and the client type-checks.
# npm is required: without it, or when `npm ci` fails, all three count as failed.
echo "== test OpenAPI document and TypeScript client (clients/typescript)"
openapi_checks=(lint check:generated typecheck)
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
if ! command -v npm >/dev/null 2>&1; then
  echo "error: npm is required for the OpenAPI checks (Node.js 20+)" >&2
  failed=$((failed + ${#openapi_checks[@]})); status=1
elif ! (cd clients/typescript && npm ci --prefer-offline --no-audit --no-fund --loglevel=error); then
  echo "error: npm ci failed in clients/typescript" >&2
  failed=$((failed + ${#openapi_checks[@]})); status=1
else
  for check in "${openapi_checks[@]}"; do
    if (cd clients/typescript && npm run --silent "$check"); then
      echo "  passed: npm run $check"; passed=$((passed + 1))
    else
      echo "  FAILED: npm run $check" >&2; failed=$((failed + 1)); status=1
    fi
  done
fi
# ---- end of the OpenAPI block -------------------------------------------------------------------------------------
# ---- BEGIN demo web app (samples/web, issue #24): bundle up to date, types, browser tests ---------------------------
# Playwright drives Debian's chromium (no browser download) against the Release gateway built above; each check and each
# browser test counts in the totals. A missing chromium or npm fails, never skips.
echo "== demo web app (samples/web)"
demo_fail() { echo "error: $1" >&2; failed=$((failed + 1)); status=1; }
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "chromium not found: installing it with apt-get"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || echo "error: could not install chromium with apt-get" >&2
fi
if ! command -v chromium >/dev/null 2>&1; then
  demo_fail "chromium is required by the demo app's browser tests (e.g. 'sudo apt-get install chromium')."
elif ! command -v npm >/dev/null 2>&1; then
  demo_fail "npm (Node 20+) is required by the demo app's build and browser tests."
elif ! (cd samples/web && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error); then
  demo_fail "npm ci failed in samples/web."
else
  if (cd samples/web && node build.mjs --check); then passed=$((passed + 1)); else demo_fail "samples/web/dist is stale."; fi
  if (cd samples/web && npx tsc --noEmit -p .); then passed=$((passed + 1)); else demo_fail "samples/web does not type-check."; fi
  report="$results/playwright.json"
  browser_start=$(date +%s)
  (cd samples/web && CI=true PLAYWRIGHT_JSON_OUTPUT_FILE="$report" CHROMIUM_PATH="$(command -v chromium)" \
    GATEWAY_DLL="$PWD/../../src/Gateway/bin/$configuration/net10.0/Genlook.Gateway.dll" npx playwright test) || status=1
  echo "browser tests took $(( $(date +%s) - browser_start )) s"
  if [ -f "$report" ] && counts=$(node -e 'const s = require(process.argv[1]).stats; console.log(s.expected + s.flaky, s.unexpected, s.skipped)' "$report"); then
    read -r p f s <<< "$counts"
    passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
  else
    demo_fail "the browser tests produced no report."
  fi
fi
# ---- END demo web app -------------------------------------------------------------------------------------------------

if [ "$passed" -eq 0 ] && [ "$failed" -eq 0 ]; then
  echo "error: no test ran" >&2
  status=1
fi
[ "$failed" -gt 0 ] && status=1
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
