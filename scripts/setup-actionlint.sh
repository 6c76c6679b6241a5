#!/usr/bin/env bash
# actionlint, which the unit tests run on .github/workflows/*.yml
# (test/unit/workflow/actionlint.test.ts), into .tools/bin: an actionlint of
# the pinned version already there or on PATH is used; otherwise it is built
# with Go from the Go module proxy (about 40 s the first time, with its modules
# then in Go's module cache). It runs shellcheck on `run:` blocks when shellcheck
# is on PATH (scripts/packages.txt installs it; the test insists on it).
set -euo pipefail
source "$(dirname "$0")/lib/env.sh"

want="1.7.12"
bin="$DESKFLEET_TOOLS/bin/actionlint"

version_of() { "$1" -version 2>/dev/null | head -n1 || true; }

[ -x "$bin" ] && [ "$(version_of "$bin")" = "v$want" ] && exit 0
mkdir -p "$DESKFLEET_TOOLS/bin"
# One on PATH (not our own link) of the pinned version is used as it is.
other="$(PATH="${PATH#"$DESKFLEET_TOOLS/bin:"}" command -v actionlint || true)"
if [ -n "$other" ] && [ "$(version_of "$other")" = "v$want" ]; then
  ln -sf "$other" "$bin"
  log "actionlint: v$want at $other"
  exit 0
fi
command -v go >/dev/null || die "Go is needed to build actionlint v$want: install Go >= 1.25.11, or put actionlint v$want on PATH"
log "building actionlint v$want with Go"
start=$SECONDS
rm -f "$bin"
GOBIN="$DESKFLEET_TOOLS/bin" go install "github.com/rhysd/actionlint/cmd/actionlint@v$want"
[ "$(version_of "$bin")" = "v$want" ] || die "built actionlint does not report v$want"
log "built actionlint v$want in $((SECONDS - start)) s"
