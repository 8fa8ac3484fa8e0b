#!/usr/bin/env bash
# Set up postproof on a fresh Debian-like machine and run it.
#   ./bootstrap.sh demo   install, then capture the bundled demo posts
#   ./bootstrap.sh test   install with test tools, then run the whole test suite
# Installs what is missing: Python venv support and a Chromium (Playwright's own when it can be
# downloaded, else the OS package), into .venv/ and the system package manager.
set -euo pipefail
cd "$(dirname "$0")"
mode="${1:-}"
case "$mode" in demo|test|install) ;; *) echo "usage: $0 demo|test|install" >&2; exit 2 ;; esac
shift || true

say() { printf '\033[1m[postproof]\033[0m %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo "$@"
  else return 1; fi
}

apt_updated=0
apt_install() {
  command -v apt-get >/dev/null 2>&1 || return 1
  if [ "$apt_updated" -eq 0 ]; then as_root apt-get update -qq || return 1; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

need_pkgs=()
python=""
for candidate in python3.13 python3.12 python3.11 python3; do
  if command -v "$candidate" >/dev/null 2>&1 &&
     "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    python="$candidate"; break
  fi
done
[ -n "$python" ] || need_pkgs+=(python3 python3-venv python3-pip)
if [ -n "$python" ] && ! "$python" -c 'import venv, ensurepip' >/dev/null 2>&1; then
  need_pkgs+=(python3-venv)
fi
# Fonts so that pages (and the demo's e-mail screenshot) render text.
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need_pkgs+=(fonts-dejavu-core)
# openssl: a third party checks trusted timestamps with `openssl ts -verify` (and so do the tests).
command -v openssl >/dev/null 2>&1 || need_pkgs+=(openssl)
# Tesseract with English and French data, to find quotes inside images.
command -v tesseract >/dev/null 2>&1 || need_pkgs+=(tesseract-ocr)
for lang in eng fra; do
  tesseract --list-langs 2>/dev/null | grep -qx "$lang" || need_pkgs+=("tesseract-ocr-$lang")
done
# ffmpeg, to read the keyframes of a post's videos.
command -v ffmpeg >/dev/null 2>&1 || need_pkgs+=(ffmpeg)
# PostgreSQL, for the tests of the shared archive: they start a throwaway cluster of their own.
if [ "$mode" = test ] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  need_pkgs+=(postgresql)
fi
if [ "${#need_pkgs[@]}" -gt 0 ]; then
  say "installing system packages: ${need_pkgs[*]}"
  apt_install "${need_pkgs[@]}" || {
    say "could not install ${need_pkgs[*]}: install them with your package manager and rerun"; exit 1; }
  [ -n "$python" ] || python=python3
fi

if [ ! -x .venv/bin/python ]; then
  say "creating .venv with $($python --version)"
  "$python" -m venv .venv
fi
extra=""
[ "$mode" = test ] && extra="[test]"
stamp=".venv/.installed$extra"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  say "installing postproof$extra into .venv"
  .venv/bin/python -m pip install --quiet --upgrade pip >/dev/null 2>&1 || true
  .venv/bin/python -m pip install --quiet -e ".$extra"
  touch "$stamp"
fi

# A browser: POSTPROOF_CHROMIUM, Playwright's Chromium, or the system one (installed if missing).
# Which one postproof would launch: "playwright", "system PATH", or nothing.
found_browser() {
  .venv/bin/python - <<'PY' 2>/dev/null
import os
from playwright.sync_api import sync_playwright
from archiver.browser import system_chromium
with sync_playwright() as pw:
    bundled = os.path.exists(pw.chromium.executable_path)
system = None if bundled else system_chromium()
print("playwright" if bundled else f"system {system}" if system else "")
PY
}
# Of the system packages, the headless shell: the same Chromium at under half the CPU a capture.
system_browser() {
  apt_install chromium-headless-shell 2>/dev/null || apt_install chromium
}
browser="POSTPROOF_CHROMIUM"
[ -n "${POSTPROOF_CHROMIUM:-}" ] || browser="$(found_browser || true)"
if [ -z "$browser" ]; then
  say "fetching Playwright's Chromium"
  if ! timeout 600 .venv/bin/python -m playwright install chromium >/dev/null 2>&1; then
    say "Playwright's Chromium cannot be downloaded here; installing the system Chromium"
    system_browser || {
      say "no browser: install Chromium (apt-get install chromium-headless-shell) or set POSTPROOF_CHROMIUM"
      exit 1; }
  fi
elif [ "$browser" = "system /usr/bin/chromium" ] && [ ! -e .venv/.no-headless-shell ]; then
  # The desktop Chromium is there but not its headless shell: add it where the system has it.
  say "installing chromium-headless-shell (the system Chromium's headless build: less CPU a capture)"
  apt_install chromium-headless-shell 2>/dev/null || touch .venv/.no-headless-shell
fi

case "$mode" in
  demo) exec .venv/bin/postproof demo "$@" ;;
  # Two workers (the machine's two cores are mostly waiting on pages); how the tests are shared
  # out among them: tests/scheduling.py. POSTPROOF_TEST_WORKERS=0 runs everything in one process.
  # The suite starts a few hundred Python processes: each reads the compiled modules the first
  # one wrote, even where PYTHONDONTWRITEBYTECODE is set, instead of compiling them again.
  test) PYTHONDONTWRITEBYTECODE= exec .venv/bin/python -m pytest -n "${POSTPROOF_TEST_WORKERS:-2}" --dist loadscope "$@" ;;
  install) say "installed: .venv/bin/postproof" ;;
esac
