#!/bin/sh
# The container's entry point: bring the database up to date, then serve the app with several workers behind
# one port. Any arguments run instead, e.g. `huiskamer user create ...` in the same image.
set -eu

if [ "$#" -gt 0 ]; then
    exec "$@"
fi

huiskamer db upgrade
exec huiskamer serve --host 0.0.0.0 --port "${HUISKAMER_PORT:-8000}" --workers "${HUISKAMER_WORKERS:-4}"
