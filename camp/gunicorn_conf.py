"""Gunicorn settings of the production image:

    gunicorn --config python:camp.gunicorn_conf camp.wsgi:application

Options given on the command line win over these (the tests bind another port).
"""

import gc
import os

from camp.logging import logging_config

bind = "0.0.0.0:8000"
# Sync workers, each one request at a time: size with WEB_CONCURRENCY per container
# and scale containers for more.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
timeout = 30
graceful_timeout = 30
# Recycling workers now and then bounds any slow memory growth.
max_requests = 1000
max_requests_jitter = 100
# The TLS proxy in front sets X-Forwarded-Proto; whether Django trusts it is
# SECURE_PROXY_SSL_HEADER's call, so gunicorn passes it on from anywhere.
forwarded_allow_ips = "*"
# No access log: camp.middleware.RequestIdMiddleware writes one line per request,
# with the request id, in the app's log format.
accesslog = None
# Gunicorn's own lines (boot, worker restarts, timeouts) to stdout like the app's.
logconfig_dict = logging_config(
    os.environ.get("LOG_FORMAT", "json"),
    "INFO",
    loggers={"gunicorn.error": {"level": "INFO", "handlers": ["stdout"], "propagate": False}},
)


def post_worker_init(worker: object) -> None:
    """The app is loaded: what exists now (Django, the apps, their modules)
    lives as long as the worker, so it leaves the garbage collector's watch
    (the use gc.freeze() is made for). A full collection then walks only what
    requests made: a big page builds tens of thousands of objects, enough to
    set off collections that otherwise walked all of Django each time
    (bench/overview.py measures the overview this way)."""
    gc.freeze()
