#!/usr/bin/env bash
# Re-fetch the explorer's vendored JavaScript from the npm registry (`npm pack`, no build step)
# into api/static/vendor/. The files are committed; run this only to change the pinned version,
# then commit the result. Usage: scripts/vendor-assets.sh [cytoscape-version]
set -euo pipefail

CYTOSCAPE_VERSION=${1:-3.34.4}

ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENDOR="$ROOT/api/static/vendor"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

mkdir -p "$VENDOR"
(cd "$WORK" && npm pack --silent "cytoscape@$CYTOSCAPE_VERSION" >/dev/null)
tar -xzf "$WORK/cytoscape-$CYTOSCAPE_VERSION.tgz" -C "$WORK"
cp "$WORK/package/dist/cytoscape.min.js" "$VENDOR/cytoscape.min.js"
cp "$WORK/package/LICENSE" "$VENDOR/cytoscape.LICENSE"
cat > "$VENDOR/VERSIONS" <<VERSIONS
# Vendored by scripts/vendor-assets.sh from the npm registry (npm pack); do not edit by hand.
cytoscape $CYTOSCAPE_VERSION sha256:$(sha256sum "$VENDOR/cytoscape.min.js" | cut -d' ' -f1) license:MIT
VERSIONS
echo "vendored cytoscape $CYTOSCAPE_VERSION into $VENDOR" >&2
