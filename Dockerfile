# hopwatch container image; docker-compose.yml builds and runs it next to Kafka and ClickHouse.
# Node 24: Node 20 gets no security fixes since April 2026, and on Node 24 the Kafka case of the
# bench ran 12-15 % faster (three alternating pairs) and `hopwatch detect` used about 12 % less CPU.
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts: `prepare` (tsc) needs the sources copied below, and chdb brings its native
# library as an ordinary package (@chdb/lib-*), so it needs none either.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build

FROM node:24-slim
ENV NODE_ENV=production \
    HOPWATCH_DATA_DIR=/var/lib/hopwatch
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force \
 && mkdir -p /var/lib/hopwatch \
 && chown node:node /var/lib/hopwatch
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY fixtures ./fixtures
USER node
# The webhook outbox and (without CLICKHOUSE_URL) the embedded chDB data live here.
VOLUME /var/lib/hopwatch
EXPOSE 8080 4317
# bin/container-start.sh: node with the V8 flags bin/hopwatch.js asks for in its first line (see there),
# and the heap sized from the container's memory limit: Node's own sizing gives it half of the limit,
# and hopwatch's state lives in the heap (common/heap-size.ts). NODE_OPTIONS=--max-old-space-size=N wins.
CMD ["bin/container-start.sh", "run"]
