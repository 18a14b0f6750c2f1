#!/bin/sh
# The application code of one commit as an importable package, to measure it beside the working
# tree's in one run:
#
#     sh bench/code_at.sh a242fc1 /tmp/loupan-a242fc1
#     cd /tmp && python /path/to/checkout/bench/work_slots.py --scale 1000000 --slots 4 --query flagship \
#         --clients 32 --seconds 8 --rounds 3 --side "a242fc1:PYTHONPATH=/tmp/loupan-a242fc1"
#
# DIR/loupan holds the commit's loupan/ with graph/, api/, ingest/ and schema/ inside it, as an
# install lays them out. Run the benchmark from a directory without a loupan/ of its own: a checkout's
# top-level loupan/ would come first on the path of the processes it starts (and its subpackages
# would then be the installed ones, the working tree's).
set -eu
if [ $# -ne 2 ]; then
    echo "usage: sh bench/code_at.sh COMMIT DIR" >&2
    exit 2
fi
commit=$1
dir=$2
root=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
rm -rf "$dir"
mkdir -p "$dir/.source"
git -C "$root" archive "$commit" loupan graph api ingest schema | tar -x -C "$dir/.source"
mv "$dir/.source/loupan" "$dir/loupan"
for part in graph api ingest schema; do
    mv "$dir/.source/$part" "$dir/loupan/$part"
done
rmdir "$dir/.source"
echo "$dir/loupan: the application code of $(git -C "$root" rev-parse --short "$commit")"
