import { createRequire } from 'node:module';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import type { Resource } from '@opentelemetry/resources';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ActivityInterceptorsFactory, WorkerOptions } from '@temporalio/worker';
import type { Config } from './config.js';

// The OpenTelemetry SDK and the Temporal interceptors are imported only when tracing is on:
// without OTEL_EXPORTER_OTLP_ENDPOINT a process loads and starts nothing of them.

/** OpenTelemetry tracing of one process, exporting to an OTLP/HTTP collector. */
export interface Tracing {
  /** service.name and the SDK's attributes (the worker's workflow spans need it too). */
  resource: Resource;
  /** Batches and exports every span (the worker's workflow-span sink feeds it too). */
  spanProcessor: SpanProcessor;
  /** Sends what is batched now. */
  flush(): Promise<void>;
  /** Sends what is left, then stops. */
  shutdown(): Promise<void>;
}

export interface TracingSettings {
  /** OTLP/HTTP base address of the collector: spans go to `<endpoint>/v1/traces`. */
  endpoint: string;
  serviceName: string;
  /** deployment.environment (NODE_ENV). */
  environment?: string;
}

/** `http://collector:4318` -> `http://collector:4318/v1/traces` (as the OTLP spec says). */
export function tracesUrl(endpoint: string): string {
  return new URL('v1/traces', endpoint.endsWith('/') ? endpoint : `${endpoint}/`).toString();
}

/**
 * Starts tracing and registers it as the process's global tracer provider (with the
 * AsyncLocalStorage context manager and the W3C traceparent propagator), which the Temporal
 * interceptors and our HTTP spans use. OTLP as JSON over HTTP: what every collector takes.
 */
export async function startTracing(settings: TracingSettings): Promise<Tracing> {
  const [{ OTLPTraceExporter }, { Resource }, { BatchSpanProcessor }, { NodeTracerProvider }] =
    await Promise.all([
      import('@opentelemetry/exporter-trace-otlp-http'),
      import('@opentelemetry/resources'),
      import('@opentelemetry/sdk-trace-base'),
      import('@opentelemetry/sdk-trace-node'),
    ]);
  const resource = Resource.default().merge(
    new Resource({
      'service.name': settings.serviceName,
      ...(settings.environment ? { 'deployment.environment': settings.environment } : {}),
    }),
  );
  const exporter = new OTLPTraceExporter({ url: tracesUrl(settings.endpoint) });
  const spanProcessor = new BatchSpanProcessor(exporter);
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register();
  return {
    resource,
    spanProcessor,
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

/** Tracing as configured: nothing at all unless OTEL_EXPORTER_OTLP_ENDPOINT is set. */
export async function tracingFromConfig(
  config: Config,
  defaultServiceName: string,
): Promise<Tracing | undefined> {
  if (!config.OTEL_EXPORTER_OTLP_ENDPOINT) return undefined;
  return startTracing({
    endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
    serviceName: config.OTEL_SERVICE_NAME ?? defaultServiceName,
    environment: config.NODE_ENV,
  });
}

/**
 * The Temporal client's span per call (StartWorkflow, SignalWorkflow, StartWorkflowUpdate...),
 * whose context rides to the workflow in its headers.
 */
export async function tracingClientInterceptors(): Promise<WorkflowClientInterceptor[]> {
  const { OpenTelemetryWorkflowClientInterceptor } =
    await import('@temporalio/interceptors-opentelemetry/lib/client/index.js');
  return [new OpenTelemetryWorkflowClientInterceptor()];
}

/**
 * What a worker adds to be traced: the workflow interceptors (RunWorkflow, StartActivity...
 * spans, made in the sandbox and exported through a sink into `tracing`'s processor) and the
 * activity interceptors (a RunActivity span under the workflow's, trace IDs on its log lines).
 */
export async function tracingWorkerOptions(tracing: Tracing): Promise<{
  workflowModules: string[];
  activity: ActivityInterceptorsFactory[];
  sinks: NonNullable<WorkerOptions['sinks']>;
}> {
  const otel = await import('@temporalio/interceptors-opentelemetry/lib/worker/index.js');
  return {
    workflowModules: [
      createRequire(import.meta.url).resolve(
        '@temporalio/interceptors-opentelemetry/lib/workflow-interceptors',
      ),
    ],
    activity: [
      (ctx) => ({
        inbound: new otel.OpenTelemetryActivityInboundInterceptor(ctx),
        outbound: new otel.OpenTelemetryActivityOutboundInterceptor(ctx),
      }),
    ],
    sinks: { exporter: otel.makeWorkflowExporter(tracing.spanProcessor, tracing.resource) },
  };
}
