import { trace } from '@opentelemetry/api';
import type { Logger as TemporalLogger, LogLevel, LogMetadata } from '@temporalio/common';
import pino from 'pino';
import { getConfig } from './config.js';

export type Level = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'json' | 'text';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger whose every line also carries `fields` (a request ID, a workflow ID...). */
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  /** Lowest level written (default LOG_LEVEL). */
  level?: Level;
  /** `json`: one JSON object a line; `text`: `[name] message {fields}` (default LOG_FORMAT). */
  format?: LogFormat;
  /** Where the lines go (default stdout; `text` puts warnings and errors on stderr). */
  destination?: pino.DestinationStream;
}

/** LOG_FORMAT, or JSON in production and the readable line elsewhere when it is unset. */
export function logFormatOf(config: ReturnType<typeof getConfig>): LogFormat {
  return config.LOG_FORMAT ?? (config.NODE_ENV === 'production' ? 'json' : 'text');
}

/**
 * The trace and span of the active OpenTelemetry span, so that a log line leads to its trace.
 * Without a tracer provider (OTEL_EXPORTER_OTLP_ENDPOINT unset) there is never one.
 */
function traceFields(): LogFields {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  return { traceId, spanId };
}

/** `[name] message {fields}`, as the logs read before they were JSON: for a terminal. */
function textDestination(out?: pino.DestinationStream): pino.DestinationStream {
  const omit = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg']);
  return {
    write(line: string) {
      const entry = JSON.parse(line) as LogFields & { level: string; name?: string; msg?: string };
      const fields = Object.fromEntries(Object.entries(entry).filter(([k]) => !omit.has(k)));
      const suffix = Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : '';
      const text = `[${entry.name ?? '?'}] ${entry.msg ?? ''}${suffix}\n`;
      if (out) out.write(text);
      else if (entry.level === 'error' || entry.level === 'warn' || entry.level === 'fatal')
        process.stderr.write(text);
      else process.stdout.write(text);
    },
  };
}

let stdoutDestination: pino.DestinationStream | undefined;

function wrap(p: pino.Logger): Logger {
  const at =
    (level: Level) =>
    (message: string, fields?: LogFields): void => {
      if (fields) p[level](fields, message);
      else p[level](message);
    };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (fields) => wrap(p.child(fields)),
  };
}

/**
 * A logger named `name` (a process or a part of one): JSON lines with `time`, `level`, `name`,
 * `msg` and the fields given, plus `traceId`/`spanId` inside a traced operation.
 */
export function createLogger(name: string, options: LoggerOptions = {}): Logger {
  const needsConfig = !options.level || (!options.format && !options.destination);
  const config = needsConfig ? getConfig() : undefined;
  const level = options.level ?? config!.LOG_LEVEL;
  const format = options.format ?? (options.destination ? 'json' : logFormatOf(config!));
  const destination =
    format === 'text'
      ? textDestination(options.destination)
      : (options.destination ?? (stdoutDestination ??= pino.destination({ dest: 1, sync: true })));
  const p = pino(
    {
      name,
      level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      // `"level":"info"` rather than pino's numbers: what people and log shippers filter on.
      formatters: { level: (label) => ({ level: label }) },
      mixin: traceFields,
      // The SDK's lines carry their error as `error`; ours as `err`.
      serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
    },
    destination,
  );
  return wrap(p);
}

const TEMPORAL_LEVELS: Record<LogLevel, Level | undefined> = {
  TRACE: undefined,
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};
const RANK: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/**
 * The Temporal SDK's logger (Runtime.install({ logger })) writing into ours, with the SDK's
 * metadata as fields: workflowId, runId, workflowType, activityType, taskQueue, attempt...
 * Lines from workflow code (`log` of @temporalio/workflow) and activities keep our level; the
 * SDK's own (`sdkComponent` worker or core: state changes, the bundle's report) show from
 * `sdkLevel` on, warnings by default.
 */
export function temporalLogger(log: Logger, sdkLevel: Level = 'warn'): TemporalLogger {
  const write = (level: LogLevel, message: string, meta: LogMetadata = {}) => {
    const ours = TEMPORAL_LEVELS[level];
    if (!ours) return;
    const component: unknown = meta.sdkComponent;
    if ((component === 'worker' || component === 'core') && RANK[ours] < RANK[sdkLevel]) return;
    // Symbol keys (the SDK's timestamp of core lines) are not fields.
    const fields = Object.fromEntries(Object.entries(meta));
    log[ours](message, fields);
  };
  return {
    log: write,
    trace: (m, meta) => write('TRACE', m, meta),
    debug: (m, meta) => write('DEBUG', m, meta),
    info: (m, meta) => write('INFO', m, meta),
    warn: (m, meta) => write('WARN', m, meta),
    error: (m, meta) => write('ERROR', m, meta),
  };
}
