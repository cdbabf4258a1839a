# finerouter serve: an OpenAI-compatible routing server (docs/integrations.md, "Running replicas").
#   docker build -t finerouter .
#   docker run -p 8080:8080 -v $PWD/artifacts:/srv/artifacts:ro -v $PWD/pool.json:/srv/pool.json:ro \
#     -e OPENAI_API_KEY finerouter
# Stateless: run N replicas from the same artifacts and pool file behind any load balancer.
# `docker stop` sends SIGTERM: in-flight requests finish, then the process exits 0. `docker kill -s HUP` reloads
# the artifacts atomically.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci
COPY tsconfig.json tsup.config.ts ./
COPY src ./src
RUN npm run build && npm prune --omit=dev && npm install --no-save onnxruntime-node@^1.30.0

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json LICENSE NOTICE ./
USER node
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s CMD node -e "fetch('http://127.0.0.1:8080/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
ENTRYPOINT ["node", "dist/cli.js", "serve", "--host", "0.0.0.0", "--port", "8080", "--artifacts", "/srv/artifacts", "--pool", "/srv/pool.json"]
