# Sourced by the install scripts of Python environments (the appender and readers, Superset,
# Airflow): a virtualenv holding exactly a hash-checked lock (e.g. images/<name>/requirements.txt),
# in $ENGINES/<name>-<first 16 hex of the lock's sha256>, where the harness's
# lockedEnvironment(name, lock) finds it. A changed lock gets a fresh environment; a completed one
# is kept.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# The interpreter of a Python minor version ("3.11"): on PATH, else under pyenv.
python_for() {
    if command -v "python$1" >/dev/null 2>&1 && "python$1" -c 'import venv' 2>/dev/null; then command -v "python$1"; return 0; fi
    local candidate
    for candidate in "$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")"/versions/"$1".*/bin/"python$1"; do
        [[ -x "$candidate" ]] && { echo "$candidate"; return 0; }
    done
    return 1
}

# lock_venv NAME INTERPRETER LOCK_FILE
lock_venv() {
    local name="$1" interpreter="$2" lock="$3" dest
    dest="$ENGINES/$name-$(sha256_of "$lock" | cut -c1-16)"
    if complete "$dest"; then
        say "$name: cached in $dest"
        return
    fi
    rm -rf "$dest"
    say "$name: installing $lock with $interpreter"
    "$interpreter" -m venv "$dest"
    # pip checks every file against the lock's hashes and installs nothing unlisted.
    "$dest/bin/pip" install --quiet --disable-pip-version-check --no-input --no-deps --require-hashes -r "$lock"
    "$dest/bin/pip" check >&2 || die "$name: $lock is not a consistent set of packages"
    mark_complete "$dest"
    say "$name: $(grep -c '==' "$lock") pinned packages installed in $dest"
}

# image_venv NAME PYTHON_VERSION LOCK_FILE: lock_venv on the image's Python version.
image_venv() {
    local interpreter
    interpreter="$(python_for "$2")" || die "$1: Python $2 (the image's) is needed and was not found"
    lock_venv "$1" "$interpreter" "$3"
}
