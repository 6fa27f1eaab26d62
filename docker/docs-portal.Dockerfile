# docs-portal: a static page with each service's OpenAPI, served by an unprivileged nginx at /portal/.
# Build from the repository root:
#   docker buildx build --platform linux/amd64,linux/arm64 -f docker/docs-portal.Dockerfile -t ocrmesh/docs-portal:0.1.0 .
# The page is built with `npm run build`; the OpenAPI documents are the committed services/docs-portal/specs.
# Runs as uid 101 with a read-only root filesystem; writable: /tmp. Listens on 8000.
ARG NODE_IMAGE=node:20-bookworm-slim
ARG NGINX_IMAGE=nginxinc/nginx-unprivileged:1.27-alpine

FROM --platform=$BUILDPLATFORM ${NODE_IMAGE} AS build
WORKDIR /src
# Dependencies first: rebuilt only when the lock file changes.
COPY services/docs-portal/package.json services/docs-portal/package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY services/docs-portal/ ./
# The page and Swagger UI, then the committed OpenAPI copies (specs/, kept current by the portal's
# tests), so the build needs no Python and no service.
RUN npm run build && cp -r specs/. dist/specs/ && test -f dist/specs/services.json

FROM ${NGINX_IMAGE}
LABEL org.opencontainers.image.title="ocrmesh docs-portal" \
      org.opencontainers.image.description="The OpenAPI of every ocrmesh service" \
      org.opencontainers.image.source="https://github.com/OWNER/ocrmesh"
COPY docker/nginx/docs-portal.conf /etc/nginx/conf.d/default.conf
COPY --from=build /src/dist/ /usr/share/nginx/html/
USER 101:101
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=5s --retries=3 \
  CMD ["wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8000/healthz"]
ENTRYPOINT ["nginx", "-g", "daemon off;"]
