#!/usr/bin/env bash
# Sets up everything Dialwise needs on this machine: npm packages and the system libraries
# (XGBoost, the Python peers the benchmarks and interoperability tests compare against,
# Chromium for the dashboard browser tests, Jupyter for the notebooks).
# Safe to re-run: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[setup] %s\n' "$*" >&2; }

# --- Node -------------------------------------------------------------------------------
if ! command -v node >/dev/null 2>&1; then
  say "Node.js 20 or newer is required: https://nodejs.org (or: sudo apt-get install nodejs npm)"
  exit 1
fi
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  say "Node.js 20 or newer is required (found $(node --version))"
  exit 1
fi

# --- System packages ----------------------------------------------------------------------
# Debian/Ubuntu package names; each line: package  what-for
SYSTEM_PACKAGES=(
  "libxgboost0:the conversion model (XGBoost C library)"
  "python3-xgboost:benchmark peer and model interoperability check"
  "python3-sklearn:benchmark peer (K-Means)"
  "chromium:browser tests of the dashboards (driven by playwright-core)"
  "jupyter-notebook:Jupyter for the notebooks (TypeScript kernel: tslab)"
  "jupyter-nbconvert:runs the notebooks headlessly in the test suite"
  "python3-nbclient:runs the notebooks headlessly in the test suite"
  "python3-ipykernel:Jupyter kernel machinery used by nbclient"
)
missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for entry in "${SYSTEM_PACKAGES[@]}"; do
    pkg=${entry%%:*}
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$pkg")
    fi
  done
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -eq 0 ]; then
      SUDO=""
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      SUDO="sudo"
    else
      say "missing system packages: ${missing[*]}"
      say "install them with:  sudo apt-get update && sudo apt-get install -y ${missing[*]}"
      exit 1
    fi
    say "installing system packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -q >/dev/null
    $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
  fi
elif [ "$(uname -s)" = "Darwin" ]; then
  if ! ls /opt/homebrew/lib/libxgboost.dylib /usr/local/lib/libxgboost.dylib >/dev/null 2>&1 && [ -z "${XGBOOST_LIBRARY:-}" ]; then
    say "XGBoost is missing: brew install xgboost   (or set XGBOOST_LIBRARY to libxgboost's path)"
    exit 1
  fi
else
  if [ -z "${XGBOOST_LIBRARY:-}" ]; then
    say "not a Debian/Ubuntu machine: install XGBoost 1.7 and set XGBOOST_LIBRARY to the path of libxgboost"
    exit 1
  fi
fi

# --- npm packages -------------------------------------------------------------------------
# `npm install` rather than `npm ci`: the lock file is written without the other platforms'
# optional native packages (omit-lockfile-registry-resolved), which `npm ci` refuses; install
# still pins every version the lock file names.
# Installing also applies patches/ to the installed packages (patch-package, postinstall), so
# the stamp covers them too: a new or changed patch re-runs the install.
stamp=node_modules/.dialwise-lock-stamp
wanted=$(cat package-lock.json patches/*.patch | sha256sum)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
  say "installing npm packages"
  npm install --no-audit --no-fund --loglevel=error
  printf '%s\n' "$wanted" > "$stamp"
fi
# --- Jupyter kernel for the notebooks ---------------------------------------------------
# "TypeScript (Dialwise)": tslab started so that `import … from 'dialwise'` works in a cell
# (notebooks/kernel/launch.mjs). Registered for this user; re-running rewrites the same file.
if [ -x /usr/bin/jupyter ] || command -v jupyter >/dev/null 2>&1; then
  node bin/run-ts.js notebooks/kernel/install.ts
else
  say "Jupyter is missing, so the notebooks' kernel is not registered (Debian/Ubuntu: apt-get install jupyter-notebook jupyter-nbconvert python3-nbclient python3-ipykernel)"
fi
say "ready"
