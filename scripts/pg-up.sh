#!/usr/bin/env bash
# Makes sure a PostgreSQL server answers on 127.0.0.1:5432 for the test suite:
# starts the Debian cluster when it is down, installs PostgreSQL from Debian's
# packages (trusting local TCP connections) when it is absent.
set -euo pipefail

host=127.0.0.1
port=5432

answers() {
  if command -v pg_isready >/dev/null 2>&1; then
    pg_isready -h "$host" -p "$port" -q
  else
    (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null
  fi
}

if answers; then exit 0; fi

sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"

if ! ls -d /etc/postgresql/*/main >/dev/null 2>&1; then
  echo "pg-up: PostgreSQL is not installed; installing it from Debian's packages" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >/dev/null
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  hba=/etc/postgresql/$version/main/pg_hba.conf
  # the tests connect as postgres over TCP without a password, as on the CI machine
  $sudo sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
fi

version=$(ls /etc/postgresql | sort -V | tail -n 1)
echo "pg-up: starting PostgreSQL $version" >&2
$sudo pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
for _ in $(seq 1 60); do
  if answers; then exit 0; fi
  sleep 0.5
done
echo "pg-up: PostgreSQL did not start on $host:$port" >&2
exit 1
