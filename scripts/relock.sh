#!/usr/bin/env bash
# Regenerates package-lock.json with npm 11.13, whose lockfiles keep placeholder entries for optional
# platform packages the registry does not serve. Lockfiles written by npm >= 11.16 omit them and then
# fail their own `npm ci` (npm/cli#9846). Run after adding or upgrading a dependency.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -f package-lock.json
npx -y npm@11.13.0 install --package-lock-only --ignore-scripts --no-audit --no-fund
