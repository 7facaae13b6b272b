#!/usr/bin/env bash
# The OpenAPI document as strict tools see it (issue #13 item 0): the committed
# and the served document validate as OpenAPI 3.1 (openapi-spec-validator), and
# a Python client generated from the served document by openapi-python-client
# runs tests/client/scenario.py unedited against a real server on SQLite.
# The tools live in a virtualenv under target/ (made once, from PyPI).
set -euo pipefail
cd "$(dirname "$0")/.."
CARGO=${CARGO:-cargo}

if ! command -v python3 >/dev/null 2>&1 || ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
  echo "client-check: Python 3 with venv is missing; installing it from Debian's packages" >&2
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3 python3-venv >/dev/null
fi

venv=target/client-check/venv
stamp=$venv/.requirements
if ! cmp -s tests/client/requirements.txt "$stamp" 2>/dev/null; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r tests/client/requirements.txt
  cp tests/client/requirements.txt "$stamp"
fi
export PATH="$PWD/$venv/bin:$PATH"

openapi-spec-validator openapi/openapi.json

work=$(mktemp -d)
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# the server binary of the test build (`make test` has just built it): a
# `cargo build -p api` would unify features differently and rebuild diesel
# and the api crate (about four minutes on the 2-core machine)
$CARGO test -q --workspace --no-run >/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
password=$(python3 -c 'import secrets; print(secrets.token_urlsafe(18))')
base="http://127.0.0.1:$port"
CRM_BIND="127.0.0.1:$port" DATABASE_URL="sqlite://$work/crm.db" \
  CRM_ADMIN_EMAIL=admin@example.com CRM_ADMIN_PASSWORD="$password" \
  CRM_JWT_SECRET="$(python3 -c 'import secrets; print(secrets.token_hex(32))')" \
  target/debug/crm-under-test serve >"$work/server.log" 2>&1 &
pid=$!

fetch() { python3 -c 'import sys, urllib.request; sys.stdout.buffer.write(urllib.request.urlopen(sys.argv[1], timeout=5).read())' "$1"; }
for _ in $(seq 1 100); do
  if fetch "$base/healthz" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$pid" 2>/dev/null; then cat "$work/server.log" >&2; echo "client-check: the server did not start" >&2; exit 1; fi
  sleep 0.1
done

fetch "$base/openapi.json" >"$work/served.json"
openapi-spec-validator "$work/served.json"
(cd "$work" && openapi-python-client generate --path served.json --meta none --output-path crm_client >gen.log 2>&1) || {
  cat "$work/gen.log" >&2; exit 1
}
if grep -q -i "warning\|error" "$work/gen.log"; then
  cat "$work/gen.log" >&2
  echo "client-check: the generator warned about the served document" >&2
  exit 1
fi
PYTHONPATH="$work" python3 tests/client/scenario.py "$base" admin@example.com "$password"
