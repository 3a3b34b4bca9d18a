"""gunicorn settings for the shop's container: `gunicorn -c gunicorn.conf.py ecommerce.wsgi`.

Tuned for a small ECS task (0.5-1 vCPU, 1-2 GB) behind an Application Load Balancer. Every value
can be changed from the environment without rebuilding the image (default, meaning):

    PORT                          8000  TCP port to listen on, on all interfaces
    GUNICORN_WORKERS              2     worker processes
    GUNICORN_THREADS              4     threads per worker (gthread): its concurrent requests
    GUNICORN_TIMEOUT              30    s a worker may stay silent before the master kills it
    GUNICORN_GRACEFUL_TIMEOUT     25    s in-flight requests get to finish after SIGTERM
    GUNICORN_KEEPALIVE            75    s an idle keep-alive connection stays open (> ALB's 60)
    GUNICORN_MAX_REQUESTS         1000  requests after which a worker is replaced (0: never)
    GUNICORN_MAX_REQUESTS_JITTER  100   up to this many more, so workers do not recycle at once
    GUNICORN_LOG_LEVEL            info  level of gunicorn's own log (stderr)

Logs: the application writes one JSON object per line to stdout (ecommerce/settings.py LOGGING),
including one line per request. gunicorn's own log (start, stop, worker timeouts) goes to stderr
and its access log is off, so stdout holds nothing but JSON.
"""

import os


def _env_int(name: str, default: int, *, minimum: int = 0) -> int:
    """An integer from the environment; a bad value stops start-up with a clear message."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SystemExit(f"gunicorn.conf.py: {name} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise SystemExit(f"gunicorn.conf.py: {name} must be at least {minimum}, got {value}")
    return value


# --- Server socket ----------------------------------------------------------------------------
# All interfaces: in the task (awsvpc networking) the ALB reaches the container on its own IP.
bind = [f"0.0.0.0:{_env_int('PORT', 8000, minimum=1)}"]

# --- Workers ----------------------------------------------------------------------------------
# gthread: each worker serves GUNICORN_THREADS requests at once, so a request waiting on the
# database or Secrets Manager does not hold a whole process. 2 workers x 4 threads fit a
# 0.5-1 vCPU task; each worker keeps up to `threads` persistent database connections, so the
# database sees at most tasks x workers x threads connections from the shop.
worker_class = "gthread"
workers = _env_int("GUNICORN_WORKERS", 2, minimum=1)
threads = _env_int("GUNICORN_THREADS", 4, minimum=1)

# A worker whose main loop stays silent this long is killed and replaced. With gthread the main
# loop keeps reporting while threads serve requests, so this catches a hung worker, not a slow
# request. Slow queries are bounded by the database's statement_timeout, and a silent database
# by the libpq options and the checked connection reuse (ecommerce/database.py, ecommerce/postgres).
timeout = _env_int("GUNICORN_TIMEOUT", 30, minimum=1)

# On SIGTERM (ECS stopping the task) workers stop accepting and finish their in-flight
# requests for at most this long; then they are killed and the master exits. Keep it below the
# container's stopTimeout (30 s in deploy/ecs/container-definition.json.tpl), after which ECS
# sends SIGKILL and nothing gets logged.
graceful_timeout = _env_int("GUNICORN_GRACEFUL_TIMEOUT", 25)

# Must exceed the ALB's idle timeout (60 s by default). The ALB reuses its connections to the
# target; if gunicorn closes an idle one first, the ALB may send the next request into a closing
# socket and answer the shopper with a 502. Longer than the ALB's means the ALB always closes.
keepalive = _env_int("GUNICORN_KEEPALIVE", 75)

# Replace a worker after this many requests (plus up to the jitter, so they do not restart
# together) to bound slow memory growth in a long-running process.
max_requests = _env_int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _env_int("GUNICORN_MAX_REQUESTS_JITTER", 100)

# Load the application once in the master and fork the workers from it: a replaced worker is
# ready in milliseconds instead of importing Django again (about a second of CPU, which at a few
# hundred requests/s and max_requests above took a fifth of the worker's core), and the workers
# share the imported code's memory. Nothing opens a connection at import: database, Redis and
# Secrets Manager clients are made in the workers when first used, except the database secret,
# which the master fetches once for all its workers (a worker still refreshes it on its own when
# the database refuses the password after a rotation).
preload_app = True

# The workers' heartbeat file is touched constantly: keep it in memory (tmpfs) rather than on
# the container's disk, which may be slow or read-only (readonlyRootFilesystem). Without a
# writable /dev/shm gunicorn uses the temporary directory (/tmp: the task's scratch volume).
worker_tmp_dir = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None  # noqa: S108

# --- Proxy ------------------------------------------------------------------------------------
# Trust X-Forwarded-Proto/-For from any peer: the task's security group admits only the ALB, and
# the ALB's addresses change, so they cannot be listed. Django reads the scheme from
# X-Forwarded-Proto (SECURE_PROXY_SSL_HEADER).
forwarded_allow_ips = "*"

# --- Logging ----------------------------------------------------------------------------------
accesslog = None  # the application logs every request as JSON (ecommerce.logs)
errorlog = "-"  # stderr
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# --- Control socket ---------------------------------------------------------------------------
# gunicorn >= 25 opens a control socket for `gunicornc` under $HOME by default. Nobody runs
# gunicornc in a task, $HOME is on the read-only root filesystem, and several servers on one
# machine (tests) would share the one path.
control_socket_disable = True
