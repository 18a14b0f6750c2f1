# The loupan API. Built by docker-compose.yml next to a Neo4j server; runs on its own too, with
# LOUPAN_NEO4J_URI / LOUPAN_NEO4J_USER / LOUPAN_NEO4J_PASSWORD pointing at any Neo4j 5 (or Aura).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
COPY pyproject.toml README.md ./
COPY loupan/ loupan/
COPY graph/ graph/
COPY ingest/ ingest/
COPY api/ api/
COPY schema/ schema/
RUN pip install . && rm -rf /src

RUN useradd --create-home --uid 10001 loupan
USER loupan
WORKDIR /home/loupan

EXPOSE 8000
CMD ["loupan", "serve", "--host", "0.0.0.0", "--port", "8000"]
