#!/usr/bin/env bash
# Everything deskfleet needs, idempotent: Debian packages, then what a preview
# needs (setup-preview.sh: Node >= 22, npm dependencies, the Pulumi CLI, the
# compiled program, provider and policy pack), actionlint for the tests, a
# running libvirt daemon and the test appliance. Used by npm run up, npm test and CI.
set -euo pipefail
here="$(dirname "$0")"
source "$here/lib/env.sh"

bash "$here/setup-packages.sh"
bash "$here/setup-preview.sh"
bash "$here/setup-actionlint.sh"
bash "$here/setup-libvirt.sh"
bash "$here/appliance/build.sh" >/dev/null
