# The AWS SDK's releases from January 2027 need Node >= 22; the code also runs on 20.

# Build stage: every dependency (tsc is a development one), then `npm run build` compiles
# src/ and jobs/ into dist/ (tsconfig.build.json). Nothing of this stage but dist/ is kept.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY jobs ./jobs
RUN npm run build

# Runtime: the production dependencies only (no tsx, no TypeScript) and the compiled code.
FROM node:22-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY --from=build /app/dist ./dist
COPY bin ./bin
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s CMD ["node", "bin/healthcheck.mjs"]
# npm start's command (package.json); each thread gives back its idle heap itself, docs/adr/0019.
CMD ["node", "dist/src/main.js"]
