# Sourced by scripts/run and scripts/test: make .venv with Python 3.11 or newer, install Tipline into it.
# Usage: ensure_venv [EXTRAS]   e.g. ensure_venv dev
#
# .venv is made again when it is not a usable environment of this machine: a dangling link, no
# bin/python, or an interpreter that no longer runs (made by a Python that is gone, or copied from
# another machine); also when $PYTHON names another Python than the one that made it.
# Packages are installed only when pyproject.toml (or the extras asked for) changed since the last
# install, so a restart needs no package index: the stamp .venv/.installed-EXTRAS holds a checksum.

_pick_python() {
    local candidate
    for candidate in "${PYTHON:-}" python3.13 python3.12 python3.11 python3; do
        [ -n "$candidate" ] || continue
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

# The base installation an interpreter belongs to (the same for a venv and the Python that made it).
_python_identity() {
    "$1" -c 'import sys; print(sys.base_prefix, sys.version)' 2>/dev/null
}

_venv_usable() {
    [ -d .venv ] && [ ! -L .venv ] || return 1
    [ -x .venv/bin/python ] || return 1
    .venv/bin/python -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || return 1
    if [ -n "${PYTHON:-}" ]; then
        [ "$(_python_identity .venv/bin/python)" = "$(_python_identity "$PYTHON")" ] || return 1
    fi
    return 0
}

_install_stamp() {
    local extras="$1"
    { cat pyproject.toml; echo "extras=$extras"; .venv/bin/python -c 'import sys; print(sys.version)'; } |
        cksum | cut -d' ' -f1
}

ensure_venv() {
    local extras="${1:-}"
    if ! _venv_usable; then
        local py
        if ! py="$(_pick_python)"; then
            echo "Tipline needs Python 3.11 or newer; install it (e.g. apt-get install python3.11 python3.11-venv)." >&2
            exit 2
        fi
        if [ -e .venv ] || [ -L .venv ]; then
            echo "Making .venv again: the one here is not a working environment of this machine." >&2
            rm -rf .venv
        fi
        "$py" -m venv .venv
    fi
    local name="${extras:-base}"
    local stamp
    stamp="$(_install_stamp "$extras")"
    [ -f ".venv/.installed-$name" ] && [ "$(cat ".venv/.installed-$name")" = "$stamp" ] && return 0
    # The dev extras include everything the bot needs, so the tests' install also serves ./scripts/run.
    if [ -z "$extras" ] && [ -f .venv/.installed-dev ] && [ "$(cat .venv/.installed-dev)" = "$(_install_stamp dev)" ]; then
        return 0
    fi
    local target="."
    [ -n "$extras" ] && target=".[${extras}]"
    echo "Installing Tipline's packages into .venv (pyproject.toml is new or changed)…" >&2
    if ! .venv/bin/python -m pip install --quiet --disable-pip-version-check -e "$target"; then
        echo "Could not install the packages pyproject.toml lists (is the package index reachable?); nothing was started." >&2
        exit 2
    fi
    echo "$stamp" >".venv/.installed-$name"
}

# Charts need a font that draws Chinese; none ships on PyPI. Install Debian's WenQuanYi Micro Hei
# when no CJK font is present and we may (root, or passwordless sudo); otherwise say what to do.
# Tried once per .venv (the stamp .venv/.cjk-font-tried), so a restart during an outage never waits
# on apt. matplotlib finds a font installed after its cache was built by itself (core/charts.py).
ensure_cjk_font() {
    if command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=zh family 2>/dev/null)" ]; then
        return 0
    fi
    if [ -f .venv/.cjk-font-tried ]; then
        echo "No Chinese font found: charts and posters need one (apt-get install fonts-wqy-microhei)." >&2
        return 0
    fi
    touch .venv/.cjk-font-tried
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
