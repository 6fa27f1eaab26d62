# frontend: the React + Vite app, built with Node and served by an unprivileged nginx.
# Build from the repository root:
#   docker buildx build --platform linux/amd64,linux/arm64 -f docker/frontend.Dockerfile -t ocrmesh/frontend:0.1.0 .
# The build stage runs on the builder's own platform (the output is static files), so a
# multi-platform build compiles the app once. Runs as uid 101 with a read-only root filesystem;
# writable: /tmp (nginx's pid and temp files). Listens on 8000.
ARG NODE_IMAGE=node:20-bookworm-slim
ARG NGINX_IMAGE=nginxinc/nginx-unprivileged:1.27-alpine

FROM --platform=$BUILDPLATFORM ${NODE_IMAGE} AS build
WORKDIR /src
# Dependencies first: rebuilt only when the lock file changes.
COPY services/frontend/package.json services/frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
# The API client (src/api/schema.ts) is generated and committed: the build needs no Python.
COPY services/frontend/ ./
RUN npm run build

FROM ${NGINX_IMAGE}
LABEL org.opencontainers.image.title="ocrmesh frontend" \
      org.opencontainers.image.description="The ocrmesh web app (static files behind nginx)" \
      org.opencontainers.image.source="https://github.com/OWNER/ocrmesh"
COPY docker/nginx/frontend.conf /etc/nginx/conf.d/default.conf
COPY --from=build /src/dist/ /usr/share/nginx/html/
USER 101:101
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=5s --retries=3 \
  CMD ["wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8000/healthz"]
ENTRYPOINT ["nginx", "-g", "daemon off;"]
