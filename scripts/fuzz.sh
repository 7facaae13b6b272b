#!/usr/bin/env bash
# Schema-driven fuzzing (issue #14 item 9): schemathesis, seeded and bounded,
# against the real server on SQLite or PostgreSQL, signed in as an admin.
# Fails on a 5xx, an answer that breaks the documented schema, status, content
# type or headers, a schema-violating request accepted, and a schema-valid
# request refused for its shape (tests/fuzz/hooks.py says which refusals depend
# on stored data instead). The tool lives in a virtualenv under target/.
#
#   scripts/fuzz.sh sqlite|postgres   (FUZZ_SEED, FUZZ_EXAMPLES, FUZZ_PHASES to vary)
set -euo pipefail
cd "$(dirname "$0")/.."
CARGO=${CARGO:-cargo}
backend=${1:?usage: scripts/fuzz.sh sqlite|postgres}
seed=${FUZZ_SEED:-20261128}
examples=${FUZZ_EXAMPLES:-10}
phases=${FUZZ_PHASES:-examples,coverage,fuzzing}

if ! command -v python3 >/dev/null 2>&1 || ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
  echo "fuzz: Python 3 with venv is missing; installing it from Debian's packages" >&2
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3 python3-venv >/dev/null
fi

venv=target/fuzz/venv
stamp=$venv/.requirements
# one install at a time (the two backends may run side by side)
mkdir -p target
exec 9>target/fuzz.lock
flock 9
if ! cmp -s tests/fuzz/requirements.txt "$stamp" 2>/dev/null; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r tests/fuzz/requirements.txt
  cp tests/fuzz/requirements.txt "$stamp"
fi
# the server binary of the test build (`make test` has just built it): a
# `cargo build -p api` would unify features differently and rebuild diesel
# and the api crate (about four minutes on the 2-core machine)
$CARGO test -q --workspace --no-run >/dev/null
flock -u 9

work=$(mktemp -d)
pid=""
database=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  if [ -n "$database" ]; then
    psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS $database" >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

case "$backend" in
  sqlite) url="sqlite://$work/crm.db" ;;
  postgres)
    ./scripts/pg-up.sh
    database="crm_fuzz_$$"
    psql -q -h 127.0.0.1 -U postgres -d postgres -c "CREATE DATABASE $database" >/dev/null
    url="postgres://postgres@127.0.0.1:5432/$database"
    ;;
  *) echo "fuzz: unknown backend $backend" >&2; exit 2 ;;
esac

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
password=$(python3 -c 'import secrets; print(secrets.token_urlsafe(18))')
base="http://127.0.0.1:$port"
# one client makes every request: the per-address limit must not be the answer
CRM_BIND="127.0.0.1:$port" DATABASE_URL="$url" CRM_DATA_DIR="$work/data" \
  CRM_ADMIN_EMAIL=admin@example.com CRM_ADMIN_PASSWORD="$password" \
  CRM_JWT_SECRET="$(python3 -c 'import secrets; print(secrets.token_hex(32))')" \
  CRM_MAX_REQUESTS_PER_ADDRESS=1000 RUST_LOG=warn \
  target/debug/crm-under-test serve >"$work/server.log" 2>&1 &
pid=$!

for _ in $(seq 1 100); do
  if python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' "$base/healthz" 2>/dev/null; then break; fi
  if ! kill -0 "$pid" 2>/dev/null; then cat "$work/server.log" >&2; echo "fuzz: the server did not start" >&2; exit 1; fi
  sleep 0.1
done
token=$(python3 - "$base" "$password" <<'PY'
import json, sys, urllib.request
req = urllib.request.Request(sys.argv[1] + "/api/v1/auth/login", method="POST",
    data=json.dumps({"email": "admin@example.com", "password": sys.argv[2]}).encode(),
    headers={"Content-Type": "application/json"})
print(json.load(urllib.request.urlopen(req, timeout=5))["access_token"])
PY
)

echo "fuzz: schemathesis on $backend (seed $seed, phases $phases, $examples examples per operation)"
status=0
(cd tests/fuzz && SCHEMATHESIS_HOOKS=hooks "../../$venv/bin/st" --config-file schemathesis.toml run \
  "$base/openapi.json" -H "Authorization: Bearer $token" \
  --seed "$seed" --max-examples "$examples" --phases "$phases" --workers 1 --no-shrink \
  --suppress-health-check all --warnings off) >"$work/run.txt" 2>&1 || status=$?

# still signed in at the end: the run did not lock itself out and test nothing
if ! python3 - "$base" "$token" <<'PY'
import sys, urllib.request
req = urllib.request.Request(sys.argv[1] + "/api/v1/me", headers={"Authorization": "Bearer " + sys.argv[2]})
urllib.request.urlopen(req, timeout=5)
PY
then
  echo "fuzz: the admin's session ended during the run, so later requests tested nothing" >&2
  status=1
fi
if [ "$status" -ne 0 ]; then
  cat "$work/run.txt" >&2
  grep -E " 5[0-9][0-9] |panicked|ERROR" "$work/server.log" | head -20 >&2 || true
  echo "fuzz: failed on $backend" >&2
  exit 1
fi
grep -E "generated|passed" "$work/run.txt" | tail -2
