#!/usr/bin/env bash
# Runs every Consortium test on a fresh machine: installs what is missing (Chromium, PostgreSQL, Redis, Node.js from
# Debian's packages; npm packages through the server build), starts one PostgreSQL and one Redis for the whole run, runs the
# test projects against it and prints "N passed, N failed" as its last line.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
compgen -G "/usr/lib/postgresql/*/bin/initdb" > /dev/null || command -v initdb > /dev/null || missing+=(postgresql postgresql-contrib)
command -v npm > /dev/null || missing+=(nodejs npm)
command -v redis-server > /dev/null || missing+=(redis-server)
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing ${missing[*]} from Debian's packages"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" > /dev/null
fi

# One PostgreSQL for the whole run, private to it: loopback only, socket in its own folder, stopped on exit.
PGBIN=$(dirname "$(readlink -f "$(command -v initdb 2>/dev/null || ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -1)")")
PGROOT=$(mktemp -d /tmp/consortium-test-pg.XXXXXX)
chmod 755 "$PGROOT"
PGDATA="$PGROOT/data"
PGPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
PGPASS=$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
echo "$PGPASS" > "$PGROOT/pw"
run_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ "$(id -u)" -eq 0 ]; then chown -R postgres: "$PGROOT"; fi
run_pg "$PGBIN/initdb" -D "$PGDATA" -U consortium --pwfile="$PGROOT/pw" -A scram-sha-256 -E UTF8 --locale=C.UTF-8 > "$PGROOT/initdb.log" 2>&1 \
  || { cat "$PGROOT/initdb.log"; echo "0 passed, 1 failed"; exit 1; }
run_pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/postgres.log" -w -t 60 \
  -o "-p $PGPORT -k $PGDATA -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off -c synchronous_commit=off" start > /dev/null \
  || { cat "$PGDATA/postgres.log"; echo "0 passed, 1 failed"; exit 1; }
# One Redis for the multi-node tests (tests/Consortium.Server.Tests/Cluster): loopback only, no persistence. A test
# that stops Redis on purpose starts its own.
RPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --port "$RPORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
  --pidfile "$PGROOT/redis.pid" --logfile "$PGROOT/redis.log" \
  || { echo "Redis did not start"; echo "0 passed, 1 failed"; exit 1; }
cleanup() {
  [ -f "$PGROOT/redis.pid" ] && kill "$(cat "$PGROOT/redis.pid")" 2> /dev/null
  run_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m fast stop > /dev/null 2>&1; rm -rf "$PGROOT"
}
trap cleanup EXIT
export CONSORTIUM_TEST_POSTGRES="Host=127.0.0.1;Port=$PGPORT;Username=consortium;Password=$PGPASS;Database=postgres"
export CONSORTIUM_TEST_REDIS="127.0.0.1:$RPORT"

RESULTS="$ROOT/artifacts/test-results"
rm -rf "$RESULTS"
mkdir -p "$RESULTS"

# The build runs npm ci and the Vite build of the web UI (see Consortium.Server.csproj).
dotnet build Consortium.sln -c Release -warnaserror -nologo -v quiet
build=$?
status=$build
if [ $build -eq 0 ]; then
  dotnet test Consortium.sln -c Release --no-build -nologo --results-directory "$RESULTS" --logger "trx" \
    --blame-hang-timeout 10m -- RunConfiguration.TestSessionTimeout=1500000
  status=$?
  # The web UI's unit tests (Vitest; the build already ran npm ci), counted from their JUnit report.
  (cd src/Consortium.Web && npm test --silent -- --reporter=default --reporter=junit --outputFile.junit="$RESULTS/web/vitest.xml")
  web=$?
  [ $web -eq 0 ] || status=$web
fi

python3 - "$RESULTS" "$build" <<'PY'
import glob, os, sys, xml.etree.ElementTree as ET
passed = failed = 0
for trx in glob.glob(sys.argv[1] + "/**/*.trx", recursive=True):
    counters = ET.parse(trx).getroot().find(".//{*}Counters")
    passed += int(counters.get("passed", 0))
    failed += int(counters.get("failed", 0)) + int(counters.get("error", 0)) + int(counters.get("timeout", 0)) + int(counters.get("aborted", 0))
vitest = sys.argv[1] + "/web/vitest.xml"
if sys.argv[2] == "0" and not os.path.exists(vitest):
    failed += 1  # the web unit tests did not report
elif os.path.exists(vitest):
    for case in ET.parse(vitest).getroot().iter("testcase"):
        if case.find("skipped") is not None:
            continue
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
        else:
            passed += 1
if sys.argv[2] != "0":
    failed += 1  # the build itself failed
print(f"{passed} passed, {failed} failed")
PY
exit $status
