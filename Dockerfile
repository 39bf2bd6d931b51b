FROM python:3.11-slim
WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
COPY pyproject.toml README.md ./
COPY adapters adapters
COPY dialogs dialogs
COPY bots bots
COPY handoff handoff
COPY cabinet_api cabinet_api
RUN pip install --no-cache-dir .
RUN useradd --create-home omnicab && mkdir -p /app/var && chown omnicab /app/var
USER omnicab
EXPOSE 8080 9100
# One image, three roles: `omnicab web`, `omnicab worker`, `omnicab migrate` (see docker-compose.yml);
# `omnicab run` (both roles in one process) is the default.
STOPSIGNAL SIGTERM
CMD ["omnicab", "run"]
