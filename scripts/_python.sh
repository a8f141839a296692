# Sourced by scripts/*: pick a Python 3.11 interpreter and make sure .venv has the project installed.
pick_python() {
  for candidate in "${PYTHON:-}" python3.11 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 && \
       "$candidate" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  echo "error: Python 3.11 is required (set PYTHON=/path/to/python3.11)" >&2
  return 1
}

ensure_venv() {  # $1 = "" (runtime) or "dev"
  local extra="$1" stamp=".venv/.deps${1:+-$1}"
  if [ ! -x .venv/bin/python ]; then
    local py; py=$(pick_python) || exit 1
    echo "==> creating .venv with $py"
    "$py" -m venv .venv
  fi
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    echo "==> installing dependencies into .venv (first run takes a few minutes)"
    .venv/bin/pip install --quiet --upgrade pip
    if [ -n "$extra" ]; then .venv/bin/pip install --quiet -e ".[$extra]"; else .venv/bin/pip install --quiet -e .; fi
    touch "$stamp"
  fi
}

port_open() {
  .venv/bin/python - "$1" "$2" <<'PYEOF'
import socket, sys
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=1).close()
except OSError:
    sys.exit(1)
PYEOF
}
