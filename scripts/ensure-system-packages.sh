#!/usr/bin/env bash
# The Debian packages the platform needs besides Python wheels, installed once when missing:
#   fonts-noto-cjk   the CJK font mediation's agreement PDF (调解协议书) is set in
#   poppler-utils    pdftoppm, which the agreement test uses to render page 1 to PNG
#   chromium         the headless browser the console's browser tests drive (tests/browser/)
# Idempotent: a package already installed costs one dpkg query. Needs root (CI runs as root)
# or passwordless sudo; without either it says what to install and carries on, so the rest
# of the platform still runs (only the PDF and its test need these).
set -euo pipefail

PACKAGES=(fonts-noto-cjk poppler-utils chromium)
missing=()
for package in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
else
    echo "ensure-system-packages: please install: ${missing[*]} (apt-get install -y ${missing[*]})" >&2
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-system-packages: no apt-get here; please install: ${missing[*]}" >&2
    exit 0
fi
echo "installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null \
    || { "${SUDO[@]}" apt-get update -qq && "${SUDO[@]}" apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null; }
