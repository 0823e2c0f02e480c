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

# Charts need a font that draws Chinese; none ships on PyPI. Install Debian's WenQuanYi Micro Hei
# when no CJK font is present and we may (root, or passwordless sudo); otherwise say what to do.
ensure_cjk_font() {
    if command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=zh family 2>/dev/null)" ]; then
        return 0
    fi
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo -n"
    if command -v apt-get >/dev/null 2>&1 && { [ -z "$sudo" ] || sudo -n true 2>/dev/null; }; then
        echo "Installing a Chinese font for charts (Debian package fonts-wqy-microhei)…" >&2
        $sudo apt-get install -y -q fonts-wqy-microhei >/dev/null 2>&1 ||
            { $sudo apt-get update -q >/dev/null 2>&1 && $sudo apt-get install -y -q fonts-wqy-microhei >/dev/null 2>&1; } ||
            echo "Could not install fonts-wqy-microhei: charts will say that no Chinese font is installed." >&2
    else
        echo "No Chinese font found: install one (e.g. apt-get install fonts-wqy-microhei) for charts." >&2
    fi
}
