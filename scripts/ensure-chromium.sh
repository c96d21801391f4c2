#!/usr/bin/env bash
# Makes sure the headless Chromium that the sandbox page tests drive (through playwright-core) is on
# this machine: CHROMIUM_PATH, else Debian's chromium at /usr/bin/chromium, installed with apt when it
# is missing and we are root. Those tests never skip: without a browser they fail, so a clean CI
# machine installs it here first.
set -euo pipefail
path="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$path" ]; then
  echo "chromium: $path"
  exit 0
fi
if [ -n "${CHROMIUM_PATH:-}" ]; then
  echo "chromium: CHROMIUM_PATH=$path is not an executable file" >&2
  exit 1
fi
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "chromium: installing Debian's chromium for the sandbox page tests (apt-get install chromium)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  [ -x "$path" ] || { echo "chromium: installed, but there is no $path" >&2; exit 1; }
  echo "chromium: $path"
else
  echo "chromium: no $path: install Chromium (apt-get install chromium) or set CHROMIUM_PATH to one" >&2
  exit 1
fi
