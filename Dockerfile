# A school server: the app behind HAProxy, N processes (README "Serving a class").
#   docker build -t vae-explorer .
#   docker run -p 8501:8501 -v vae-runs:/runs -e PROCESSES=2 vae-explorer
# Students open http://SERVER:8501. Their training runs go to the /runs volume and outlive the container.
FROM python:3.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends haproxy curl && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . .
RUN pip install --no-cache-dir -r requirements.txt
ENV VAE_RUNS_DIR=/runs PROCESSES=2
VOLUME /runs
EXPOSE 8501
CMD ["sh", "-c", "exec scripts/serve_class.sh \"$PROCESSES\""]
