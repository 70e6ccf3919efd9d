#!/usr/bin/env bash
# Clones the repository (committed HEAD) into a temporary folder with an empty HOME and runs
# exactly the README's two commands, as a fresh machine with only Node.js 20 and npm would.
# Usage: tools/fresh-clone-check.sh [main|test|both]   (default both)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
what="${1:-both}"
work="$(mktemp -d /tmp/emo-fresh-XXXXXX)"
home="$work/home"
mkdir -p "$home"
git clone --quiet "$repo" "$work/repo"
# shared/ sits beside the repository (real-data validation suites read ../shared/realdata).
if [ -d "$repo/../shared" ] && [ ! -e "$work/shared" ]; then ln -s "$(cd "$repo/../shared" && pwd)" "$work/shared"; fi
cd "$work/repo"
run() {
  local name="$1" cmd
  cmd="$(bash tools/readme-commands.sh "$name")"
  echo "== fresh clone ($work/repo), HOME=$home: $cmd"
  local t0=$SECONDS
  env -i PATH="$PATH" HOME="$home" TERM="${TERM:-dumb}" CI="${CI:-}" bash -c "$cmd"
  echo "== $name: ok in $((SECONDS - t0)) s"
}
case "$what" in
  main) run main ;;
  test) run test ;;
  both) run main; run test ;;
  *) echo "usage: $0 [main|test|both]" >&2; exit 2 ;;
esac
echo "== fresh-clone check passed ($what); folder kept at $work"
