#!/usr/bin/env bash
# Load harness: the gateway (full pipeline, real Redis) against plain YARP, same upstream, same run.
#
#   tests/Gateway.Benchmarks/load/run.sh            full run: 3 rounds, 15 s cells (about 15 minutes)
#   tests/Gateway.Benchmarks/load/run.sh --quick    1 round, 5 s cells (under 3 minutes)
# Options (combine freely):
#   --scenarios read,status      only these scenarios (of read, status, tryon, legacy, read-exact, read-many-users, watch):
#                                read = product reads with the default `reads` mode (local), read-exact = the same
#                                against a second gateway whose `reads` is exact, read-many-users = reads by 10 000
#                                distinct users (local mode); watch: SSE watches, not wrk cells (see watch_scenario);
#                                alone it skips the rest
#   --store memory               the gateway in embedded mode (in-memory store and limiter, no Redis), to see what the
#                                shared Redis store costs: the same cells against the default --store redis
#
# Everything listens on 127.0.0.1 only; every process started here is stopped by PID on exit; every wait is bounded.
# Writes a markdown report to tests/Gateway.Benchmarks/load/results/<timestamp>.md and prints, last, one line:
#   read <ratio>x, status <ratio>x, tryon <ratio>x, legacy <ratio>x, cpu/req <ratio>x, upload peak RSS <MB> MB
# then, for the scenarios run, gateway+redis-server CPU per request ÷ plain YARP's (the limiter's Redis work counted).
set -euo pipefail

QUICK=0
STORE=redis
SCENARIOS=(read status tryon legacy)
while (( $# > 0 )); do
  case $1 in
    --quick) QUICK=1; shift ;;
    --store|--scenarios) (( $# >= 2 )) || { echo "error: $1 needs a value" >&2; exit 2; } ;;&
    --store) STORE=$2; shift 2 ;;
    --scenarios) IFS=, read -r -a SCENARIOS <<<"$2"; shift 2 ;;
    *) echo "error: unknown argument '$1' (see the header of $0)" >&2; exit 2 ;;
  esac
done
[[ $STORE == redis || $STORE == memory ]] || { echo "error: --store takes redis or memory, not '$STORE'" >&2; exit 2; }
for scenario in "${SCENARIOS[@]}"; do
  [[ $scenario =~ ^(read|status|tryon|legacy|read-exact|read-many-users|watch)$ ]] || { echo "error: unknown scenario '$scenario' (read, status, tryon, legacy, read-exact, read-many-users, watch)" >&2; exit 2; }
done
(( ${#SCENARIOS[@]} > 0 )) || { echo "error: --scenarios needs at least one scenario" >&2; exit 2; }
if (( QUICK )); then ROUNDS=1; DURATION=5; WARMUP=1; else ROUNDS=3; DURATION=15; WARMUP=3; fi
CONNECTIONS=(16 64)

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
cd "$ROOT"

need() {
  if ! command -v "$1" >/dev/null 2>&1; then
    if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
      echo "installing $2 with apt-get"; (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null)
    else
      echo "error: '$1' is required: sudo apt-get install $2" >&2; exit 1
    fi
  fi
}
need wrk wrk; need curl curl
[[ $STORE == redis ]] && need redis-server redis-server

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
echo "== build (Release, once)"
dotnet build Gateway.sln -c Release -nologo -v quiet -clp:ErrorsOnly >/dev/null

GATEWAY_DLL=src/Gateway/bin/Release/net10.0/Genlook.Gateway.dll
BENCH_DLL=tests/Gateway.Benchmarks/bin/Release/net10.0/Gateway.Benchmarks.dll
BASELINE_DLL=tests/Gateway.Benchmarks/Baseline/bin/Release/net10.0/PlainYarp.dll
for f in "$GATEWAY_DLL" "$BENCH_DLL" "$BASELINE_DLL"; do [[ -f $f ]] || { echo "error: $f missing after build" >&2; exit 1; }; done

WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do timeout 10 tail --pid="$pid" -f /dev/null 2>/dev/null || kill -9 "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

free_port() {
  local port
  for _ in $(seq 1 200); do
    port=$(( (RANDOM % 30000) + 20000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
  done
  echo "error: no free port" >&2; exit 1
}

wait_http() { # url, seconds
  for _ in $(seq 1 $(( $2 * 10 ))); do
    curl -s -o /dev/null --max-time 1 "$1" && return 0
    sleep 0.1
  done
  echo "error: $1 did not answer within $2 s" >&2; exit 1
}

REDIS_PORT=$(free_port); UPSTREAM_PORT=$(free_port); GATEWAY_PORT=$(free_port); BASELINE_PORT=$(free_port)
UPSTREAM=http://127.0.0.1:$UPSTREAM_PORT GATEWAY=http://127.0.0.1:$GATEWAY_PORT BASELINE=http://127.0.0.1:$BASELINE_PORT

REDIS_PID=""
STORE_ENV=() # embedded mode: no connection string, so the in-memory store and limiter
if [[ $STORE == redis ]]; then
  echo "== start redis :$REDIS_PORT"
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no >"$WORK/redis.log" 2>&1 & REDIS_PID=$!; PIDS+=($REDIS_PID)
  STORE_ENV=(ConnectionStrings__Redis="127.0.0.1:$REDIS_PORT")
fi
echo "== start upstream :$UPSTREAM_PORT, gateway :$GATEWAY_PORT ($STORE store), plain YARP :$BASELINE_PORT"
dotnet "$BENCH_DLL" upstream --urls "$UPSTREAM" >"$WORK/upstream.log" 2>&1 & PIDS+=($!)

KEY_B64=$(printf '%s' 'load-harness-signing-key-0123456789-abcdefghij' | base64 -w0)
LIMIT=100000000 # limits on, never reached: the harness measures what they cost, not what they refuse
start_gateway() { # url, log, extra env...
  local url=$1 log=$2; shift 2
  env ASPNETCORE_ENVIRONMENT=Production "${STORE_ENV[@]}" "$@" \
  Genlook__Accounts__default__BaseUrl="$UPSTREAM" Genlook__Accounts__default__ApiKey=gk_bench \
  Attribution__Key=load-harness-attribution-key-0123456789 \
  Authentication__Schemes__Bearer__ValidIssuer=https://bench.idp.local \
  Authentication__Schemes__Bearer__ValidAudiences__0=genlook-gateway-bench \
  Authentication__Schemes__Bearer__SigningKeys__0__Issuer=https://bench.idp.local \
  Authentication__Schemes__Bearer__SigningKeys__0__Value="$KEY_B64" \
  RateLimiting__Policies__reads__PermitLimit=$LIMIT RateLimiting__Policies__reads__Window=00:00:01 \
  RateLimiting__Policies__tryon__PermitLimit=$LIMIT RateLimiting__Policies__tryon__Window=00:00:01 \
  RateLimiting__Policies__uploads__PermitLimit=$LIMIT RateLimiting__Policies__uploads__Window=00:00:01 \
  RateLimiting__Policies__account__PermitLimit=$LIMIT RateLimiting__Policies__account__Window=00:00:01 \
  Logging__LogLevel__Default=Warning \
  dotnet "$GATEWAY_DLL" --urls "$url" >"$log" 2>&1 & STARTED_PID=$!; PIDS+=($STARTED_PID)
}
start_gateway "$GATEWAY" "$WORK/gateway.log"; GATEWAY_PID=$STARTED_PID
# read-exact: a second gateway, the same but for `reads` in exact mode (one shared Redis decision per read).
GATEWAY_EXACT="" GATEWAY_EXACT_PID=""
if [[ " ${SCENARIOS[*]} " == *" read-exact "* ]]; then
  GATEWAY_EXACT=http://127.0.0.1:$(free_port)
  start_gateway "$GATEWAY_EXACT" "$WORK/gateway-exact.log" RateLimiting__Policies__reads__Mode=exact; GATEWAY_EXACT_PID=$STARTED_PID
fi
dotnet "$BASELINE_DLL" --urls "$BASELINE" --Upstream "$UPSTREAM" >"$WORK/baseline.log" 2>&1 & BASELINE_PID=$!; PIDS+=($BASELINE_PID)

wait_http "$UPSTREAM/tryon/v1/products/x" 60
wait_http "$GATEWAY/readyz" 60
[[ -n $GATEWAY_EXACT ]] && wait_http "$GATEWAY_EXACT/readyz" 60
wait_http "$BASELINE/tryon/v1/products/x" 60

# Scenario watch (issue #23): N apps watch 100 generations over SSE. The C# client starts its own upstream (generations
# that progress over --generation-seconds, status GETs counted) and its own gateway instances on this run's Redis:
# 1 000 watchers on 2 instances (upstream GETs per generation per PollInterval, target <= 1), then 10 000 on one
# (RSS with every watch open, target <= 300 MB); both report gateway CPU per watch-second. Medians over rounds.
watch_scenario() {
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  (( $(ulimit -n) >= 10240 )) || { echo "error: 10 000 watches need ulimit -n >= 10240 (hard limit $(ulimit -Hn))" >&2; exit 1; }
  local redis_arg=() cells=(2:1000:12 1:10000:60) cell round out
  [[ $STORE == redis ]] && redis_arg=(--redis "127.0.0.1:$REDIS_PORT")
  : >"$WORK/watch.txt"
  echo "== watch: ${ROUNDS} round(s) x (1 000 watchers on 2 instances, 10 000 on 1), 100 generations"
  for round in $(seq 1 "$ROUNDS"); do
    for cell in "${cells[@]}"; do
      IFS=: read -r instances watchers seconds <<<"$cell"
      out=$(timeout 600 dotnet "$BENCH_DLL" watch --gateway-dll "$GATEWAY_DLL" "${redis_arg[@]}" --instances "$instances" \
        --watchers "$watchers" --generations 100 --generation-seconds "$seconds" 2>"$WORK/watch.err") \
        || { echo "error: watch scenario failed: $out $(tail -5 "$WORK/watch.err")" >&2; exit 1; }
      echo "   round $round $out"; echo "$round $out" >>"$WORK/watch.txt"
    done
  done
  mkdir -p "$HERE/results"
  local report; report="$HERE/results/$(date -u +%Y%m%dT%H%M%SZ)$( (( QUICK )) && echo -quick || true)-watch.md"
  { echo "# Watch scenario $(date -u +%Y-%m-%dT%H:%MZ) ($ROUNDS round(s), $(nproc) cores, $STORE store)"; echo
    echo "| round | watchers | instances | upstream GETs/generation/interval (median, max) | RSS all open MB | RSS peak MB | gateway CPU µs/watch-second |"
    echo "|---|---|---|---|---|---|---|"
    sed -E 's/^([0-9]+) WATCH watchers=([0-9]+).* instances=([0-9]+).*_median=([0-9.]+) max=([0-9.]+) rss_all_open_mb=([0-9/]+) rss_peak_mb=([0-9/]+) cpu_us_per_watch_second=([0-9.]+).*/| \1 | \2 | \3 | \4, \5 | \6 | \7 | \8 |/' "$WORK/watch.txt"
  } >"$report"
  cat "$report"; echo "report: $report"
}
if [[ " ${SCENARIOS[*]} " == *" watch "* ]]; then
  watch_scenario
  REST=(); for scenario in "${SCENARIOS[@]}"; do [[ $scenario == watch ]] || REST+=("$scenario"); done; SCENARIOS=("${REST[@]}")
  (( ${#SCENARIOS[@]} > 0 )) || exit 0
fi

dotnet "$BENCH_DLL" tokens --count 200 --out "$WORK/tokens.txt" >/dev/null
if [[ " ${SCENARIOS[*]} " == *" read-many-users "* ]]; then
  dotnet "$BENCH_DLL" tokens --count 10000 --out "$WORK/tokens-many.txt" >/dev/null
fi
TOKEN=$(head -1 "$WORK/tokens.txt")

# Scenario 2 needs generations owned by their pollers: 100 users each start one try-on through the gateway.
: >"$WORK/status_paths.txt"; : >"$WORK/status_tokens.txt"
while read -r t; do
  id=$(curl -s --max-time 5 -H "Authorization: Bearer $t" -H 'Content-Type: application/json' \
    -d '{"products":[{"externalId":"shirt-42"}],"person":{"image":{"source":{"url":"https://cdn.example.com/p.jpg"}}}}' \
    "$GATEWAY/tryon/v1/try-on" | sed -E 's/.*"generationId":"([^"]+)".*/\1/')
  [[ $id == gen_* ]] || { echo "error: try-on through the gateway failed: $id" >&2; exit 1; }
  echo "/tryon/v1/generations/$id" >>"$WORK/status_paths.txt"; echo "$t" >>"$WORK/status_tokens.txt"
done < <(head -100 "$WORK/tokens.txt")

printf '%s' '{"products":[{"externalId":"shirt-42"}],"person":{"image":{"source":{"url":"https://cdn.example.com/p.jpg"}}}}' >"$WORK/tryon.json"
printf '%s' '{"product":{"externalId":"shirt-42"},"customer":{"url":"https://cdn.example.com/p.jpg"},"useWatermark":false}' >"$WORK/legacy.json"

CLK_TCK=$(getconf CLK_TCK)
cpu_ticks() { [[ -n $1 ]] || { echo 0; return; }; local f; read -r -a f <"/proc/$1/stat"; echo $(( f[13] + f[14] )); }

# One cell: scenario, target (gateway|baseline), connections, round -> a line in cells.tsv
run_cell() {
  local scenario=$1 target=$2 connections=$3 round=$4 url pid script
  if [[ $target == baseline ]]; then url=$BASELINE pid=$BASELINE_PID
  elif [[ $scenario == read-exact ]]; then url=$GATEWAY_EXACT pid=$GATEWAY_EXACT_PID
  else url=$GATEWAY pid=$GATEWAY_PID; fi
  export SUMMARY_LUA="$HERE/summary.lua" TOKENS="$WORK/tokens.txt" PATHS="" PATH_ONE="/tryon/v1/products/shirt-42"
  case $scenario in
    read|read-exact) script=get.lua ;;
    read-many-users) script=get.lua; export TOKENS="$WORK/tokens-many.txt" ;;
    status) script=get.lua; export TOKENS="$WORK/status_tokens.txt" PATHS="$WORK/status_paths.txt" ;;
    tryon)  script=post.lua; export PATH_ONE=/tryon/v1/try-on BODY_FILE="$WORK/tryon.json" ;;
    legacy) script=post.lua; export PATH_ONE=/tryon/v1/try-on BODY_FILE="$WORK/legacy.json" ;;
  esac
  timeout $(( WARMUP + 20 )) wrk -t2 -c"$connections" -d"${WARMUP}s" -s "$HERE/$script" "$url" >/dev/null 2>&1 || true
  local before after out redis_before redis_after
  before=$(cpu_ticks "$pid"); redis_before=$(cpu_ticks "$REDIS_PID")
  out=$(timeout $(( DURATION + 30 )) wrk -t2 -c"$connections" -d"${DURATION}s" --timeout 5s -s "$HERE/$script" "$url" 2>&1) || true
  after=$(cpu_ticks "$pid"); redis_after=$(cpu_ticks "$REDIS_PID")
  local line; line=$(grep '^RESULT' <<<"$out" || true)
  if [[ -z $line ]]; then echo "error: wrk gave no result for $scenario/$target/$connections: $out" >&2; exit 1; fi
  awk -v s="$scenario" -v t="$target" -v c="$connections" -v r="$round" -v ticks=$(( after - before )) -v rticks=$(( redis_after - redis_before )) -v hz="$CLK_TCK" '
    { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
    END {
      rps = v["requests"] / (v["duration_us"] / 1e6)
      cpu = v["requests"] > 0 ? ticks * 1e6 / hz / v["requests"] : 0
      rcpu = v["requests"] > 0 ? rticks * 1e6 / hz / v["requests"] : 0
      printf "%s\t%s\t%s\t%s\t%.0f\t%.2f\t%.2f\t%.1f\t%d\t%d\t%.1f\n", r, s, c, t, rps, v["p50_us"] / 1000, v["p99_us"] / 1000, cpu, v["non2xx"], v["socket_errors"], rcpu
    }' <<<"$line" >>"$WORK/cells.tsv"
  tail -1 "$WORK/cells.tsv" | awk -F'\t' '{ printf "   round %s %-7s %3sc %-8s %8s req/s  p50 %6s ms  p99 %7s ms  cpu %7s us/req  redis %5s us/req  non2xx %s  socket %s\n", $1, $2, $3, $4, $5, $6, $7, $8, $11, $9, $10 }'
}

# A pass over every scenario and target first, so that JIT and connection warm-up are not measured in round 1.
echo "== warm-up"
for scenario in "${SCENARIOS[@]}"; do for target in gateway baseline; do
  DURATION_SAVED=$DURATION; DURATION=$(( WARMUP + 1 )); run_cell "$scenario" "$target" 64 0 >/dev/null; DURATION=$DURATION_SAVED
done; done
: >"$WORK/cells.tsv"
echo "== cells: ${ROUNDS} round(s) x ${#SCENARIOS[@]} scenarios x ${#CONNECTIONS[@]} connection counts x 2 targets, ${DURATION}s each (+${WARMUP}s warm-up)"
for round in $(seq 1 "$ROUNDS"); do
  for scenario in "${SCENARIOS[@]}"; do
    for connections in "${CONNECTIONS[@]}"; do
      # Interleave, and alternate who goes first, so drift shows instead of biasing one side.
      if (( round % 2 )); then order=(gateway baseline); else order=(baseline gateway); fi
      for target in "${order[@]}"; do run_cell "$scenario" "$target" "$connections" "$round"; done
    done
  done
done

# Scenario 5: 20 concurrent uploads of just under 10 MB; peak RSS sampled every 50 ms.
upload_peak() { # pid, url -> peak RSS in MB
  local pid=$1 url=$2 peak=0 rss
  printf '\xff\xd8\xff' >"$WORK/upload.jpg"; head -c $(( 10 * 1024 * 1024 - 4096 )) /dev/urandom >>"$WORK/upload.jpg"
  local curls=()
  for i in $(seq 1 20); do
    curl -s -o /dev/null --max-time 120 -H "Authorization: Bearer $(sed -n "${i}p" "$WORK/tokens.txt")" \
      -F "file=@$WORK/upload.jpg;type=image/jpeg" "$url/tryon/v1/images/upload" & curls+=($!)
  done
  while kill -0 "${curls[@]}" 2>/dev/null; do
    rss=$(awk '/VmRSS/ { print $2 }' "/proc/$pid/status"); (( rss > peak )) && peak=$rss
    sleep 0.05
  done
  wait "${curls[@]}" || true
  echo $(( peak / 1024 ))
}
echo "== uploads: 20 concurrent ~10 MB"
UPLOAD_GATEWAY=$(upload_peak "$GATEWAY_PID" "$GATEWAY")
UPLOAD_BASELINE=$(upload_peak "$BASELINE_PID" "$BASELINE")
echo "   peak RSS: gateway ${UPLOAD_GATEWAY} MB, plain YARP ${UPLOAD_BASELINE} MB"

# Report
mkdir -p "$HERE/results"
SUFFIX=""; (( QUICK )) && SUFFIX="-quick"; [[ $STORE == memory ]] && SUFFIX="$SUFFIX-memory"
REPORT="$HERE/results/$(date -u +%Y%m%dT%H%M%SZ)$SUFFIX.md"
{
  echo "# Load harness $(date -u +%Y-%m-%dT%H:%MZ) ($([[ $QUICK == 1 ]] && echo quick || echo full): $ROUNDS round(s), ${DURATION}s cells, $(nproc) cores, $STORE store)"
  echo
  echo "| round | scenario | conns | gateway req/s | YARP req/s | ratio | gateway p50/p99 ms | YARP p50/p99 ms | gateway cpu µs/req | YARP cpu µs/req | cpu ratio | + redis µs/req | gw+redis cpu ratio | errors gw/yarp |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  awk -F'\t' '
    { key = $1 FS $2 FS $3; row[key] = 1; rps[key, $4] = $5; p50[key, $4] = $6; p99[key, $4] = $7; cpu[key, $4] = $8; err[key, $4] = $9 + $10; redis[key, $4] = $11; order[++n] = key }
    END {
      for (i = 1; i <= n; i++) { k = order[i]; if (seen[k]++) continue; split(k, f, FS)
        printf "| %s | %s | %s | %.0f | %.0f | %.2fx | %.2f / %.2f | %.2f / %.2f | %.1f | %.1f | %.2fx | %.1f | %.2fx | %d / %d |\n", f[1], f[2], f[3],
          rps[k, "gateway"], rps[k, "baseline"], rps[k, "gateway"] / rps[k, "baseline"], p50[k, "gateway"], p99[k, "gateway"],
          p50[k, "baseline"], p99[k, "baseline"], cpu[k, "gateway"], cpu[k, "baseline"], cpu[k, "gateway"] / cpu[k, "baseline"], redis[k, "gateway"],
          (cpu[k, "gateway"] + redis[k, "gateway"]) / cpu[k, "baseline"], err[k, "gateway"], err[k, "baseline"] }
    }' "$WORK/cells.tsv"
  echo
  echo "Upload (20 concurrent ~10 MB uploads), peak RSS: gateway ${UPLOAD_GATEWAY} MB, plain YARP ${UPLOAD_BASELINE} MB."
  echo
  echo "Headline: medians over rounds at 64 connections; \`status\` is the gateway's cached poll against plain YARP's proxied GET; cpu/req is the read scenario."
} >"$REPORT"
cat "$REPORT"

median_ratio() { # scenario, column (5 = req/s, 8 = cpu, 12 = cpu + redis cpu)
  awk -F'\t' -v s="$1" -v col="$2" '$2 == s && $3 == 64 { v[$1, $4] = (col == 12 ? $8 + $11 : $col); r[$1] = 1 }
    END { n = 0; for (k in r) if (v[k, "baseline"] > 0) x[++n] = v[k, "gateway"] / v[k, "baseline"]
          if (n == 0) { print "n/a"; exit }
          for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (x[j] < x[i]) { t = x[i]; x[i] = x[j]; x[j] = t }
          m = (n % 2) ? x[(n + 1) / 2] : (x[n / 2] + x[n / 2 + 1]) / 2; printf "%.2fx", m }' "$WORK/cells.tsv"
}
echo
echo "report: $REPORT"
echo "read $(median_ratio read 5), status $(median_ratio status 5), tryon $(median_ratio tryon 5), legacy $(median_ratio legacy 5), cpu/req $(median_ratio read 8), upload peak RSS ${UPLOAD_GATEWAY} MB"
extra=""
for scenario in "${SCENARIOS[@]}"; do
  case $scenario in read-exact|read-many-users) extra+="$scenario $(median_ratio "$scenario" 5), " ;; esac
  case $scenario in read|read-exact|read-many-users|tryon) extra+="gw+redis cpu/$scenario $(median_ratio "$scenario" 12), " ;; esac
done
[[ -n $extra ]] && echo "${extra%, }"
