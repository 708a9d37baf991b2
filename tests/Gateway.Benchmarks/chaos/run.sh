#!/usr/bin/env bash
# Chaos and soak: two gateway instances, Redis and the Genlook emulator under mixed load while Redis is restarted,
# Redis is paused (SIGSTOP) past its budget, and one instance is SIGKILLed mid-try-on. Not part of CI.
#
#   tests/Gateway.Benchmarks/chaos/run.sh                 10 minutes (the full run)
#   tests/Gateway.Benchmarks/chaos/run.sh --minutes 2     a short run, to try it out
# Options (passed on to the runner, see Chaos/ChaosRunner.cs):
#   --minutes N            planned length (1..240; default 10)
#   --users N              ordinary users (default 60); --hammers N users that push past every limit (default 4)
#   --pause-seconds S      how long Redis stays SIGSTOPped (default 3; RateLimiting:RedisBudget is 50 ms)
#   --max-requests N       request count bound (default 2000000)
#   --outage-allowance F   over-admission allowed in a window touching a fault, as a fraction of the limit (default 0.5)
#   --records FILE         also write every request (operation, user, instance, times, status, code) as TSV
#   --gateway-env K=V      an extra environment variable for the two instances (repeatable), e.g. RateLimiting__RedisBudget=00:00:01
#
# Everything listens on 127.0.0.1 only; every process started is stopped by PID on exit (also Ctrl-C); every wait
# is bounded. Prints a Markdown report and writes it to tests/Gateway.Benchmarks/chaos/results/<timestamp>.md, with
# the processes' logs beside it in <timestamp>-logs/. Exits non-zero only when the harness itself fails.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
cd "$ROOT"

for tool in redis-server dotnet kill; do
  command -v "$tool" >/dev/null 2>&1 || { echo "error: '$tool' is required (redis-server: sudo apt-get install redis-server)" >&2; exit 1; }
done

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
echo "== build (Release, once)" >&2
dotnet build src/Gateway/Gateway.csproj -c Release -nologo -v quiet -clp:ErrorsOnly >/dev/null
dotnet build tests/Gateway.Benchmarks/Gateway.Benchmarks.csproj -c Release -nologo -v quiet -clp:ErrorsOnly >/dev/null

GATEWAY_DLL=$ROOT/src/Gateway/bin/Release/net10.0/Genlook.Gateway.dll
BENCH_DLL=$ROOT/tests/Gateway.Benchmarks/bin/Release/net10.0/Gateway.Benchmarks.dll
for f in "$GATEWAY_DLL" "$BENCH_DLL"; do [[ -f $f ]] || { echo "error: $f missing after build" >&2; exit 1; }; done

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$HERE/results"
WORK=$(mktemp -d)
RUNNER=""
cleanup() {
  # The runner stops its children itself; this is for when it could not (killed, crashed): every PID it started.
  [[ -n $RUNNER ]] && kill "$RUNNER" 2>/dev/null && timeout 30 tail --pid="$RUNNER" -f /dev/null 2>/dev/null
  if [[ -f $WORK/pids ]]; then
    while read -r pid; do kill -CONT "$pid" 2>/dev/null || true; kill -9 "$pid" 2>/dev/null || true; done <"$WORK/pids"
  fi
  mkdir -p "$HERE/results/$STAMP-logs"
  cp "$WORK"/*.log "$HERE/results/$STAMP-logs/" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

dotnet "$BENCH_DLL" chaos --gateway-dll "$GATEWAY_DLL" --work "$WORK" --report "$HERE/results/$STAMP.md" "$@" &
RUNNER=$!
wait "$RUNNER"
