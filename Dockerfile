# The BitCode API server. `docker compose up` runs it with PostgreSQL and Redis
# (compose.yaml); alone it runs on the embedded defaults in /data.
FROM python:3.11-slim

# The sandbox (bubblewrap, setpriv, GNU time) and the C/C++ toolchains of the
# demo bank; other languages run where their toolchain is added to the image.
RUN apt-get update \
    && apt-get install -y --no-install-recommends bubblewrap util-linux time gcc g++ \
    && rm -rf /var/lib/apt/lists/* \
    && pip install --no-cache-dir uv

WORKDIR /app
COPY pyproject.toml uv.lock README.md ./
COPY src ./src
COPY questions ./questions
RUN uv sync --locked --no-dev --no-editable

ENV PATH=/app/.venv/bin:$PATH \
    BITCODE_DATA_DIR=/data \
    BITCODE_QUESTIONS_DIR=/app/questions
VOLUME /data
EXPOSE 8000
CMD ["bitcode", "serve", "--host", "0.0.0.0", "--port", "8000"]
