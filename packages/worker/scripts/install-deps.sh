#!/bin/sh
# Installs the worker's production dependencies, and nothing else, into node_modules of the folder
# it runs in: /app in both worker images, a temporary copy in scripts/measure-image.ts (which
# reports what this installs). It needs the root package.json and package-lock.json, every
# workspace's package.json, and the two prune scripts it calls.
#
#   sh packages/worker/scripts/install-deps.sh          # Fargate (CPU) image
#   sh packages/worker/scripts/install-deps.sh --cuda   # GPU image: adds ONNX Runtime's CUDA 12 provider
set -eu

cuda=false
for arg in "$@"; do
  case "$arg" in
    --cuda) cuda=true ;;
    *) echo "usage: install-deps.sh [--cuda]" >&2; exit 2 ;;
  esac
done

# The worker workspace's closure from the lockfile, without dev dependencies and without install
# scripts: the root one builds the web app, onnxruntime-node's fetches CUDA files (run below for the
# GPU image only), ffmpeg comes from the distribution, and sharp's binary is an npm package.
npm ci --omit=dev --ignore-scripts --no-audit --no-fund --workspace @vos/worker --include-workspace-root=false

# npm still installs packages that only satisfy optional peer dependencies, and npm 10 adds
# optional packages for other platforms: keep only what the worker's dependencies reach.
# onnxruntime-web is transformers.js's browser backend: its Node build carries the small part it
# uses and runs models on onnxruntime-node, so the package itself (about 140 MB) is never loaded.
node --import tsx packages/worker/scripts/prune-deps.ts . --workspace packages/worker --drop onnxruntime-web

# onnxruntime-node ships its library for every system; the image runs one.
node --import tsx packages/core/scripts/prune-natives.ts node_modules --arch "$(node -p process.arch)"

if [ "$cuda" = true ]; then
  # The CUDA provider is too large for npm: the package's installer fetches it from NuGet
  # (Microsoft.ML.OnnxRuntime.Gpu.Linux, the same version as onnxruntime-node).
  ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js
  test -f node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime_providers_cuda.so
fi
