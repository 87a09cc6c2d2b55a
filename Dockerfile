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
# The V8 flags bin/hopwatch.js asks for in its first line (see there). kafkajs 2.2.4 sets a timer of
# minus the epoch when it connects (kafkajs#1751), which Node 24 warns about; Node runs it after 1 ms,
# as Node 20 did without a word, so the warning would tell an operator nothing.
CMD ["node", "--max-semi-space-size=64", "--no-allocation-site-pretenuring", "--disable-warning=TimeoutNegativeWarning", "bin/hopwatch.js", "run"]
