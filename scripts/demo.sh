#!/usr/bin/env bash
# Builds otelc (preset default) and runs the demo: an AI-agent style
# program, set up with one otelc_setup call, that prints to the console
# its log lines (each with the ids of its span), its trace tree and the
# metrics it recorded. Extra arguments are passed to the demo (--lines:
# also one line per span).
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
