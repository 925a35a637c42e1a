# Suggestify bot: slim Python 3.11, CPU-only torch, non-root user.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    SUGGESTIFY_HOME=/home/suggestify/.suggestify

RUN useradd --create-home --uid 10001 suggestify
WORKDIR /app

# CPU wheel of torch first, so the project's torch==2.13.0 pin does not pull CUDA.
RUN pip install --index-url https://download.pytorch.org/whl/cpu torch==2.13.0

COPY pyproject.toml README.md ./
COPY bot ./bot
COPY recommender ./recommender
COPY adapters ./adapters
COPY storage ./storage
COPY jobs ./jobs
COPY data ./data
RUN pip install . && chown -R suggestify /app

USER suggestify
# Builds the catalog on first start (into SUGGESTIFY_HOME), then serves every configured adapter.
CMD ["suggestify", "run"]
