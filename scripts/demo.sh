#!/usr/bin/env bash
# Builds otelc (preset default) and runs the demo: an AI-agent style
# program, instrumented with otelc, that prints its trace tree to the
# console. Extra arguments are passed to the demo.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/deps.sh
cmake --preset default
cmake --build --preset default --parallel "${OTELC_JOBS:-2}"

demo=build/default/examples/ai_agent_demo
if [[ ! -x $demo ]]; then
  echo "demo.sh: $demo was not built." >&2
  echo "demo.sh: it comes from examples/ (OTELC_BUILD_EXAMPLES=ON, the default)." >&2
  exit 1
fi
echo
echo "== running $demo"
exec "$demo" "$@"
