#!/usr/bin/env bash
# mypy over the installed layout: the repo's top-level folders are subpackages of `loupan`
# (a package-dir mapping), which mypy cannot see through an editable install, so this mirrors that
# mapping with symlinks under .cache/typecheck and checks the package `loupan` there.
set -euo pipefail
cd "$(dirname "$0")/.."
tree=.cache/typecheck/loupan
rm -rf .cache/typecheck && mkdir -p "$tree"
for f in loupan/*.py; do ln -s "../../../$f" "$tree/"; done
for d in ingest graph api schema; do ln -s "../../../$d" "$tree/$d"; done
MYPYPATH=.cache/typecheck exec "${MYPY:-mypy}" -p loupan "$@"
