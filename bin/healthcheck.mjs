#!/usr/bin/env node
// The container's health check (Dockerfile, docker-compose.yml): GET /healthz on this
// container's PORT. Exit 0 on 200 (`ok`, or `degraded`: Slack requests still work and the
// workers re-create missing scan schedules themselves), 1 otherwise: 503 while Redis does not
// answer, or no answer at all. Every role serves /healthz, the workers' included.
const port = process.env.PORT || 3000;
try {
  const res = await fetch(`http://127.0.0.1:${port}/healthz`, {
    signal: AbortSignal.timeout(2_500),
  });
  process.exit(res.ok ? 0 : 1);
} catch {
  process.exit(1);
}
