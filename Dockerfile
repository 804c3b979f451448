# syntax=docker/dockerfile:1

# --- build: compile the client package and the gateway to dist/ ---------------
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package*.json ./
COPY packages/client/package.json ./packages/client/
# Scripts run below, once the sources are in (the client workspace's `prepare` would build nothing yet).
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY packages/client ./packages/client
COPY src ./src
RUN npm run build

# --- runtime: production dependencies and the compiled output only -----------
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package*.json ./
COPY packages/client/package.json ./packages/client/
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY --from=build /app/packages/client/dist ./packages/client/dist
USER node
EXPOSE 3000
# Liveness of the process (the orchestrator's own probes decide readiness); the image has no curl.
HEALTHCHECK --interval=10s --timeout=5s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node runs as PID 1; the gateway handles SIGTERM itself (graceful shutdown).
CMD ["node", "dist/main.js"]
