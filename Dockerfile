# syntax=docker/dockerfile:1
# Production image: multi-stage, production dependencies only, non-root, migrations then the app.
# scripts/ci-smoke.sh runs the same steps without Docker (CI has no Docker engine), on the CI
# machine's Node (20.19+; the image uses 22 LTS, both load our ESM-only dependencies natively).

FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json .swcrc ./
COPY src ./src
COPY migrations ./migrations
RUN npm run build

FROM node:22-bookworm-slim AS production-dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

FROM node:22-bookworm-slim
ENV NODE_ENV=production \
    GATEWAY_MODE=live \
    PORT=4002 \
    DATABASE_MIGRATE_ON_START=false
WORKDIR /app
COPY --from=production-dependencies --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --chown=node:node package.json ./
USER node
EXPOSE 4002
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "dist/src/cli/healthcheck.js"]
CMD ["sh", "-c", "node dist/src/cli/migrate.js run && exec node dist/src/main.js"]
