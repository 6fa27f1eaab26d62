# A local stand-in for node:20-bookworm-slim, for machines that reach no container registry (here:
# PyPI, Debian's mirror and the npm registry only). scripts/build-images.sh builds it FROM the local
# Debian 12 base and passes it to frontend.Dockerfile and docs-portal.Dockerfile as NODE_IMAGE.
# Debian 12's own nodejs is 18.x, too old for the frontend's Vite build (node >= 20.19), so Node and
# npm come from the npm registry: the build context holds the tarballs `npm pack node-linux-<arch>@V`
# and `npm pack npm@V` fetched (and checked against the registry's integrity hashes) by that script.
# The official node images have this layout: /usr/local/bin/node, npm under /usr/local/lib/node_modules.
ARG BASE_IMAGE=localhost/ocrmesh-base:bookworm
FROM ${BASE_IMAGE}
COPY node-linux-*.tgz npm-*.tgz /tmp/
RUN mkdir -p /usr/local/lib/node_modules/npm \
 && tar -xzf /tmp/node-linux-*.tgz -C /usr/local --strip-components=1 package/bin/node \
 && tar -xzf /tmp/npm-*.tgz -C /usr/local/lib/node_modules/npm --strip-components=1 \
 && ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && rm /tmp/*.tgz \
 && node --version && npm --version
# The local Debian base carries this host's CA certificates (its proxy to the registries); Node reads
# only its own bundle unless told.
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
CMD ["node"]
