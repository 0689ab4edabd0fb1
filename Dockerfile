# syntax=docker/dockerfile:1
# One image per app, chosen by build argument:
#   docker build --build-arg APP=credentials -t partner-partner/credentials .
# APP is one of: credentials, sync, normalizer, reporting, partnerstack-sandbox.
# The same image runs the database migrations: `node dist/scripts/migrate.js` (the contract's `npm run migrate`).

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# scripts/build-all.mjs compiles the whole repo once (tsc + tsc-alias) into dist/.
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
# tini is PID 1: it forwards SIGTERM to node and exits with it (node as PID 1 would ignore a re-raised signal).
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY deploy/docker/healthcheck.js ./deploy/docker/healthcheck.js
# The broker-users Job (deploy/base/broker-users-job.yaml) runs this image with the broker's user definitions.
COPY deploy/rabbitmq ./deploy/rabbitmq
# APP comes last so the five app images share every layer above (one dependency install, one build).
ARG APP
ENV APP=${APP}
# Fails the build for an unknown APP instead of producing an image that cannot start.
RUN test -n "${APP}" && test -f "dist/apps/${APP}/main.js" \
  || { echo "APP must be one of: $(ls dist/apps | tr '\n' ' ')" >&2; exit 1; }
# The node image's unprivileged user, by number so Kubernetes can verify runAsNonRoot.
USER 1000:1000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 CMD ["node", "deploy/docker/healthcheck.js"]
ENTRYPOINT ["/usr/bin/tini", "--"]
# `node dist/apps/$APP/main.js`, through sh only to expand APP; exec replaces the shell, so tini signals node itself.
# Override the command to run another entry point from the same image, e.g. `node dist/scripts/migrate.js`.
CMD ["/bin/sh", "-c", "exec node \"dist/apps/$APP/main.js\""]
