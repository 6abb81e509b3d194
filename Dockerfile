# Northstar Suite on a GPU host. Untested here: no Docker engine runs on the development machines.
# Build: docker build -t northstar-suite .
# Dashboard (and its worker): docker run --gpus all -p 8501:8501 -v suite-data:/data northstar-suite
# REST API:                   docker run --gpus all -p 8000:8000 -v suite-data:/data northstar-suite api
# Retraining worker alone:    docker run --gpus all -v suite-data:/data northstar-suite worker
FROM nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04

ENV DEBIAN_FRONTEND=noninteractive \
    PYTHONUNBUFFERED=1 \
    SUITE_HOME=/data \
    SUITE_DEVICE=auto \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    YOLO_OFFLINE=1 \
    YOLO_AUTOINSTALL=false \
    OPENBLAS_NUM_THREADS=1

RUN apt-get update && apt-get install -y --no-install-recommends \
        software-properties-common ffmpeg make git fonts-noto-cjk \
    && add-apt-repository -y ppa:deadsnakes/ppa && apt-get update \
    && apt-get install -y --no-install-recommends python3.11 python3.11-venv python3.11-dev \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY . /app
# extras to install: "gpu" (default); deploy/compose.yaml builds with "gpu,scale" (Ray for the Ray head, its
# workers and `suite worker --ray`)
ARG SUITE_EXTRAS=gpu
RUN python3.11 -m venv /app/.venv \
    && /app/.venv/bin/pip install --upgrade pip \
    && /app/.venv/bin/pip install -c constraints.txt -e ".[${SUITE_EXTRAS}]" \
    && /app/.venv/bin/python -c "import tomllib; print(*tomllib.load(open('pyproject.toml','rb'))['tool']['suite']['no-deps'])" \
       | xargs /app/.venv/bin/pip install --no-deps \
    && /app/.venv/bin/pip uninstall -y faiss-cpu

VOLUME /data
EXPOSE 8501 8000
# scripts/docker-entrypoint: build any default model not in /data yet, then run the process named (dashboard by default).
ENTRYPOINT ["/app/scripts/docker-entrypoint"]
CMD ["dashboard"]
