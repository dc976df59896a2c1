#!/usr/bin/env bash
# Regenerates package-lock.json so that `npm ci` accepts it on a fresh machine. Lockfiles must carry
# full entries (version, resolved, integrity) for every optional platform package: an entry with no
# version makes `npm ci` fail with "Invalid Version" once the registry serves that package.
# Run after adding or upgrading a dependency.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -f package-lock.json
npm install --package-lock-only --ignore-scripts --no-audit --no-fund
node -e '
const lock = require("./package-lock.json");
const bad = Object.entries(lock.packages).filter(([k, v]) => k && !v.version && !v.link).map(([k]) => k);
if (bad.length) { console.error("lockfile entries without a version:", bad.join(", ")); process.exit(1); }
'
