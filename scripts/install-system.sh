#!/bin/sh
# Install the Debian packages diachi needs, only those missing. Run as root.
set -eu
PKGS="postgresql-15 postgresql-15-postgis-3 postgresql-contrib gdal-bin"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "missing Debian packages:$missing — run as root, or install them" >&2
        exit 1
    fi
    echo "installing:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    # The Debian package would start a system cluster on 5432; diachi never uses it.
    apt-get install -y -q --no-install-recommends $missing
fi
