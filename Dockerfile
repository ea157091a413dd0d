# syntax=docker/dockerfile:1
# The image of one service, named by SERVICE: issuance, usage, stats or portal.
# Build from the repository root (the uv workspace is the build context):
#   docker build --build-arg SERVICE=usage -t kaiku-usage .
# Runs `kaiku serve` as an unprivileged user on the service's own port (8000 portal, 8001 issuance,
# 8002 usage, 8003 stats); configuration by KAIKU_* environment variables (deploy/README.md).
# Production dependencies only: the development kit (kaiku-devkit: embedded broker, pgserver,
# testcontainers, pytest) is a dev-group dependency of the workspace and never installed here.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ARG SERVICE
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN pip install --no-cache-dir "uv==0.13.9"
WORKDIR /src
# The third-party dependencies first, from the lock alone: this layer is reused until uv.lock changes.
# uv needs every workspace member's pyproject.toml to read the workspace.
COPY pyproject.toml uv.lock ./
COPY contracts/pyproject.toml contracts/
COPY libs/runtime/pyproject.toml libs/runtime/
COPY libs/devkit/pyproject.toml libs/devkit/
COPY services/issuance/pyproject.toml services/issuance/
COPY services/usage/pyproject.toml services/usage/
COPY services/stats/pyproject.toml services/stats/
COPY services/portal/pyproject.toml services/portal/
RUN test -f "services/${SERVICE}/pyproject.toml" \
    || { echo "build with --build-arg SERVICE=issuance|usage|stats|portal" >&2; exit 1; }
RUN uv sync --frozen --no-dev --no-install-workspace --package "kaiku-${SERVICE}"
# Then the project's own packages, installed as wheels (not editable): the migrations travel inside.
# Only SERVICE's own sources: no service depends on another's package (shared rules live in contracts).
COPY contracts contracts
COPY libs/runtime libs/runtime
COPY services/${SERVICE} services/${SERVICE}
RUN uv sync --frozen --no-dev --no-editable --package "kaiku-${SERVICE}"

FROM ${PYTHON_IMAGE} AS runtime
ARG SERVICE
RUN groupadd --system --gid 10001 kaiku \
    && useradd --system --uid 10001 --gid kaiku --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin kaiku
# Only the virtual environment crosses over: no uv, no sources, no build tools in the image.
COPY --from=build /app/.venv /app/.venv
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    KAIKU_LOG_LEVEL=INFO \
    KAIKU_SERVICE=${SERVICE}
USER 10001:10001
WORKDIR /app
# `kaiku serve` listens on the service's own port (kaiku_runtime.settings.SERVICE_PORTS) unless KAIKU_PORT says otherwise.
EXPOSE 8000-8003
# Healthy = ready (its database and Kafka answer), so `depends_on: service_healthy` waits for it.
HEALTHCHECK --interval=10s --timeout=4s --start-period=60s --retries=3 CMD ["kaiku", "ready"]
CMD ["kaiku", "serve"]
