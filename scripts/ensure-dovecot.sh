#!/usr/bin/env bash
# Makes sure the IMAP server the email tests read is on this machine: DOVECOT_PATH, else Debian's
# dovecot-imapd at /usr/sbin/dovecot, installed with apt when it is missing and we are root. The tests
# start it themselves (test/support/dovecot.ts: its own config, passwd-file and Maildirs in a temporary
# folder, on a free loopback port), so the package's own service is never needed, and is not started.
set -euo pipefail
path="${DOVECOT_PATH:-/usr/sbin/dovecot}"
if [ -x "$path" ]; then
  echo "dovecot: $path"
  exit 0
fi
if [ -n "${DOVECOT_PATH:-}" ]; then
  echo "dovecot: DOVECOT_PATH=$path is not an executable file" >&2
  exit 1
fi
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "dovecot: installing Debian's dovecot-imapd for the email tests (apt-get install dovecot-imapd)"
  apt-get update -qq
  # policy-rc.d 101: the package's own service is not started (a container has no init, and the tests run their own).
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd >/dev/null
  [ -x "$path" ] || { echo "dovecot: installed, but there is no $path" >&2; exit 1; }
  echo "dovecot: $path"
else
  echo "dovecot: no $path: install Dovecot (apt-get install dovecot-imapd) or set DOVECOT_PATH to one" >&2
  exit 1
fi
