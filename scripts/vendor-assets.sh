#!/usr/bin/env bash
# Re-fetch the explorer's vendored JavaScript from the npm registry (`npm pack`, no build step)
# into api/static/vendor/. The files are committed: the page needs no network and no npm at run
# time. Run this only to change a pinned version below, then commit the result.
#
#   cytoscape   the graph view
#   d3-force    its layout: a force simulation with Barnes-Hut repulsion and collision, which lays out
#               1,000 nodes in about a second without overlaps (cytoscape's own `cose` takes about a
#               minute there); needs d3-quadtree, d3-dispatch and d3-timer (UMD builds that share the
#               global `d3`, loaded in this order by index.html)
set -euo pipefail

PACKAGES=(
    "cytoscape 3.34.4 dist/cytoscape.min.js cytoscape.min.js"
    "d3-quadtree 3.0.2 dist/d3-quadtree.min.js d3-quadtree.min.js"
    "d3-dispatch 3.0.2 dist/d3-dispatch.min.js d3-dispatch.min.js"
    "d3-timer 3.0.2 dist/d3-timer.min.js d3-timer.min.js"
    "d3-force 3.0.1 dist/d3-force.min.js d3-force.min.js"
)

ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENDOR="$ROOT/api/static/vendor"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

mkdir -p "$VENDOR"
rm -f "$VENDOR"/*.js "$VENDOR"/*.LICENSE
{
    echo "# Vendored by scripts/vendor-assets.sh from the npm registry (npm pack); do not edit by hand."
    echo "# package version file sha256 license"
} > "$WORK/VERSIONS"
for entry in "${PACKAGES[@]}"; do
    read -r name version file target <<<"$entry"
    mkdir -p "$WORK/$name"
    (cd "$WORK/$name" && npm pack --silent "$name@$version" >/dev/null 2>&1)
    tar -xzf "$WORK/$name/$name-$version.tgz" -C "$WORK/$name"
    cp "$WORK/$name/package/$file" "$VENDOR/$target"
    cp "$WORK/$name/package/LICENSE" "$VENDOR/$name.LICENSE"
    license=$(node -p "require('$WORK/$name/package/package.json').license")
    echo "$name $version $target $(sha256sum "$VENDOR/$target" | cut -d' ' -f1) $license" >> "$WORK/VERSIONS"
    echo "vendored $name $version" >&2
done
cp "$WORK/VERSIONS" "$VENDOR/VERSIONS"
