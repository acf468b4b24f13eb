#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages Redline and its tests use: PostgreSQL, PostGIS for that PostgreSQL, GDAL,
# and Chromium for the browser tests (driven by playwright-core; no browser is downloaded).
# Run as root, or it uses sudo. Safe to run again.
set -euo pipefail
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
if [ -z "${REDLINE_SKIP_APT_UPDATE:-}" ]; then $SUDO apt-get update -q; fi
$SUDO apt-get install -y -q --no-install-recommends postgresql postgresql-contrib gdal-bin ca-certificates \
  chromium fonts-dejavu-core poppler-utils
major=$(ls /usr/lib/postgresql | sort -n | tail -1)
$SUDO apt-get install -y -q --no-install-recommends "postgresql-${major}-postgis-3"
# Debian starts a system cluster on install; Redline runs its own and does not need it.
echo "PostgreSQL ${major} with PostGIS, GDAL and Chromium are installed."
