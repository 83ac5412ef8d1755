#!/usr/bin/env bash
# Restore drill: back up the site, restore the backup into a scratch database and media
# folder (the live ones are only read), and compare every table's rows and every media file.
#
#   scripts/restore-drill.sh [--backup FOLDER] [--work-dir DIR]
#
# Run it with the site's own environment (DATABASE_URL, MEDIA_ROOT, DJANGO_SETTINGS_MODULE…),
# e.g. `sudo -u psg --preserve-env scripts/restore-drill.sh` or from a timer. Prints one line
# per table; exits non-zero on any difference. See docs/deployment.md, "Backup and restore".
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
cd "$ROOT"
exec "$PYTHON" manage.py restore_drill "$@"
