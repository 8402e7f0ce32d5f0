import type { RequestHandler } from 'express';
import type pg from 'pg';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { SLA_LEVELS } from '../../workflows/vocabulary.js';

/** Prometheus metrics of one API: request counts and latencies, open escalations by SLA level. */
export function createMetrics(pool: pg.Pool) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by method and route',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  new Gauge({
    name: 'rexera_open_escalations',
    help: 'Open HIL escalations by the SLA level of their workflow',
    labelNames: ['sla_level'] as const,
    registers: [registry],
    async collect() {
      // Read as the API's own login (the owner): a metric is about all workflows.
      let rows: { level: string; n: number }[];
      try {
        ({ rows } = await pool.query<{ level: string; n: number }>(
          `SELECT coalesce(s.alert_level::text, 'GREEN') AS level, count(*)::int AS n
           FROM escalations e
           LEFT JOIN sla_tracking s ON s.workflow_id = e.workflow_id AND s.status = 'ACTIVE'
           WHERE e.status = 'OPEN' GROUP BY 1`,
        ));
      } catch {
        // PostgreSQL is down: the other metrics are still served; this one is left out.
        this.reset();
        return;
      }
      this.reset();
      for (const level of SLA_LEVELS) {
        this.set({ sla_level: level }, rows.find((r) => r.level === level)?.n ?? 0);
      }
    },
  });

  const observe: RequestHandler = (req, res, next) => {
    const end = latency.startTimer();
    res.on('finish', () => {
      // The route pattern, not the URL: IDs would make a label per request.
      const route = req.route
        ? `${req.baseUrl}${String((req.route as { path: string }).path)}`
        : 'unmatched';
      requests.inc({ method: req.method, route, status: String(res.statusCode) });
      end({ method: req.method, route });
    });
    next();
  };

  const endpoint: RequestHandler = async (_req, res) => {
    res.setHeader('content-type', registry.contentType);
    res.send(await registry.metrics());
  };

  return { observe, endpoint, registry };
}
