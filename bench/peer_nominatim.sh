#!/usr/bin/env bash
# bench/peer_nominatim.sh - the Nominatim peer for bench/geocode_vs_nominatim.py, loaded
# with the data diachi has: the 2025 administrative units (written as OSM boundary
# relations by ../shared/peers/make_vn_admin_osm.py) merged with the two OSM extracts
# under data/osm-*/.
#
# Usage:
#   bench/peer_nominatim.sh            build the merged file, import, serve (idempotent:
#                                      an existing import is served again, a running
#                                      server is left alone)
#   bench/peer_nominatim.sh --stop     stop the server
#   REPLACE=1 bench/peer_nominatim.sh  rebuild the merged file and re-import
#
# The venv and project under $PEER_HOME (/tmp) do not survive a reboot, Debian's cluster
# does: when the database is there but the venv or project is gone, the script re-imports
# (the shared script builds the venv again; about 3 minutes).
#
# Nominatim is GPL-3.0: it runs as its own process (gunicorn on 127.0.0.1:$PEER_PORT)
# from its own venv under $PEER_HOME and is only ever reached over HTTP.
# It needs PostgreSQL + PostGIS on the local socket with the current user as superuser:
# Debian's own cluster (15/main), never diachi's private one. Debian's osm2pgsql and
# osmium-tool must be installed (apt-get install osm2pgsql osmium-tool).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${SHARED_PEERS:-$ROOT/../shared/peers}
DB=${PEER_DB:-geocoder_peer_diachi}
PORT=${PEER_PORT:-8088}
WORK=${PEER_WORK:-$ROOT/bench/out/peer}
PYTHON=${PYTHON:-$ROOT/.venv/bin/python}
REPLACE=${REPLACE:-0}
export PEER_HOME=${PEER_HOME:-/tmp/geocoder_peer}
export WORKERS=${WORKERS:-2}

log() { echo "[bench/peer_nominatim] $*"; }
die() { echo "ERROR: $*" >&2; exit 1; }

if [[ "${1:-}" == "--stop" ]]; then
  if [[ -f "$PEER_HOME/projects/$DB/server.pid" ]]; then
    exec bash "$SHARED/nominatim.sh" --stop "$DB"
  fi
  log "no server recorded for $DB"
  exit 0
fi

# ---------------------------------------------------------------- Debian's cluster
if ! psql -d postgres -Atc "select 1" >/dev/null 2>&1; then
  if ! pg_ctlcluster 15 main status >/dev/null 2>&1; then
    log "starting Debian's PostgreSQL cluster 15/main"
    pg_ctlcluster 15 main start
  fi
  if ! su postgres -c "psql -Atc \"select 1 from pg_roles where rolname='$(id -un)'\"" | grep -q 1
  then
    su postgres -c "createuser -s $(id -un)"
  fi
fi
psql -d postgres -Atc "select 1" >/dev/null || die "no PostgreSQL on the local socket"

# ---------------------------------------------------------------- already serving?
if curl -sf "http://127.0.0.1:$PORT/status?format=json" >/dev/null 2>&1 && [[ "$REPLACE" != 1 ]]
then
  log "already serving on http://127.0.0.1:$PORT"
  exit 0
fi

# ---------------------------------------------------------------- merged OSM file
MERGED="$WORK/vn-diachi-merged.osm.pbf"
mkdir -p "$WORK"
if [[ ! -s "$MERGED" || "$REPLACE" == 1 ]]; then
  log "writing the 2025 administrative units as OSM relations"
  "$PYTHON" "$SHARED/make_vn_admin_osm.py" -o "$WORK/vn-admin-2025.osm"
  log "merging with $(ls "$ROOT"/data/osm-*/*.osm.gz | xargs -n1 basename | tr '\n' ' ')"
  osmium merge --overwrite -o "$MERGED" "$WORK/vn-admin-2025.osm" "$ROOT"/data/osm-*/*.osm.gz
  osmium fileinfo -e "$MERGED" | grep -E "Number of (nodes|ways|relations):" | sed 's/^ */  /'
fi

# ---------------------------------------------------------------- import or serve again
PROJECT="$PEER_HOME/projects/$DB"
complete() {
  [[ -x "$PEER_HOME/venv/bin/nominatim" && -x "$PEER_HOME/venv/bin/gunicorn" \
     && -f "$PROJECT/.env" ]]
}
exists=$(psql -d postgres -Atc "select 1 from pg_database where datname='$DB'")
if [[ -z "$exists" || "$REPLACE" == 1 ]] || ! complete; then
  if [[ -n "$exists" && "$REPLACE" != 1 ]]; then
    log "database $DB exists but the venv or $PROJECT is gone: building them and re-importing"
  fi
  [[ -f "$PROJECT/server.pid" ]] && bash "$SHARED/nominatim.sh" --stop "$DB" || true
  # REPLACE=1: the shared script refuses an existing database otherwise (it only ever
  # drops databases named geocoder_peer_*).
  REPLACE=1 bash "$SHARED/nominatim.sh" "$MERGED" "$DB" "$PORT"
  bash "$SHARED/nominatim.sh" --stop "$DB"  # served again below, with the setting
fi

# Debian's stock cluster has JIT on; Nominatim's queries gain nothing from it (p50 27 to
# 24 ms here). Scoped to the peer's database; new connections pick it up.
psql -d "$DB" -qc "ALTER DATABASE $DB SET jit = off"

# Start the server the way the shared script does (gunicorn + uvicorn workers,
# detached, pid file): after an import, or when nothing serves the database (a reboot).
complete || die "$PROJECT or its venv is incomplete after the import"
"$PEER_HOME/venv/bin/python" - "$PROJECT" "$PEER_HOME/venv/bin/gunicorn" "$PORT" "$WORKERS" <<'PY'
import subprocess, sys
project, gunicorn, port, workers = sys.argv[1:]
with open(f"{project}/server.log", "ab") as log:
    proc = subprocess.Popen([gunicorn, "-b", f"127.0.0.1:{port}", "-w", workers,
                             "-k", "uvicorn.workers.UvicornWorker",
                             "nominatim_api.server.falcon.server:run_wsgi()"],
                            cwd=project, stdin=subprocess.DEVNULL, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True, close_fds=True)
open(f"{project}/server.pid", "w").write(f"{proc.pid}\n")
PY
for _ in $(seq 1 60); do
  curl -sf "http://127.0.0.1:$PORT/status?format=json" >/dev/null && break
  sleep 0.5
done
curl -sf "http://127.0.0.1:$PORT/status?format=json" >/dev/null || die "server did not come up"
log "serving $DB again on http://127.0.0.1:$PORT (pid $(cat "$PROJECT/server.pid"))"
