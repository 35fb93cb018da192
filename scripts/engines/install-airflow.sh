#!/usr/bin/env bash
# Airflow for the engine tests: a virtualenv with exactly images/airflow/requirements.txt (the
# image's lock, on Python 3.12 like the image). mysqlclient builds from source: its compiler and
# headers come from Debian.
source "$(dirname "${BASH_SOURCE[0]}")/lib-venv.sh"
if ! pkg-config --exists mysqlclient 2>/dev/null || ! command -v gcc >/dev/null; then
    [[ "$(id -u)" == "0" ]] || die "airflow: mysqlclient needs pkg-config, default-libmysqlclient-dev and build-essential (apt-get install as root)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq --no-install-recommends pkg-config default-libmysqlclient-dev build-essential >/dev/null
fi
image_venv airflow 3.12 "$PROJECT_DIR/images/airflow/requirements.txt"
