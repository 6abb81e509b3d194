# Northstar Suite on a GPU host. Untested here: no Docker engine runs on the development machines.
# Build: docker build -t northstar-suite .   Run: docker run --gpus all -p 8501:8501 -v suite-data:/data northstar-suite
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
        software-properties-common ffmpeg make git \
    && add-apt-repository -y ppa:deadsnakes/ppa && apt-get update \
    && apt-get install -y --no-install-recommends python3.11 python3.11-venv python3.11-dev \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY . /app
RUN python3.11 -m venv /app/.venv \
    && /app/.venv/bin/pip install --upgrade pip \
    && /app/.venv/bin/pip install -c constraints.txt -e '.[gpu]' \
    && /app/.venv/bin/python -c "import tomllib; print(*tomllib.load(open('pyproject.toml','rb'))['tool']['suite']['no-deps'])" \
       | xargs /app/.venv/bin/pip install --no-deps \
    && /app/.venv/bin/pip uninstall -y faiss-cpu

VOLUME /data
EXPOSE 8501
# Build any default model that is not in /data yet, then serve on all interfaces inside the container.
CMD ["/bin/sh", "-c", "/app/.venv/bin/suite prepare && exec /app/.venv/bin/suite serve --address 0.0.0.0 --port 8501"]
