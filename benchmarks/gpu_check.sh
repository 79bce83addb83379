#!/usr/bin/env bash
# The GPU check of the torch engine (issue 13), for a machine with a CUDA GPU and PyTorch:
# installs handprop (its compiled kernel too), runs the CUDA tests and benchmarks/gpu.py.
#
# Such a machine may reach no package index: bring the dependencies it lacks as wheels in
# .whl/ (on a machine that can, for the GPU machine's Python, e.g.
#   pip download --no-deps --only-binary=:all: --python-version 3.12 \
#       --platform manylinux2014_x86_64 -d .whl rich click platformdirs pooch pillow \
#       scikit-learn threadpoolctl pytest hypothesis pluggy iniconfig
# ) and they are installed first. With no internet there, bring the four Fashion-MNIST files
# too and point HANDPROP_DATA_DIR at their folder's parent. The figures land in
# benchmarks/GPU.md (and in $OUT/ when that is set).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ -d .whl ]; then
  $PY -m pip install -q --no-index --no-deps --target /tmp/handprop-site .whl/*.whl
  export PYTHONPATH=/tmp/handprop-site${PYTHONPATH:+:$PYTHONPATH}
fi
$PY -m pip install -q --no-deps --no-build-isolation -e .
$PY -c "import torch; assert torch.cuda.is_available(), 'no CUDA device'; print(torch.cuda.get_device_name(0))"
$PY -m pytest -q tests/test_torch_engine.py tests/test_torch_backend.py -p no:cacheprovider
$PY benchmarks/gpu.py --epochs 5
if [ -n "${OUT:-}" ]; then cp benchmarks/GPU.md "$OUT/"; fi
