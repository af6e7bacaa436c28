# seatactor, one node. Multi-stage: dependencies are installed in a build stage and copied into the runtime stage,
# which runs as the unprivileged `node` user with node itself as PID 1 (exec-form CMD: SIGTERM reaches the server,
# which drains: in-flight batches commit, leases are let go, sockets close). docs/operations.md "Cluster".

FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# The web pages are bundled at start with esbuild from web/src, which imports a development dependency
# (@stripe/stripe-js), so the full install is kept.
RUN npm ci --no-audit --no-fund && npm cache clean --force

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080
WORKDIR /app
COPY --from=deps --chown=node:node /app/node_modules ./node_modules
COPY --chown=node:node package.json package-lock.json ./
COPY --chown=node:node src ./src
COPY --chown=node:node web ./web
COPY --chown=node:node client-sdk/src ./client-sdk/src
USER node
EXPOSE 8080
# Ready means the store answers and bookings are taken (GET /readyz); fetch is built into Node 20.
HEALTHCHECK --interval=5s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# A young generation of 64 MB semi-spaces (V8's default is 16): a request lives for a batch cycle, so under load the
# default scavenges every few tens of milliseconds and copies every request in flight each time (docs/benchmarks.md).
CMD ["node", "--max-semi-space-size=64", "--import", "tsx", "src/main.ts"]
