#!/usr/bin/env bash
# Re-fetch the explorer's vendored JavaScript from the npm registry (`npm pack`, no build step)
# into api/static/vendor/. The files are committed: the page needs no network and no npm at run
# time. Run this only to change a pinned version below, then commit the result.
#
#   cytoscape        the graph view
#   cytoscape-fcose  its fast force-directed layout (cytoscape's own `cose` takes about a minute
#                    at 1,000 nodes); needs cose-base, which needs layout-base (UMD builds, loaded
#                    in that order by index.html)
set -euo pipefail

PACKAGES=(
    "cytoscape 3.34.4 dist/cytoscape.min.js cytoscape.min.js"
    "layout-base 2.0.1 layout-base.js layout-base.js"
    "cose-base 2.2.0 cose-base.js cose-base.js"
    "cytoscape-fcose 2.2.0 cytoscape-fcose.js cytoscape-fcose.js"
)

ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENDOR="$ROOT/api/static/vendor"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

mkdir -p "$VENDOR"
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
