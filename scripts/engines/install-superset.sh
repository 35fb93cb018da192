#!/usr/bin/env bash
# Superset for the engine tests: a virtualenv with exactly images/superset/requirements.txt (the
# image's lock, on Python 3.11 like the image).
source "$(dirname "${BASH_SOURCE[0]}")/lib-venv.sh"
image_venv superset 3.11 "$PROJECT_DIR/images/superset/requirements.txt"
