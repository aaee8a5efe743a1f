#!/usr/bin/env bash
# Runs the benchmark program (docs/performance.md) on a fresh machine: installs PostgreSQL from Debian's packages when
# missing, builds the solution in Release, then runs tests/Consortium.Benchmarks, which starts its own PostgreSQL and
# the server as a separate process. Options go to the program, e.g. --scenario search --rows 100000 (see --help).
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
missing=()
compgen -G "/usr/lib/postgresql/*/bin/initdb" > /dev/null || command -v initdb > /dev/null || missing+=(postgresql postgresql-contrib)
command -v npm > /dev/null || missing+=(nodejs npm)
# The two-node live scenario (live2) runs its own Redis.
command -v redis-server > /dev/null || missing+=(redis-server)
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing ${missing[*]} from Debian's packages"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" > /dev/null
fi

dotnet build tests/Consortium.Benchmarks -c Release -nologo -v quiet
exec dotnet tests/Consortium.Benchmarks/bin/Release/net10.0/Consortium.Benchmarks.dll "$@"
