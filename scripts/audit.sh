#!/usr/bin/env bash
# Lighthouse and Nu HTML checker audit of the public pages of a running site.
#
#   scripts/audit.sh [BASE_URL]          (default http://127.0.0.1:8000, e.g. `make run`)
#
# Audits the home page, the news list, the newest article, the campaigns list, the first
# campaign hub and a search, on a phone-sized screen (Lighthouse's default) and on a desktop
# screen (Lighthouse's desktop preset). Prints the four scores per page and screen and fails
# when accessibility, best practices or SEO fall below AUDIT_MIN (default 95); search
# results are noindex by design, so their SEO score is not enforced. Performance is printed
# but not enforced: on a busy two-core machine it swings by ±10 from run to run.
# Then the Nu HTML checker (vnu.jar, run with Java) validates the same pages and prints
# the errors and warnings per page; any error fails the audit.
#
# Lighthouse 12 (13 needs Node 22.19+) and the checker (npm package vnu-jar) are installed
# from the npm registry into var/tools/ the first time; Chromium comes from Debian
# (/usr/bin/chromium), Java from the machine. Reports (HTML and JSON) go to var/audit/.
set -euo pipefail

BASE_URL="${1:-${BASE_URL:-http://127.0.0.1:8000}}"
BASE_URL="${BASE_URL%/}"
MIN="${AUDIT_MIN:-95}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
TOOLS="$ROOT/var/tools/lighthouse"
VNU_TOOLS="$ROOT/var/tools/vnu"
VNU_JAR="$VNU_TOOLS/node_modules/vnu-jar/build/dist/vnu.jar"
OUT="$ROOT/var/audit"
LIGHTHOUSE="$TOOLS/node_modules/.bin/lighthouse"
export CHROME_PATH="${CHROME_PATH:-/usr/bin/chromium}"

command -v node >/dev/null || { echo "Node.js is needed for Lighthouse (apt-get install nodejs npm)."; exit 2; }
command -v java >/dev/null || { echo "Java is needed for the Nu HTML checker (apt-get install default-jre-headless)."; exit 2; }
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
if [ ! -f "$VNU_JAR" ]; then
    echo "Installing the Nu HTML checker into $VNU_TOOLS ..."
    mkdir -p "$VNU_TOOLS"
    npm install --prefix "$VNU_TOOLS" --silent --no-audit --no-fund "vnu-jar" >/dev/null
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
printf '%-50s %-7s %5s %5s %5s %5s\n' "page" "screen" "perf" "a11y" "bp" "seo"
for screen in mobile desktop; do
preset=()
[ "$screen" = desktop ] && preset=(--preset=desktop)
for path in "${pages[@]}"; do
    url="$path"
    case "$url" in http*) ;; *) url="$BASE_URL$path" ;; esac
    name="$(echo "$path" | sed -e 's#^https\?://[^/]*##' -e 's#[^A-Za-z0-9]#_#g' -e 's#^_*##')"
    name="${name:-home}-$screen"
    # One retry: on a loaded machine Lighthouse now and then loses the page's trace (NO_NAVSTART).
    for attempt in 1 2; do
        if "$LIGHTHOUSE" "$url" --quiet "${preset[@]}" \
            --chrome-flags="--headless=new --no-sandbox --disable-gpu --disable-background-networking" \
            --only-categories=performance,accessibility,best-practices,seo \
            --output=json --output=html --output-path="$OUT/$name" >/dev/null 2>"$OUT/$name.log"; then
            break
        fi
        rm -f "$OUT/$name.report.json"
    done
    [ -f "$OUT/$name.report.json" ] || {
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
    printf '%-50s %-7s %5s %5s %5s %5s%s\n' "${path:0:50}" "$screen" "$perf" "$a11y" "$bp" "$seo" "$flag"
done
done

# The Nu HTML checker on the same pages, as served (saved first: the checker refuses to
# fetch from local addresses itself).
echo
printf '%-50s %6s %8s\n' "page (Nu HTML checker)" "errors" "warnings"
for path in "${pages[@]}"; do
    url="$path"
    case "$url" in http*) ;; *) url="$BASE_URL$path" ;; esac
    name="$(echo "$path" | sed -e 's#^https\?://[^/]*##' -e 's#[^A-Za-z0-9]#_#g' -e 's#^_*##')"
    name="${name:-home}"
    curl -fsS -o "$OUT/$name.html" "$url" || { echo "Could not fetch $url"; status=1; continue; }
    java -jar "$VNU_JAR" --format json --exit-zero-always "$OUT/$name.html" 2>"$OUT/$name.vnu.json" || true
    read -r errors warnings < <(python3 - "$OUT/$name.vnu.json" <<'EOF'
import json, sys
try:
    messages = json.load(open(sys.argv[1])).get("messages", [])
except ValueError:
    messages = [{"type": "error", "message": "the checker gave no report"}]
errors = [m for m in messages if m.get("type") in ("error", "non-document-error")]
warnings = [m for m in messages if m.get("subType") == "warning"]
print(len(errors), len(warnings))
EOF
)
    flag=""
    if [ "$errors" != 0 ]; then flag="  <- see $OUT/$name.vnu.json"; status=1; fi
    printf '%-50s %6s %8s%s\n' "${path:0:50}" "$errors" "$warnings" "$flag"
done
echo "Reports: $OUT/"
exit "$status"
