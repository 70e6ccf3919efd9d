#!/usr/bin/env bash
# Prints one of the README's two commands: `main` (the main job) or `test` (all tests).
# They sit in README.md on the line after the markers <!-- cmd:main --> and <!-- cmd:test -->
# inside a fenced block, so the README, CI and the fresh-clone check never drift apart.
set -euo pipefail
which="${1:?usage: readme-commands.sh main|test}"
readme="$(dirname "$0")/../README.md"
awk -v m="<!-- cmd:${which} -->" '
  $0 == m { found = 1; next }
  found && /^```/ { if (inblock) exit; inblock = 1; next }
  found && inblock { print; exit }
' "$readme"
