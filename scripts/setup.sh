#!/usr/bin/env bash
# Set up synth3d in ./.venv (safe to run again). On Debian, installs Mesa's EGL with apt when no
# EGL library or vendor is present (a fresh Debian usually has it; GPU servers bring NVIDIA's).
#   bash scripts/setup.sh            synth3d + the test extras (pytest, Ray, webdataset…): for CI
#   bash scripts/setup.sh --runtime  synth3d and what it needs to render, nothing for tests
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
MODE=test
case "${1:-}" in
  --runtime) MODE=runtime ;;
  --test|"") MODE=test ;;
  *) echo "setup: unknown option '$1' (use --runtime, or nothing for runtime + tests)" >&2; exit 2 ;;
esac

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
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv" >&2
  "$PY" -m venv .venv
fi
if [ "$MODE" = runtime ]; then
  echo "setup: installing synth3d and its runtime dependencies into .venv (numpy, OpenCV," \
       "trimesh, pyrender… about 150 MB; a minute or two)" >&2
  .venv/bin/python -m pip install -q --disable-pip-version-check -e .
else
  echo "setup: installing synth3d with its test extras into .venv (pytest, Ray, webdataset…" \
       "about 400 MB; a few minutes)" >&2
  .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[test]"
fi
echo "setup: ok ($(.venv/bin/synth3d --version))" >&2
