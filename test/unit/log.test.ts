import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { createLogger, logFormatOf, temporalLogger, type LoggerOptions } from '../../src/log.js';
import { tracesUrl } from '../../src/tracing.js';
import { businessIds, businessLogAttributes } from '../../activities/logging.js';

/** A destination that keeps the lines written. */
function capture() {
  const lines: string[] = [];
  const destination: LoggerOptions['destination'] = { write: (s: string) => void lines.push(s) };
  return {
    lines,
    destination,
    json: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('createLogger', () => {
  it('writes one JSON object a line: time, level, name, msg and the fields', () => {
    const out = capture();
    const log = createLogger('unit', {
      level: 'info',
      format: 'json',
      destination: out.destination,
    });
    log.info('hello', { workflowId: 'payoff-1', n: 2 });
    log.warn('careful');
    log.debug('not shown at info');
    expect(out.lines.every((l) => l.endsWith('\n'))).toBe(true);
    const [first, second, ...rest] = out.json();
    expect(rest).toEqual([]);
    expect(first).toMatchObject({
      level: 'info',
      name: 'unit',
      msg: 'hello',
      workflowId: 'payoff-1',
      n: 2,
    });
    expect(new Date(first!.time as string).toISOString()).toBe(first!.time);
    expect(first!.pid).toBe(process.pid);
    expect(second).toMatchObject({ level: 'warn', name: 'unit', msg: 'careful' });
  });

  it('gives children that carry their fields on every line, nested', () => {
    const out = capture();
    const log = createLogger('api', {
      level: 'debug',
      format: 'json',
      destination: out.destination,
    });
    const request = log.child({ requestId: 'r-1' });
    request.child({ userId: 'u-1' }).debug('deep', { extra: true });
    request.error('failed', { err: new Error('boom') });
    log.info('plain');
    const [deep, failed, plain] = out.json();
    expect(deep).toMatchObject({
      level: 'debug',
      name: 'api',
      requestId: 'r-1',
      userId: 'u-1',
      extra: true,
    });
    expect(failed).toMatchObject({
      level: 'error',
      requestId: 'r-1',
      err: { message: 'boom', type: 'Error' },
    });
    expect(plain).not.toHaveProperty('requestId');
  });

  it('writes the readable line in text format', () => {
    const out = capture();
    const log = createLogger('worker', {
      level: 'info',
      format: 'text',
      destination: out.destination,
    });
    log.info('polling task queue q');
    log.child({ taskQueue: 'q' }).info('stopped', { after: 1 });
    expect(out.lines).toEqual([
      '[worker] polling task queue q\n',
      '[worker] stopped {"taskQueue":"q","after":1}\n',
    ]);
  });
});

describe('temporalLogger', () => {
  it("forwards the SDK's lines with their metadata; the SDK's own chatter from its level on", () => {
    const out = capture();
    const sdk = temporalLogger(
      createLogger('temporal', { level: 'debug', format: 'json', destination: out.destination }),
      'warn',
    );
    sdk.info('Workflow bundle created', { sdkComponent: 'worker', taskQueue: 'q' });
    sdk.trace('too fine', { sdkComponent: 'activity' });
    sdk.warn('Worker state changed', { sdkComponent: 'worker', state: 'STOPPING' });
    sdk.info('task outcome by signal', {
      sdkComponent: 'workflow',
      workflowId: 'payoff-1',
      runId: 'run-1',
      workflowType: 'PayoffWorkflow',
      taskQueue: 'q',
    });
    sdk.warn('Activity failed', {
      sdkComponent: 'activity',
      workflowId: 'payoff-1',
      activityType: 'dispatchTask',
      taskExecutionId: 't-1',
      error: new Error('n8n down'),
      [Symbol('timestamp')]: 1,
    });
    expect(out.json()).toEqual([
      expect.objectContaining({ level: 'warn', msg: 'Worker state changed', state: 'STOPPING' }),
      expect.objectContaining({
        level: 'info',
        msg: 'task outcome by signal',
        workflowId: 'payoff-1',
        runId: 'run-1',
        workflowType: 'PayoffWorkflow',
      }),
      expect.objectContaining({
        level: 'warn',
        msg: 'Activity failed',
        activityType: 'dispatchTask',
        taskExecutionId: 't-1',
        error: expect.objectContaining({ message: 'n8n down' }) as unknown,
      }),
    ]);
  });
});

describe('the settings', () => {
  const base = { NODE_ENV: 'development' };
  it('LOG_FORMAT: json in production, text elsewhere, unless set', () => {
    expect(logFormatOf(parseConfig({ NODE_ENV: 'production' }))).toBe('json');
    expect(logFormatOf(parseConfig(base))).toBe('text');
    expect(logFormatOf(parseConfig({ ...base, LOG_FORMAT: 'json' }))).toBe('json');
    expect(() => parseConfig({ ...base, LOG_FORMAT: 'xml' })).toThrow(/LOG_FORMAT/);
  });

  it('OTEL_EXPORTER_OTLP_ENDPOINT is an optional URL; traces go under /v1/traces', () => {
    expect(parseConfig(base).OTEL_EXPORTER_OTLP_ENDPOINT).toBeUndefined();
    expect(
      parseConfig({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: '' }).OTEL_EXPORTER_OTLP_ENDPOINT,
    ).toBeUndefined();
    expect(() => parseConfig({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: 'collector' })).toThrow(
      /OTEL_EXPORTER_OTLP_ENDPOINT/,
    );
    expect(parseConfig({ ...base, OTEL_SERVICE_NAME: 'api-eu' }).OTEL_SERVICE_NAME).toBe('api-eu');
    expect(tracesUrl('http://collector:4318')).toBe('http://collector:4318/v1/traces');
    expect(tracesUrl('http://collector:4318/otlp/')).toBe('http://collector:4318/otlp/v1/traces');
  });
});

describe("activities' log attributes", () => {
  it("put the input's business IDs beside the SDK's on the activity's lines", async () => {
    const interceptors = businessLogAttributes({} as never);
    const next = (a: Record<string, unknown>) => a;
    await interceptors.inbound!.execute!(
      {
        args: [{ taskExecutionId: 't-1', workflowId: 'row-1', taskType: 'lender_search' }],
        headers: {},
      },
      () => Promise.resolve(undefined),
    );
    expect(interceptors.outbound!.getLogAttributes!({ workflowId: 'payoff-row-1' }, next)).toEqual({
      workflowId: 'payoff-row-1',
      workflowRowId: 'row-1',
      taskExecutionId: 't-1',
      taskType: 'lender_search',
    });
  });

  it('name the task of a batch of writes by its first', () => {
    expect(
      businessIds({ writes: [{ name: 'startAttempt', input: { taskExecutionId: 't-2' } }] }),
    ).toEqual({ taskExecutionId: 't-2' });
    expect(businessIds('not an object')).toEqual({});
  });
});
