#!/usr/bin/env bash
# Fuzzes one target with afl-fuzz for a bounded time, then folds what it grew into the checked-in corpus:
#   tests/Gateway.Fuzz/run.sh <json|multipart|path> <minutes>
# FUZZ_TOLERATE_KNOWN=1 passes over the violations issue #21 already lists (see README.md).
# Builds (Release), instruments Genlook.Gateway.dll with SharpFuzz, runs afl-fuzz (-V), minimises the queue with
# afl-cmin into corpus/<target>/ (at most FUZZ_MAX_CORPUS files), replays the corpus, and prints the numbers.
# Crashes stay under out/<target>/: replay them with the command printed at the end. Everything runs in-process;
# the only network use is the path target's in-memory test server.
set -euo pipefail
cd "$(dirname "$0")"
here=$(pwd)

target=${1:-}; minutes=${2:-}
case "$target" in json|multipart|path) ;; *) echo "usage: $0 <json|multipart|path> <minutes>" >&2; exit 2 ;; esac
[[ "$minutes" =~ ^[0-9]+$ ]] || { echo "minutes must be a number (0: only fold the last run's queue into the corpus)" >&2; exit 2; }
command -v afl-fuzz >/dev/null || { echo "afl-fuzz not found: apt-get install afl++" >&2; exit 1; }
max_corpus=${FUZZ_MAX_CORPUS:-300}

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
out="$here/out"; bin="$out/bin"; findings="$out/$target"
mkdir -p "$out"

if [ "${FUZZ_NO_BUILD:-0}" = "1" ] && [ -f "$bin/Genlook.Gateway.Fuzz.dll" ]; then
  echo "== reusing the instrumented build in $bin (FUZZ_NO_BUILD=1)"
else
  echo "== build and instrument"
  rm -rf "$bin"
  dotnet tool restore >/dev/null
  dotnet publish Gateway.Fuzz.csproj -c Release -o "$bin" -nologo -v quiet -clp:ErrorsOnly
  # Only the gateway is instrumented: its branches are what afl-fuzz steers by.
  dotnet tool run sharpfuzz "$bin/Genlook.Gateway.dll"
fi
# afl-cmin wants the program by path.
harness=("$(command -v dotnet)" "$bin/Genlook.Gateway.Fuzz.dll" "$target")

# dotnet is not an AFL-instrumented binary (SharpFuzz speaks the fork-server protocol from inside .NET); no UI; the
# .NET start-up (the path target starts a test server) needs more than afl's default fork-server wait.
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1
export AFL_FORKSRV_INIT_TMOUT=120000 AFL_SHUFFLE_QUEUE=0
# FUZZ_TOLERATE_KNOWN=1: violations issue #21 already lists are not crashes, so the run explores past them.
export FUZZ_TOLERATE_KNOWN=${FUZZ_TOLERATE_KNOWN:-0}
if [ "$minutes" -gt 0 ]; then
  echo "== afl-fuzz $target for $minutes min"
  rm -rf "$findings"
  afl-fuzz -i "corpus/$target" -o "$findings" -x "dict/$target.dict" -t 5000 -m none -V $((minutes * 60)) -- "${harness[@]}" \
    > "$out/$target.afl.log" 2>&1 || { tail -40 "$out/$target.afl.log"; exit 1; }
fi

stats="$findings/default/fuzzer_stats"
stat() { grep -m1 "^$1 " "$stats" | sed 's/.*: //'; }

echo "== minimise the queue into corpus/$target"
min="$out/$target.min"; rm -rf "$min"
# The queue of a FUZZ_TOLERATE_KNOWN=1 run holds inputs that show a known defect: minimised as the run saw them, dropped below.
if ! FUZZ_TOLERATE_KNOWN=1 AFL_CMIN_ALLOW_ANY=1 afl-cmin -i "$findings/default/queue" -o "$min" -t 5000 -m none -- "${harness[@]}" \
    > "$out/$target.cmin.log" 2>&1; then
  echo "afl-cmin failed (see $out/$target.cmin.log): copying the queue as it is"
  mkdir -p "$min"; cp "$findings"/default/queue/id:* "$min"/
fi

# New inputs get a content name (AFL's names hold ':' and ','); seeds keep theirs. The smallest first, up to the cap;
# only what replays clean (one harness run over all of them) goes in: an input that only passed with a known defect
# tolerated, or that is flaky, stays out.
stage="$out/$target.stage"; rm -rf "$stage"; mkdir -p "$stage"
declare -A known=()
for f in corpus/"$target"/*; do known[$(sha1sum < "$f" | cut -c1-40)]=1; done
existing=$(ls corpus/"$target" | wc -l)
staged=0
while read -r size f; do
  [ $((existing + staged)) -ge "$max_corpus" ] && break
  sum=$(sha1sum < "$f" | cut -c1-40)
  [ -n "${known[$sum]:-}" ] && continue
  known[$sum]=1
  cp "$f" "$stage/afl-${sum:0:12}"
  staged=$((staged + 1))
done < <(find "$min" -type f -name 'id:*' -printf '%s %p\n' | sort -n)
{ FUZZ_TOLERATE_KNOWN=0 "${harness[@]}" "$stage" 2>/dev/null || true; } | { grep -o "^$stage/afl-[0-9a-f]*" || true; } | xargs -r rm -f
added=$(ls "$stage" | wc -l)
mv "$stage"/* "corpus/$target/" 2>/dev/null || true

crashes=$(find "$findings/default/crashes" -name 'id:*' | wc -l)
hangs=$(find "$findings/default/hangs" -name 'id:*' | wc -l)
echo "== $target: $(stat execs_done) executions, $(stat execs_per_sec) execs/s, $(stat corpus_count) paths" \
     "(queue), $crashes crashes, $hangs hangs; corpus/$target: $existing + $added files"
if [ "$crashes" -gt 0 ]; then
  echo "== crashes (replay: ${harness[*]} $findings/default/crashes)"
  "${harness[@]}" "$findings/default/crashes" || true
fi
