# syntax=docker/dockerfile:1

# --- build: compile TypeScript to dist/ --------------------------------------
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package*.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY src ./src
RUN npm run build

# --- runtime: production dependencies and the compiled output only -----------
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package*.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=build /app/dist ./dist
USER node
EXPOSE 3000
# node runs as PID 1; the gateway handles SIGTERM itself (graceful shutdown).
CMD ["node", "dist/main.js"]
