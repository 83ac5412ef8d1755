# The PSG site as one image for every process: web (gunicorn), worker (db_worker) and
# scheduler (publish_scheduled). See docs/deployment.md.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_NO_CACHE=1 \
    PATH=/opt/venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=psg.settings.production \
    PSG_VAR_DIR=/var/lib/psg \
    MEDIA_ROOT=/var/lib/psg/media \
    STATIC_ROOT=/app/static_collected \
    GUNICORN_COLLECTSTATIC=false \
    GUNICORN_WORKER_TMP_DIR=/dev/shm

# pg_dump/pg_restore for manage.py backup_site / restore_site (same major version as the
# server or newer); the Python packages bring their own libraries (libpq, libjpeg, ...).
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --system --create-home --home-dir /home/psg --shell /usr/sbin/nologin psg

WORKDIR /app

# Dependencies first, exactly as locked, so that code changes reuse this layer.
RUN pip install --no-cache-dir "uv==0.13.8"
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev

COPY . .

# Hashed, compressed (gzip and brotli) static files, built once into the image, so gunicorn
# need not collect them at start (GUNICORN_COLLECTSTATIC=false above). The settings demand a
# secret key and host names; these throwaway values exist only for the length of this command
# and are not stored in the image.
RUN SECRET_KEY=collectstatic-only-not-used-at-run-time ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput -v0

# /backups: the compose `backup` service's volume (outside the data folder, written as psg).
RUN mkdir -p /var/lib/psg/media /var/lib/psg/cache /backups \
    && chown -R psg:psg /var/lib/psg /backups

USER psg
VOLUME ["/var/lib/psg"]
EXPOSE 8000

CMD ["gunicorn", "-c", "deploy/gunicorn.conf.py"]
