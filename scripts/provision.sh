#!/usr/bin/env bash
# Provision the local binaries that integration tests start themselves (tests run against the real services):
#   - Mosquitto from Debian (apt), when `mosquitto` is not on PATH;
#   - QuestDB from Maven Central, pinned, into .vendor/questdb/questdb.jar;
#   - the printable report's PDF tools from Debian, when missing: chromium (the PDF renderer drives it,
#     src/platform/browser), fonts-noto-cjk (the Chinese font the PDF embeds), poppler-utils (pdftotext,
#     pdffonts, pdftoppm: the tests read the PDF back, scripts/render-report-pages.ts makes page images).
# Idempotent and non-interactive; it never starts a service (the test harness does).
# Runs as root in CI; locally, run it with sudo or as root for the apt part.
set -euo pipefail

QUESTDB_VERSION="9.3.4"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENDOR_DIR="$ROOT/.vendor/questdb"
QUESTDB_JAR="$VENDOR_DIR/questdb.jar"

log() { echo "[provision] $*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Mosquitto binaries live in /usr/sbin on Debian, which is not on a normal user's PATH.
export PATH="$PATH:/usr/sbin:/sbin"

install_mosquitto() {
  if command -v mosquitto >/dev/null 2>&1 && command -v mosquitto_passwd >/dev/null 2>&1 \
    && command -v mosquitto_pub >/dev/null 2>&1; then
    log "mosquitto present: $(command -v mosquitto)"
  else
    log "installing mosquitto from Debian"
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get update -qq
    as_root apt-get install -y -qq --no-install-recommends mosquitto mosquitto-clients
  fi
  # apt's postinst may start the system broker on 1883, which the embedded demo broker
  # uses. Tests start their own brokers on free ports; the system one must not run.
  if command -v service >/dev/null 2>&1; then
    as_root service mosquitto stop >/dev/null 2>&1 || true
  fi
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    as_root systemctl disable --now mosquitto >/dev/null 2>&1 || true
  fi
  if command -v update-rc.d >/dev/null 2>&1; then
    as_root update-rc.d mosquitto disable >/dev/null 2>&1 || true
  fi
}

install_questdb() {
  if [ -s "$QUESTDB_JAR" ]; then
    log "questdb present: $QUESTDB_JAR"
    return
  fi
  command -v java >/dev/null 2>&1 || { echo "[provision] java (17+) is required for QuestDB" >&2; exit 1; }
  command -v mvn >/dev/null 2>&1 || { echo "[provision] mvn is required to fetch QuestDB from Maven Central" >&2; exit 1; }
  log "downloading org.questdb:questdb:$QUESTDB_VERSION from Maven Central"
  mkdir -p "$VENDOR_DIR"
  local tmp
  tmp="$(mktemp -d "$VENDOR_DIR/.download.XXXXXX")"
  # -B: batch mode (no interactive progress); the artifact's own pom has no runtime deps we need.
  mvn -q -B -Dstyle.color=never dependency:copy \
    "-Dartifact=org.questdb:questdb:$QUESTDB_VERSION" \
    "-DoutputDirectory=$tmp"
  # Rename atomically so an interrupted download never looks like a present jar.
  mv "$tmp/questdb-$QUESTDB_VERSION.jar" "$QUESTDB_JAR"
  rm -rf "$tmp"
  log "questdb installed: $QUESTDB_JAR"
}

CHROMIUM="${TANHE_CHROMIUM_PATH:-/usr/bin/chromium}"

pdf_tools_present() {
  [ -x "$CHROMIUM" ] && command -v pdftotext >/dev/null 2>&1 && command -v pdffonts >/dev/null 2>&1 \
    && command -v pdftoppm >/dev/null 2>&1 && fc-list ':lang=zh' family 2>/dev/null | grep -q 'Noto Sans CJK SC'
}

# Prints a Chinese line to PDF with the headless Chromium and reads it back: the whole chain the report uses.
pdf_smoke_test() {
  local tmp ok=1
  tmp="$(mktemp -d)"
  printf '%s' '<html><body style="font-family:Noto Sans CJK SC">碳核 公共机构能耗</body></html>' >"$tmp/t.html"
  if timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-pdf-header-footer \
    --user-data-dir="$tmp/profile" --print-to-pdf="$tmp/t.pdf" "file://$tmp/t.html" >/dev/null 2>&1 \
    && pdftotext "$tmp/t.pdf" - 2>/dev/null | grep -q '碳核'; then
    ok=0
  fi
  rm -rf "$tmp"
  return $ok
}

install_pdf_tools() {
  if pdf_tools_present; then
    log "chromium, fonts-noto-cjk, poppler-utils present: $CHROMIUM"
  else
    log "installing chromium fonts-noto-cjk poppler-utils from Debian"
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get update -qq
    # Chromium's recommends (upower, notification-daemon, system-config-printer, mesa, ...) serve a desktop;
    # headless printing does without them. The smoke test below says if that ever stops being true.
    as_root apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk poppler-utils
  fi
  if pdf_smoke_test; then
    log "chromium prints Chinese to PDF"
  else
    log "chromium did not print a PDF: installing its recommended packages too"
    as_root apt-get install -y -qq chromium
    pdf_smoke_test || { echo "[provision] chromium at $CHROMIUM cannot print a PDF" >&2; exit 1; }
    log "chromium prints Chinese to PDF"
  fi
}

install_mosquitto
install_questdb
install_pdf_tools
log "done"
