# openclaw-injector: the admission webhook and its certs command, on Node 24.
#
#   docker build -t openclaw-injector .
#
# Plain Dockerfile syntax, so the classic builder builds it as well as BuildKit (the kind tier
# builds it with DOCKER_BUILDKIT=0 on Debian's docker.io, which has no buildx). `npm ci` runs
# after only the package files are copied, so a source change reuses that layer; the runtime
# stage has no npm or corepack.
# Runs as uid/gid 65532 with a read-only root filesystem (manifests/base/deployment.yaml
# mounts an emptyDir at /tmp). test/dockerfile/ replays these steps without a container
# engine and lints this file with hadolint.

# node:24.21.0-bookworm-slim, pinned by the digest of its multi-platform image index as Docker's
# official-images record it (github.com/docker-library/repo-info, repos/node/remote/
# 24.21.0-bookworm-slim.md: the build of 19 Sep 2026, linux/amd64, arm64 and ppc64le). A newer
# build of the tag gets a new digest: update both together. The kind tier passes a local
# stand-in with --build-arg NODE_IMAGE=...
ARG NODE_IMAGE=node:24.21.0-bookworm-slim@sha256:0e0ff40c39bc087845bfb27465a0df4ea419520094bc35842ff83dd8cbe6f9b6

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --omit=optional: the optional dependency is a Node 24 binary for development machines;
# the image has its own. --ignore-scripts: no dependency runs code at install.
RUN npm ci --omit=optional --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY scripts/ scripts/
COPY src/ src/
RUN npm run build

# The production dependencies, installed where npm is, so that the image that runs has none.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
# The webhook needs node only: npm, npx, corepack and yarn go (the base image's package
# managers; nothing installs anything at run time).
RUN rm -rf /usr/local/lib/node_modules /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
    /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-v1.22.22
# `serve` without TLS flags makes a development certificate: somewhere writable.
ENV NODE_ENV=production \
    OPENCLAW_INJECTOR_CERTS_DIR=/tmp/openclaw-injector-certs
WORKDIR /app
COPY package.json ./
COPY --from=deps /app/node_modules/ node_modules/
COPY --from=build /src/dist/ dist/
# Numeric, so Kubernetes can check runAsNonRoot without reading /etc/passwd.
USER 65532:65532
EXPOSE 8443 8080
ENTRYPOINT ["node", "/app/dist/cli.js"]
CMD ["serve"]
