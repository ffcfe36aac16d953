#!/bin/sh
# Entry point of the image: the migrate step, web, worker and beat all start here,
# then run the command compose gives them.
set -eu

# Without a SECRET_KEY, make one on the shared volume the first time, so that
# `docker compose up` needs no set-up and every process signs with the same key.
# `ln` is atomic and refuses to overwrite: processes starting together agree on
# one key. Set SECRET_KEY yourself when the processes run on more than one host.
if [ -z "${SECRET_KEY:-}" ]; then
    key_file="${CAMP_VAR_DIR:?}/secret_key"
    if [ ! -s "$key_file" ]; then
        candidate="$key_file.$$"
        (umask 077 && python -c 'import secrets; print(secrets.token_urlsafe(50))' >"$candidate")
        ln "$candidate" "$key_file" 2>/dev/null || true
        rm -f "$candidate"
    fi
    SECRET_KEY="$(cat "$key_file")"
    export SECRET_KEY
fi

exec "$@"
