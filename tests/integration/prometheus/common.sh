# shellcheck shell=bash disable=SC2154
# Shared by the Prometheus scripts: starting prom_tool with a FIFO as its
# stdin (so that the script can send it lines and end it), waiting for
# its first line, and stopping what was started. Sourced; expects $me,
# $tool and $work to be set.

tool_pid=""
tool_fifo=""

# start_tool <out-file> <err-file> <args...>: start prom_tool, keep fd 7
# open on its stdin.
start_tool() {
  local out=$1 err=$2
  shift 2
  tool_fifo=$work/tool.stdin
  rm -f "$tool_fifo"
  mkfifo "$tool_fifo"
  "$tool" "$@" <"$tool_fifo" >"$out" 2>"$err" &
  tool_pid=$!
  exec 7>"$tool_fifo"
}

# wait_line <file> <regex> [seconds]: wait until a line of <file> matches
# and print it.
wait_line() {
  local file=$1 re=$2 limit=${3:-20} i
  for ((i = 0; i < limit * 10; i++)); do
    if grep -Eq "$re" "$file" 2>/dev/null; then
      grep -E "$re" "$file" | head -n 1
      return 0
    fi
    if [[ -n $tool_pid ]] && ! kill -0 "$tool_pid" 2>/dev/null; then
      echo "$me: prom_tool exited early" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "$me: timed out waiting for /$re/ in $file" >&2
  return 1
}

# stop_tool: end prom_tool's input and wait for it (5 s, then kill).
# Returns its exit status.
stop_tool() {
  local rc=0 i
  [[ -n $tool_pid ]] || return 0
  exec 7>&-
  for ((i = 0; i < 50; i++)); do
    kill -0 "$tool_pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$tool_pid" 2>/dev/null; then
    echo "$me: prom_tool did not exit after its input ended" >&2
    kill -9 "$tool_pid" 2>/dev/null || true
    rc=1
  fi
  wait "$tool_pid" 2>/dev/null || rc=$?
  tool_pid=""
  return $rc
}

need_program() {
  if ! command -v "$1" >/dev/null 2>&1; then
    echo "$me: FAIL: $1 is required (scripts/deps.sh installs it)" >&2
    exit 1
  fi
}
