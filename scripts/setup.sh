#!/usr/bin/env bash
# Set up synth3d in ./.venv (safe to run again). On Debian, installs Mesa's EGL with apt when no
# EGL library or vendor is present (a fresh Debian usually has it; GPU servers bring NVIDIA's).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}

have_egl() {
  ldconfig -p 2>/dev/null | grep -q 'libEGL.so.1' &&
    { ls /usr/share/glvnd/egl_vendor.d/*.json >/dev/null 2>&1 ||
      ldconfig -p 2>/dev/null | grep -q -E 'libEGL_(mesa|nvidia)'; }
}
if ! have_egl; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "setup: installing Mesa EGL (libegl1 libegl-mesa0 libgl1-mesa-dri)" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      libegl1 libegl-mesa0 libgl1-mesa-dri >/dev/null
  else
    echo "setup: synth3d needs EGL; install it (Debian: apt-get install libegl1 libegl-mesa0" \
         "libgl1-mesa-dri) and run again" >&2
    exit 1
  fi
fi
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".[test]"
echo "setup: ok ($(.venv/bin/synth3d --version))" >&2
