#!/bin/sh
# Entry point of the image: the migrate step, web, worker and beat all start here,
# then run the command compose gives them.
set -eu

# Neither SECRET_KEY nor a key file yet: generate the key into SECRET_KEY_FILE
# (the image points it at the camp-data volume), so `docker compose up` needs no
# set-up and every process, `docker compose exec` included, signs with the same
# key. `ln` is atomic and refuses to overwrite: processes starting together agree
# on one key. Set SECRET_KEY yourself when the processes run on more than one host.
if [ -z "${SECRET_KEY:-}" ] && [ -n "${SECRET_KEY_FILE:-}" ] && [ ! -s "$SECRET_KEY_FILE" ]; then
    candidate="$SECRET_KEY_FILE.$$"
    (umask 077 && python -c 'import secrets; print(secrets.token_urlsafe(50))' >"$candidate")
    ln "$candidate" "$SECRET_KEY_FILE" 2>/dev/null || true
    rm -f "$candidate"
fi

exec "$@"
