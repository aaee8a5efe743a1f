#!/usr/bin/env bash
# Restore drill: proves that the base backups and the WAL archive of a running PostgreSQL can bring the database back
# to a chosen moment (point-in-time recovery), using PostgreSQL's own tools only. See docs/operations.md.
#
#   deploy/restore-drill.sh --host 127.0.0.1 --port 5432 --user postgres --archive /var/lib/postgresql/wal-archive
#
# 1. writes a marker row into the table restore_drill (database --dbname) of the source cluster;
# 2. takes a base backup with pg_basebackup (without WAL: everything after it must come from the archive);
# 3. writes a second marker row, notes the target (an LSN, or with --target time a timestamp), writes a third;
# 4. switches WAL and waits until the source has archived everything up to the third row;
# 5. restores the backup as a throwaway cluster under --work (fsync off: it is deleted after), replays the archive
#    to the target and promotes it;
# 6. checks that the first two rows are there and the third is not, stops the throwaway cluster, deletes it, and
#    removes the drill's rows from the source.
# The last line is "restore drill passed: ..." (exit 0) or "restore drill failed: ..." (exit 1).
#
# The source must archive WAL (archive_mode=on, an archive_command copying into --archive) and --user must be allowed
# to replicate (a superuser, or a role with REPLICATION that owns --dbname). Passwords come from PGPASSWORD or
# ~/.pgpass. As root, the server tools run as the postgres user (PostgreSQL refuses root): --work and --archive must
# then be on a path postgres can traverse (not under /root). The throwaway cluster listens on 127.0.0.1 only and never
# archives (it must not write into the source's archive).
set -euo pipefail

host=127.0.0.1 port=5432 user=postgres dbname=postgres archive="" target=lsn keep=false
pgbin=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
work=""
usage() { sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; echo "Options: --host --port --user --dbname --archive DIR --pgbin DIR --work DIR --target lsn|time --keep"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --host) host=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    --user) user=$2; shift 2 ;;
    --dbname) dbname=$2; shift 2 ;;
    --archive) archive=$2; shift 2 ;;
    --pgbin) pgbin=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --target) target=$2; shift 2 ;;
    --keep) keep=true; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done

fail() { echo "restore drill failed: $*"; exit 1; }
[ -n "$archive" ] || fail "--archive (the folder the source's archive_command writes to) is required"
[ -d "$archive" ] || fail "the WAL archive $archive is not a folder"
[ -x "$pgbin/pg_basebackup" ] || fail "no PostgreSQL tools in $pgbin (set --pgbin)"
case "$target" in lsn|time) ;; *) fail "--target must be lsn or time" ;; esac

as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
source_sql() { PGOPTIONS='-c client_min_messages=warning' "$pgbin/psql" -X -q -At -v ON_ERROR_STOP=1 -h "$host" -p "$port" -U "$user" -d "$dbname" -c "$1"; }

# The drill deletes its folder afterwards, so it only ever works in a folder of its own making.
if [ -n "$work" ] && [ -e "$work" ] && [ -n "$(ls -A "$work" 2>/dev/null)" ]; then fail "--work $work is not empty"; fi
if [ -z "$work" ]; then work=$(mktemp -d /tmp/consortium-restore-drill.XXXXXX); else mkdir -p "$work"; fi
chmod 755 "$work"
[ "$(id -u)" -ne 0 ] || chown postgres: "$work"
backup="$work/base" restored="$work/restored"
restored_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
drill=$(date -u +%Y%m%dT%H%M%SZ)-$$
started=false

cleanup() {
  if $started; then as_pg "$pgbin/pg_ctl" -D "$restored" -m immediate stop > /dev/null 2>&1 || true; fi
  source_sql "delete from restore_drill where drill = '$drill'" > /dev/null 2>&1 || true
  if ! $keep; then rm -rf "$work"; fi
}
trap cleanup EXIT

# The source must archive, or no backup can be rolled forward.
[ "$(source_sql 'show archive_mode')" != "off" ] || fail "archive_mode is off on $host:$port"
[ "$(source_sql 'show wal_level')" != "minimal" ] || fail "wal_level is minimal on $host:$port"

source_sql "create table if not exists restore_drill (drill text not null, phase text not null, written_at timestamptz not null default clock_timestamp())"
source_sql "insert into restore_drill (drill, phase) values ('$drill', 'in-base-backup')"

echo "base backup of $host:$port into $backup"
# --no-sync: this copy is thrown away after the drill (a real backup job leaves it out, so the copy is on disk).
as_pg "$pgbin/pg_basebackup" -h "$host" -p "$port" -U "$user" -D "$backup" -X none --checkpoint=fast --no-password --no-sync \
  || fail "pg_basebackup failed"

source_sql "insert into restore_drill (drill, phase) values ('$drill', 'before-target')"
if [ "$target" = lsn ]; then
  # Everything committed so far lies below the current insert position.
  target_value=$(source_sql "select pg_current_wal_insert_lsn()")
  target_setting="recovery_target_lsn = '$target_value'"
else
  # Commit timestamps have microseconds; a pause on each side keeps the target strictly between the two rows.
  sleep 0.2
  target_value=$(source_sql "select clock_timestamp()")
  sleep 0.2
  target_setting="recovery_target_time = '$target_value'"
fi
source_sql "insert into restore_drill (drill, phase) values ('$drill', 'after-target')"

# Close the current WAL segment and wait until the archiver has it: recovery needs a record past the target.
last_segment=$(source_sql "select pg_walfile_name(pg_switch_wal())")
for _ in $(seq 1 120); do
  archived=$(source_sql "select coalesce(last_archived_wal, '') from pg_stat_archiver")
  if [[ "$archived" > "$last_segment" || "$archived" == "$last_segment" ]] && [ -f "$archive/$last_segment" ]; then break; fi
  sleep 0.5
done
[ -f "$archive/$last_segment" ] || fail "the source did not archive $last_segment within 60 s (see pg_stat_archiver)"

echo "restoring to $target $target_value on 127.0.0.1:$restored_port"
# The drill's backup is its own throwaway copy, so it is restored in place (a real restore copies it, keeping the backup).
as_pg mv "$backup" "$restored"
as_pg rm -f "$restored/postmaster.pid" "$restored/postmaster.opts"
as_pg bash -c "cat >> '$restored/postgresql.auto.conf'" <<CONF
# restore drill $drill
restore_command = 'cp "$archive/%f" "%p"'
$target_setting
recovery_target_action = 'promote'
archive_mode = off
fsync = off
listen_addresses = '127.0.0.1'
port = $restored_port
unix_socket_directories = '$restored'
CONF
as_pg touch "$restored/recovery.signal"
started=true
as_pg "$pgbin/pg_ctl" -D "$restored" -l "$work/restored.log" -w -t 60 start > /dev/null \
  || { cat "$work/restored.log" 2>/dev/null; fail "the restored cluster did not start"; }

restored_sql() { "$pgbin/psql" -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$restored_port" -U "$user" -d "$dbname" -c "$1"; }
for _ in $(seq 1 120); do
  [ "$(restored_sql 'select pg_is_in_recovery()' 2>/dev/null || echo t)" = f ] && break
  sleep 0.5
done
[ "$(restored_sql 'select pg_is_in_recovery()')" = f ] || { tail -20 "$work/restored.log"; fail "recovery did not finish within 60 s"; }

phases=$(restored_sql "select string_agg(phase, ',' order by written_at) from restore_drill where drill = '$drill'")
echo "restored rows: ${phases:-none}"
[ "$phases" = "in-base-backup,before-target" ] \
  || { tail -20 "$work/restored.log"; fail "expected in-base-backup,before-target, found ${phases:-none}"; }
echo "restore drill passed: recovered to $target $target_value; the rows written before it are there, the row after it is not"
