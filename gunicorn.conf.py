"""gunicorn settings for the shop's container: `gunicorn -c gunicorn.conf.py ecommerce.wsgi`.

Tuned for a small ECS task (0.5-1 vCPU, 1-2 GB) behind an Application Load Balancer. Every value
can be changed from the environment without rebuilding the image (default, meaning):

    PORT                          8000  TCP port to listen on, on all interfaces
    GUNICORN_WORKERS              2     worker processes
    GUNICORN_THREADS              4     threads per worker (gthread): its concurrent requests
    GUNICORN_TIMEOUT              30    s a worker may stay silent before the master kills it
    GUNICORN_GRACEFUL_TIMEOUT     25    s in-flight requests get to finish after SIGTERM
    GUNICORN_KEEPALIVE            75    s an idle keep-alive connection stays open (> ALB's 60)
    GUNICORN_MAX_REQUESTS         0     requests after which a worker is replaced (0: never);
                                        more than 0 also makes the workers share one socket
    GUNICORN_MAX_REQUESTS_JITTER  max/10 up to this many more, so workers do not restart at
                                        once (default: a tenth of GUNICORN_MAX_REQUESTS)
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

# Workers are not recycled (max_requests 0): measured (docs/performance.md, "gunicorn"), a
# worker's memory levels off and recycling bounds nothing, while it costs a lot. Serving the
# page mix (catalog pages, search, cart), each worker's RSS went from 79 MB after warm-up to
# 81 MB after 15,000 requests and 82-83 MB after 270,000 (USS 50 -> 53 MB). At 1000, gunicorn
# replaced 3-12 workers per 10 s of load at the ceiling, each replacement costing 0.3-0.6 s of
# CPU: 0.79-1.09 ms of CPU per request instead of 0.46-0.69, and a p99 of 129-1,150 ms instead
# of 4-115. Should a leak appear, GUNICORN_MAX_REQUESTS bounds it (e.g. 50000; the jitter
# defaults to a tenth, so workers do not restart together), and turns reuse_port off, below.
max_requests = _env_int("GUNICORN_MAX_REQUESTS", 0)
max_requests_jitter = _env_int("GUNICORN_MAX_REQUESTS_JITTER", max_requests // 10)

# --- Spreading connections over the workers -------------------------------------------------
# The ALB sends one request at a time per connection and keeps its connections to the task open
# (keepalive above), so the worker that accepted a connection serves everything sent on it. With
# one shared listening socket every idle worker wakes for a new connection and the first to
# accept() takes it, most often the same one: 16 keep-alive connections opened together went
# 16/0 in 8 runs of 8 with gunicorn on one core, and 16/0 once in 3 on two (docs/performance.md,
# "gunicorn"). Then one worker's 4 threads serve everything while the other's idle: requests
# that wait 20 ms (as on the database) ran at 190-240/s instead of 380/s, and on two cores the
# ceiling fell from 3,300 to 1,400 requests/s. reuse_port gives each worker a listening socket
# of its own (gunicorn opens it in the worker after the fork, with SO_REUSEPORT), and the kernel
# spreads new connections over them by a hash of their addresses: 16 split between 8/8 and 13/3
# in 11 runs, 64 between 32/32 and 37/27 in 6. A hash cannot promise to split 2 connections
# (half the time both land on one worker), but under load the ALB holds about as many
# connections as it has requests in flight to the task, from a node per zone. On one core, two
# busy workers instead of one cost about 10 % more CPU per request at the ceiling (0.52-0.54 ms
# against 0.48).
#
# A worker's own socket goes with the worker, and the connections the kernel had queued on it
# are reset: with max_requests 1000 wrk saw 3-173 connections reset and thousands of failed
# writes in 10 s (none with a shared socket). So the workers share one socket again whenever
# GUNICORN_MAX_REQUESTS is set. (A worker hung until the timeout loses its queue the same way;
# on SIGTERM the ALB has already deregistered the task.) With reuse_port the master holds no
# socket, so its log line "Listening at:" names none.
reuse_port = max_requests == 0

# Every worker accepts each connection hashed to it at once, however busy (up to 1000 open, of
# which 996 idle keep-alive: gunicorn's default). Never lower it to push connections to other
# workers: a worker at its limit stops accepting, and with reuse_port the connections hashed to
# it wait in its queue, behind the ALB's idle keep-alive connections, which hold its slots for
# up to `keepalive` seconds. (At worker_connections <= threads keep-alive is off altogether.)
worker_connections = 1000

# Load the application once in the master and fork the workers from it: a replaced worker (after
# a crash or a timeout, or recycled with GUNICORN_MAX_REQUESTS) is ready in milliseconds instead
# of importing Django again (about a second of CPU, which with workers recycled every 1000
# requests at a few hundred requests/s took a fifth of the worker's core), and the workers
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


# --- Tracing ----------------------------------------------------------------------------------
# OpenTelemetry traces to the collector sidecar when OTEL_EXPORTER_OTLP_ENDPOINT is set
# (ecommerce/tracing.py). Set up in each worker after the fork: the span processor's thread and
# the exporter's gRPC channel would not survive a fork. The app was preloaded in the master
# (worker.app.wsgi() returns it), so its middleware chain is rebuilt with the tracing middleware.
def post_fork(server, worker):
    from ecommerce.tracing import configure_tracing

    configure_tracing(worker.app.wsgi())
