#!/usr/bin/env bash
# Lighthouse audit of the public pages of a running site.
#
#   scripts/audit.sh [BASE_URL]          (default http://127.0.0.1:8000, e.g. `make run`)
#
# Audits the home page, the news list, the newest article, the campaigns list, the first
# campaign hub and a search, on a phone-sized screen (Lighthouse's default). Prints the four
# scores per page and fails when accessibility, best practices or SEO fall below
# AUDIT_MIN (default 95); search results are noindex by design, so their SEO score is
# not enforced. Performance is printed but not enforced: on a busy two-core
# machine it swings by ±10 from run to run.
#
# Lighthouse 12 (13 needs Node 22.19+) is installed from the npm registry into
# var/tools/lighthouse the first time; Chromium comes from Debian (/usr/bin/chromium).
# Reports (HTML and JSON) are written to var/audit/.
set -euo pipefail

BASE_URL="${1:-${BASE_URL:-http://127.0.0.1:8000}}"
BASE_URL="${BASE_URL%/}"
MIN="${AUDIT_MIN:-95}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
TOOLS="$ROOT/var/tools/lighthouse"
OUT="$ROOT/var/audit"
LIGHTHOUSE="$TOOLS/node_modules/.bin/lighthouse"
export CHROME_PATH="${CHROME_PATH:-/usr/bin/chromium}"

command -v node >/dev/null || { echo "Node.js is needed for Lighthouse (apt-get install nodejs npm)."; exit 2; }
[ -x "$CHROME_PATH" ] || { echo "Chromium not found at $CHROME_PATH (make browser installs it)."; exit 2; }
if ! curl -fsS -o /dev/null "$BASE_URL/"; then
    echo "No site answers at $BASE_URL/. Start one first, e.g. 'make run' in another terminal."
    exit 2
fi
if [ ! -x "$LIGHTHOUSE" ]; then
    echo "Installing Lighthouse 12 into $TOOLS ..."
    mkdir -p "$TOOLS"
    npm install --prefix "$TOOLS" --silent --no-audit --no-fund "lighthouse@12" >/dev/null
fi
mkdir -p "$OUT"

# The newest article and the first campaign hub, as linked from their listings.
first_link() {
    curl -fsS "$BASE_URL$1" | grep -o '<h3 class="card__title"><a href="[^"]*"' | head -n 1 |
        sed -e 's/.*href="//' -e 's/"$//'
}
pages=("/" "/news/" "/campaigns/" "/search/?q=Fujimori")
article="$(first_link /news/ || true)"
campaign="$(first_link /campaigns/ || true)"
[ -n "$article" ] && pages+=("$article")
[ -n "$campaign" ] && pages+=("$campaign")

status=0
printf '%-58s %5s %5s %5s %5s\n' "page" "perf" "a11y" "bp" "seo"
for path in "${pages[@]}"; do
    url="$path"
    case "$url" in http*) ;; *) url="$BASE_URL$path" ;; esac
    name="$(echo "$path" | sed -e 's#^https\?://[^/]*##' -e 's#[^A-Za-z0-9]#_#g' -e 's#^_*##')"
    name="${name:-home}"
    "$LIGHTHOUSE" "$url" --quiet \
        --chrome-flags="--headless=new --no-sandbox --disable-gpu" \
        --only-categories=performance,accessibility,best-practices,seo \
        --output=json --output=html --output-path="$OUT/$name" >/dev/null 2>"$OUT/$name.log" || {
        echo "Lighthouse failed on $url (see $OUT/$name.log)"; status=1; continue; }
    read -r perf a11y bp seo < <(python3 - "$OUT/$name.report.json" <<'EOF'
import json, sys
categories = json.load(open(sys.argv[1]))["categories"]
print(*(round((categories[c]["score"] or 0) * 100) for c in
        ("performance", "accessibility", "best-practices", "seo")))
EOF
)
    flag=""
    enforced=("$a11y" "$bp" "$seo")
    # Search results are kept out of search engines on purpose (noindex), which Lighthouse's
    # SEO score counts against them: their SEO score is shown but not enforced.
    case "$path" in /search/*) enforced=("$a11y" "$bp") ;; esac
    for score in "${enforced[@]}"; do
        if [ "$score" -lt "$MIN" ]; then flag="  <- below $MIN"; status=1; fi
    done
    printf '%-58s %5s %5s %5s %5s%s\n' "${path:0:58}" "$perf" "$a11y" "$bp" "$seo" "$flag"
done
echo "Reports: $OUT/"
exit "$status"
