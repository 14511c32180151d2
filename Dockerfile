# syntax=docker/dockerfile:1
# Pipewright image. The build stage compiles dist/, web/dist/ and schemas/ and the native SQLite
# module; the runtime stage holds production dependencies only and runs as the unprivileged
# `node` user. Pipelines go in /app/pipelines (mount them, or COPY them in an image built FROM
# this one); the SQLite database, when used, in the /data volume. docs/operations.md.
ARG NODE_IMAGE=node:22.12.0-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
# Compilers for better-sqlite3 when no prebuilt binary matches.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund \
 && npm rebuild better-sqlite3
COPY . .
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    PIPEWRIGHT_HOST=0.0.0.0 \
    PIPEWRIGHT_PORT=4280 \
    PIPEWRIGHT_DATABASE_URL=sqlite:/data/pipewright.db
WORKDIR /app
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY --from=build /src/bin ./bin
COPY --from=build /src/web/dist ./web/dist
COPY --from=build /src/schemas ./schemas
COPY --from=build /src/examples/clay-hubspot-slack/pipeline.ts ./examples/clay-hubspot-slack/pipeline.ts
RUN mkdir -p /data /app/pipelines && chown node:node /data /app/pipelines
USER node
VOLUME ["/data"]
EXPOSE 4280
# The API process answers on PIPEWRIGHT_PORT; a worker on PIPEWRIGHT_METRICS_PORT.
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "const p=process.env.PIPEWRIGHT_METRICS_PORT||process.env.PIPEWRIGHT_PORT||4280;fetch('http://127.0.0.1:'+p+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "/app/bin/pipewright.js"]
CMD ["start"]
