# Image for the worker, API and migrate services of docker-compose.yml (draft: no Docker
# engine on the development machines, so this is not yet built in CI).
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
# Production talks to external PostgreSQL and Temporal: no embedded tools, no dev deps.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund
# Runtime code only (.dockerignore leaves out the local launchers in src/dev, tests, bench).
COPY . .
USER node
CMD ["npm", "run", "worker"]
