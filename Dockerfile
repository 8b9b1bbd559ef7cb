# Production image: gunicorn web, Celery worker and beat all run from it (docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=oms.settings

# WeasyPrint needs Pango; DejaVu fonts keep PDFs identical everywhere; gettext compiles messages.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
        fonts-dejavu-core gettext curl \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml constraints.txt README.md ./
# Dependencies first (the project itself is not a package), so code changes keep this layer cached.
RUN pip install -c constraints.txt .
COPY . .
RUN SECRET_KEY=build-only-$(head -c 48 /dev/urandom | base64 | tr -dc 'a-zA-Z0-9') \
    python manage.py collectstatic --noinput -v0 \
 && SECRET_KEY=build-only-$(head -c 48 /dev/urandom | base64 | tr -dc 'a-zA-Z0-9') \
    python manage.py compilemessages -v0 \
 && useradd --create-home --uid 1000 oms && mkdir -p /app/var/media && chown -R oms /app/var

USER oms
EXPOSE 8000
CMD ["gunicorn", "oms.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "4", "--access-logfile", "-"]
