#!/usr/bin/env bash
# Smoke test of a deployed Redshift stage: what no offline test can show (docs/deploy.md,
# "The smoke test"). Run it from the checkout that deployed the stage, after the owner's grants:
#
#   scripts/redshift-smoke.sh <stage> [--workgroup <name>] [--database <name>] [--cluster <id>]
#
# Needs: the AWS CLI v2 with credentials for the stage's account, jq, and .sst/outputs.json from
# `npx sst deploy --stage <stage>`. It invokes the extract (the pipeline transforms and loads by
# itself), waits for the ledger to hold every processed object, prints row counts, invokes verify,
# prints its summary and how long the loads took. It changes nothing a run would not change.
# Exit codes: 0 all good; 1 a check failed; 2 a usage or setup problem.
set -euo pipefail

usage() { echo "usage: $0 <stage> [--workgroup NAME | --cluster ID] [--database NAME]" >&2; exit 2; }
[ $# -ge 1 ] || usage
STAGE=$1; shift
WORKGROUP=""; CLUSTER=""; DATABASE="warehouse"
while [ $# -gt 0 ]; do
  case "$1" in
    --workgroup) WORKGROUP=${2:?}; shift 2 ;;
    --cluster) CLUSTER=${2:?}; shift 2 ;;
    --database) DATABASE=${2:?}; shift 2 ;;
    *) usage ;;
  esac
done

for tool in aws jq; do
  command -v "$tool" >/dev/null || { echo "redshift-smoke: $tool is not installed" >&2; exit 2; }
done
OUTPUTS=.sst/outputs.json
[ -f "$OUTPUTS" ] || { echo "redshift-smoke: no $OUTPUTS: run 'npx sst deploy --stage $STAGE' from this checkout" >&2; exit 2; }
out() { jq -er --arg k "$1" '.[$k]' "$OUTPUTS"; }
EXTRACT=$(out extract); VERIFY=$(out verify); PROCESSED=$(out processedBucket)
[ -n "$WORKGROUP" ] || [ -n "$CLUSTER" ] || WORKGROUP=$(out redshiftWorkgroup) || {
  echo "redshift-smoke: the stage created no workgroup: pass --workgroup or --cluster" >&2; exit 2; }
if [ -n "$CLUSTER" ]; then TARGET=(--cluster-identifier "$CLUSTER"); else TARGET=(--workgroup-name "$WORKGROUP"); fi

# One statement through the Data API, as the caller's IAM identity; prints its records as JSON.
sql() {
  local id status
  id=$(aws redshift-data execute-statement "${TARGET[@]}" --database "$DATABASE" --sql "$1" --query Id --output text)
  while :; do
    status=$(aws redshift-data describe-statement --id "$id" --query Status --output text)
    case "$status" in
      FINISHED) break ;;
      FAILED|ABORTED)
        echo "redshift-smoke: statement $status: $1" >&2
        aws redshift-data describe-statement --id "$id" --query Error --output text >&2
        exit 1 ;;
      *) sleep 2 ;;
    esac
  done
  if [ "$(aws redshift-data describe-statement --id "$id" --query HasResultSet --output text)" = "True" ]; then
    aws redshift-data get-statement-result --id "$id" --query Records --output json
  else
    echo "[]"
  fi
}

echo "== stage $STAGE: ${WORKGROUP:-$CLUSTER}/$DATABASE; processed bucket $PROCESSED"
echo "== 1. the warehouse answers, and its schema is there"
sql "SELECT count(*) FROM svv_columns WHERE table_schema = 'totes_meta'" | jq -r '"bookkeeping columns: \(.[0][0].longValue)"'

echo "== 2. a run: invoke the extract; transform and load follow through S3 and SQS"
started=$(date -u +%s)
aws lambda invoke --function-name "$EXTRACT" --payload '{}' --cli-binary-format raw-in-base64-out /tmp/redshift-smoke-extract.json >/dev/null
cat /tmp/redshift-smoke-extract.json; echo

echo "== 3. waiting (up to 15 min) until the ledger holds every processed object"
deadline=$((started + 900))
while :; do
  objects=$(aws s3api list-objects-v2 --bucket "$PROCESSED" --prefix tables/ --query 'length(Contents[?ends_with(Key, `.parquet`)])' --output text)
  loaded=$(sql "SELECT count(*) FROM totes_meta.loaded_object" | jq -r '.[0][0].longValue')
  echo "   processed objects: $objects; in the ledger: $loaded"
  [ "$objects" != "None" ] && [ "$loaded" -ge "$objects" ] && break
  [ "$(date -u +%s)" -lt "$deadline" ] || { echo "redshift-smoke: loads still missing after 15 minutes (see the load DLQ)" >&2; exit 1; }
  sleep 20
done

echo "== 4. rows per table, and how long the loads took"
sql "SELECT table_name, count(*), sum(rows_in), sum(rows_written) FROM totes_meta.loaded_object GROUP BY 1 ORDER BY 1" |
  jq -r '.[] | "   \(.[0].stringValue): \(.[1].longValue) objects, \(.[2].longValue) rows in, \(.[3].longValue) written"'
sql "SELECT DATEDIFF(ms, min(loaded_at), max(loaded_at)) FROM totes_meta.loaded_object" |
  jq -r '"   first to last load: \(.[0][0].longValue) ms (loads run one at a time on Redshift)"'

echo "== 5. verify"
aws lambda invoke --function-name "$VERIFY" --payload '{}' --cli-binary-format raw-in-base64-out /tmp/redshift-smoke-verify.json >/dev/null
cat /tmp/redshift-smoke-verify.json; echo
report=$(aws s3 cp "s3://$PROCESSED/_state/verify/latest.json" - 2>/dev/null || true)
if [ -n "$report" ]; then
  echo "$report" | jq -r '"   equal: \(.equal); mismatches: \(.mismatches)"'
  [ "$(echo "$report" | jq -r .equal)" = "true" ] || { echo "redshift-smoke: verify found mismatches" >&2; exit 1; }
else
  echo "redshift-smoke: no verify report at s3://$PROCESSED/_state/verify/latest.json (see the verify function's logs)" >&2
  exit 1
fi
echo "== all good: note which items of docs/deploy.md's 'Never run against a real Redshift' this settled"
