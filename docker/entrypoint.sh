#!/bin/sh
# Entrypoint of awslab's image (docker/Dockerfile). It also runs on a host: tests/test_compose.py
# starts it in host mode, with PYTHON naming the interpreter and the settings in the environment.
#
#   emulator (default)  LocalStack 4.14.0 with awslab's plugins, listening on $GATEWAY_LISTEN
#   server [ARGS]       `awslab serve`: the class registry and grading API on $AWSLAB_SERVER_PORT
#   anything else       run as a command (e.g. `awslab class create --learners 30`)
#
# LocalStack runs in the foreground through exec, so the container's init (compose `init: true`)
# delivers SIGTERM straight to it. Its own docker-entrypoint.sh is not used: that one runs a
# supervisor and LocalStack's init hooks, which awslab does not need.
set -eu

: "${AWSLAB_HOME:=/var/lib/awslab}"
: "${PYTHON:=/opt/awslab/.venv/bin/python}"
export AWSLAB_HOME
mkdir -p "$AWSLAB_HOME"

command="${1:-emulator}"
[ "$#" -gt 0 ] && shift

case "$command" in
    emulator)
        : "${GATEWAY_LISTEN:=0.0.0.0:4566}"
        export GATEWAY_LISTEN
        exec "$PYTHON" -m localstack.runtime.main
        ;;
    server)
        exec "$PYTHON" -m sandbox.cli serve --host "${AWSLAB_SERVER_HOST:-0.0.0.0}" \
            --port "${AWSLAB_SERVER_PORT:-8080}" "$@"
        ;;
    *)
        exec "$command" "$@"
        ;;
esac
