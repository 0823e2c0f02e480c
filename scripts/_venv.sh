# Sourced by scripts/run and scripts/test: make .venv with Python 3.11 or newer, install Tipline into it.
# Usage: ensure_venv [EXTRAS]   e.g. ensure_venv dev
ensure_venv() {
    local extras="${1:-}"
    if [ ! -x .venv/bin/python ]; then
        local py=""
        for candidate in "${PYTHON:-}" python3.13 python3.12 python3.11 python3; do
            [ -n "$candidate" ] || continue
            if command -v "$candidate" >/dev/null 2>&1 &&
                "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
                py="$candidate"
                break
            fi
        done
        if [ -z "$py" ]; then
            echo "Tipline needs Python 3.11 or newer; install it (e.g. apt-get install python3.11 python3.11-venv)." >&2
            exit 2
        fi
        "$py" -m venv .venv
    fi
    local target="."
    [ -n "$extras" ] && target=".[${extras}]"
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -e "$target"
}
