# A local stand-in for nginxinc/nginx-unprivileged, for machines that reach no container registry.
# scripts/build-images.sh builds it FROM the local Debian 12 base and passes it to frontend.Dockerfile
# and docs-portal.Dockerfile as NGINX_IMAGE. What those images rely on, as the upstream image gives it:
# nginx on PATH, runnable as uid 101 with a read-only root (pid and temp files in /tmp), logs to
# stdout/stderr, /etc/nginx/conf.d/*.conf included and /usr/share/nginx/html, and wget for the
# HEALTHCHECK. Debian's nginx is 1.22 (upstream's image: 1.27); the ocrmesh configs need nothing newer.
ARG BASE_IMAGE=localhost/ocrmesh-base:bookworm
FROM ${BASE_IMAGE}
# policy-rc.d: the package's postinst must not start nginx inside the build (it runs on the host network).
# hadolint ignore=DL3008
RUN printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d \
 && apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nginx wget \
 && rm -rf /usr/sbin/policy-rc.d /var/lib/apt/lists/* /etc/nginx/sites-enabled /etc/nginx/sites-available /usr/share/nginx/html/* \
 && groupadd --system --gid 101 nginx \
 && useradd --system --uid 101 --gid 101 --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin nginx \
 && mkdir -p /etc/nginx/conf.d /usr/share/nginx/html /var/log/nginx \
 && ln -sf /dev/stdout /var/log/nginx/access.log \
 && ln -sf /dev/stderr /var/log/nginx/error.log
COPY nginx.conf /etc/nginx/nginx.conf
COPY default.conf /etc/nginx/conf.d/default.conf
USER 101:101
EXPOSE 8080
STOPSIGNAL SIGQUIT
CMD ["nginx", "-g", "daemon off;"]
