# syntax=docker/dockerfile:1
# The shop's production image: gunicorn serving Django, run by ECS (deploy/ecs/).
#
#   docker build --build-arg RELEASE_ID="$(git rev-parse HEAD)" -t storefront .
#   docker run --rm -p 8000:8000 -e DJANGO_SECRET_KEY=... -e DJANGO_ALLOWED_HOSTS=localhost \
#       -e DATABASE_URL=postgres://... storefront
#
# Migrations are not run on start: run `python manage.py migrate --no-input` as a one-off task
# with this image before a deploy (deploy/ecs/README.md).

# --- builder: wheels for every dependency; compilers live only here -------------------------------
# Both stages use the same pinned image: the wheels are built for the runtime's Python.
FROM python:3.11.14-slim-bookworm AS builder

# Build tools in case a dependency has no wheel for this platform. Not version-pinned: Debian's
# security updates replace exact versions in bookworm, and the image tag above is the pin.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /build
COPY requirements.txt .
RUN pip wheel --no-cache-dir --disable-pip-version-check --wheel-dir /wheels -r requirements.txt

# --- runtime: the interpreter, the wheels installed, the code ------------------------------------
FROM python:3.11.14-slim-bookworm AS runtime

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    PORT=8000

# An unprivileged user with a fixed uid (the ECS container definition names it) and no home.
RUN groupadd --system --gid 10001 shop \
    && useradd --system --uid 10001 --gid shop --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin shop

# Amazon RDS's CA bundle, for DB_SSLMODE=verify-full DB_SSLROOTCERT=/etc/ssl/certs/rds-global-bundle.pem.
# checkov:skip=CKV_DOCKER_4:ADD fetches this one file over HTTPS at build; COPY cannot fetch a URL and the slim image has no curl
ADD --chmod=644 https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem \
    /etc/ssl/certs/rds-global-bundle.pem

# Dependencies in their own layer, before the code: a code change reuses it. The wheels and
# the requirements are bind-mounted for this step only, so they never become a layer.
RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    --mount=type=bind,source=requirements.txt,target=/tmp/requirements.txt \
    python -m venv "$VIRTUAL_ENV" \
    && pip install --no-index --find-links=/wheels -r /tmp/requirements.txt

WORKDIR /app
# Owned by root and read-only to the app's user (.dockerignore keeps local state out).
COPY . .

# Static files hashed and compressed for WhiteNoise, and bytecode compiled once, at build time:
# the container runs with a read-only root filesystem. The secret key only lets settings load
# for this one command; it is generated here and lives in no layer or ENV.
RUN DJANGO_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
        python manage.py collectstatic --no-input \
    && python -m compileall -q /app

# The release this image is, e.g. `docker build --build-arg RELEASE_ID="$(git rev-parse HEAD)" .`:
# cached catalog pages are kept under it (catalog/page_cache.py), so a deploy never serves the
# previous release's HTML. Without it each process keeps pages of its own.
ARG RELEASE_ID=""
ENV RELEASE_ID=${RELEASE_ID}

# The one writable place under a read-only root filesystem (large uploads, tempfile). ECS mounts
# the task's "tmp" volume here and, because of this VOLUME, copies /tmp's mode (1777) to it, so
# the unprivileged user can write; a bind mount is otherwise root-owned 0755.
VOLUME ["/tmp"]

USER 10001:10001
EXPOSE 8000

# Liveness only (no database): the same probe as the ECS task's health check. python's urllib,
# since the slim image has no curl; urlopen raises, and python exits 1, on anything but 2xx.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('PORT', '8000') + '/health/live/', timeout=4)"]

# gunicorn finishes in-flight requests on SIGTERM (GUNICORN_GRACEFUL_TIMEOUT, gunicorn.conf.py).
STOPSIGNAL SIGTERM
CMD ["gunicorn", "--config", "gunicorn.conf.py", "ecommerce.wsgi"]
