# One image for web, worker and beat (docker-compose.yml).
FROM node:20-bookworm-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 ATTESTATION_VAR_DIR=/var/lib/attestation
# Pango for WeasyPrint, harfbuzz-subset for fast font subsetting, DejaVu for the Kazakh letters,
# gettext for the message catalogues.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
       fonts-dejavu-core gettext \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml ./
# The dependencies (the project itself is not an installed package): a layer that survives code changes.
RUN pip install --no-cache-dir .
COPY . .
COPY --from=assets /build/node_modules ./node_modules
RUN SECRET_KEY=build-only python manage.py compilemessages --verbosity 0 \
    && SECRET_KEY=build-only ATTESTATION_PRODUCTION=1 python manage.py collectstatic --noinput --verbosity 0 \
    && useradd --system --home /var/lib/attestation attestation \
    && mkdir -p /var/lib/attestation && chown -R attestation /var/lib/attestation
USER attestation
EXPOSE 8000
CMD ["gunicorn", "attestation.wsgi", "--bind", "0.0.0.0:8000", "--workers", "4"]
