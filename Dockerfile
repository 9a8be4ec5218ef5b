# openclaw-injector: the admission webhook and its certs command, on Node 24.
#
#   docker build -t openclaw-injector .
#
# Plain Dockerfile syntax, so the classic builder builds it as well as BuildKit (the kind tier
# builds it with DOCKER_BUILDKIT=0 on Debian's docker.io, which has no buildx). `npm ci` runs
# after only the package files are copied, so a source change reuses that layer.
# Runs as uid/gid 65532 with a read-only root filesystem (manifests/base/deployment.yaml
# mounts an emptyDir at /tmp). test/dockerfile/ replays these steps without a container
# engine and lints this file with hadolint.

# Pinned by tag; pin by digest too (node:24.21.0-bookworm-slim@sha256:...) where your
# registry policy asks for it.
ARG NODE_IMAGE=node:24.21.0-bookworm-slim

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

FROM ${NODE_IMAGE} AS runtime
# `serve` without TLS flags makes a development certificate: somewhere writable.
ENV NODE_ENV=production \
    OPENCLAW_INJECTOR_CERTS_DIR=/tmp/openclaw-injector-certs
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund
COPY --from=build /src/dist/ dist/
# Numeric, so Kubernetes can check runAsNonRoot without reading /etc/passwd.
USER 65532:65532
EXPOSE 8443 8080
ENTRYPOINT ["node", "/app/dist/cli.js"]
CMD ["serve"]
