import { afterEach, describe, expect, it } from 'vitest';
import {
  startAndWait,
  Supervisor,
  SupervisorStoppingError,
  type RestartPolicy,
} from '../../src/dev/process.js';
import { eventually } from '../helpers/wait.js';

// The launcher's supervision, with tiny real children (`node -e`): restarts with a growing
// pause, counts a child as up only once ready, gives up on one that keeps dying.

/** A child that runs `script`, ready once it printed "ready". */
const child = (name: string, script: string) => () =>
  startAndWait(
    { name, command: process.execPath, args: ['-e', script] },
    {
      what: `${name} printed ready`,
      probe: (proc) => Promise.resolve(proc.recentOutput().includes('ready')),
      timeoutMs: 10_000,
    },
  );

/** A child that prints "ready", then runs `then` (e.g. exits after a while). */
const tiny = (name: string, then = '') =>
  child(name, `console.log('ready ' + process.pid); setInterval(() => {}, 1000); ${then}`);

const FAST: Partial<RestartPolicy> = {
  initialDelayMs: 100,
  maxDelayMs: 400,
  stableAfterMs: 60_000,
  maxRestarts: 4,
  windowMs: 60_000,
};

function harness(policy: Partial<RestartPolicy> = FAST) {
  const lines: string[] = [];
  const gaveUp: string[] = [];
  const supervisor = new Supervisor({
    log: { info: (m) => lines.push(`info ${m}`), error: (m) => lines.push(`error ${m}`) },
    onGiveUp: (m) => gaveUp.push(m),
    policy,
  });
  running.push(supervisor);
  return { supervisor, lines, gaveUp };
}

const running: Supervisor[] = [];
afterEach(async () => {
  for (const s of running.splice(0)) await s.stopAll();
});

const restartLines = (lines: string[]) =>
  lines.filter((l) => l.includes('restarting in')).map((l) => l.split('. Its last output')[0]);

describe('the launcher supervisor', () => {
  it('restarts a child killed with SIGKILL, which counts as up only once ready again', async () => {
    const { supervisor, lines } = harness();
    const first = await supervisor.start({ name: 'worker', start: tiny('worker') });
    process.kill(first.pid, 'SIGKILL');
    const second = await eventually('the new worker', () => {
      const now = supervisor.current('worker');
      return now && now.pid !== first.pid && !now.hasExited() ? now : undefined;
    });
    await eventually('the worker to be up again', () =>
      lines.some((l) => l.includes('worker is up again')),
    );
    expect(second.recentOutput()).toContain(`ready ${second.pid}`);
    expect(restartLines(lines)).toEqual([
      'error worker exited (code null, signal SIGKILL); restarting in 0.1 s (restart 1)',
    ]);
    // The dead child's last lines come with the message.
    expect(lines.find((l) => l.includes('restarting in'))).toContain(`| ready ${first.pid}`);
    expect(lines).toContain(`info worker is up again (restart 1, pid ${second.pid})`);
    expect(supervisor.restarts('worker')).toBe(1);
  });

  it('doubles the pause after each quick death up to the cap, then gives up with a clear message', async () => {
    const { supervisor, lines, gaveUp } = harness();
    const started = Date.now();
    await supervisor.start({
      name: 'agents',
      start: tiny(
        'agents',
        "setTimeout(() => { console.error('boom: cannot open the thing'); process.exit(3); }, 1000);",
      ),
      hint: 'fix the thing, then run `npm start` again.',
    });
    await eventually('the give-up', () => gaveUp.length > 0, 20_000);
    const elapsed = Date.now() - started;
    expect(restartLines(lines)).toEqual([
      'error agents exited (code 3, signal null); restarting in 0.1 s (restart 1)',
      'error agents exited (code 3, signal null); restarting in 0.2 s (restart 2)',
      'error agents exited (code 3, signal null); restarting in 0.4 s (restart 3)',
      'error agents exited (code 3, signal null); restarting in 0.4 s (restart 4)',
    ]);
    expect(elapsed).toBeGreaterThanOrEqual(1100); // the pauses were taken
    expect(gaveUp).toHaveLength(1);
    expect(gaveUp[0]).toContain(
      'agents keeps dying: it exited (code 3, signal null), after 4 restarts within 1 minute. Giving up on it and stopping everything.',
    );
    expect(gaveUp[0]).toContain('| boom: cannot open the thing');
    expect(gaveUp[0]).toContain('What to do: fix the thing, then run `npm start` again.');
    // Nothing is restarted any more, and nothing new starts.
    await new Promise((r) => setTimeout(r, 600));
    expect(supervisor.restarts('agents')).toBe(4);
    await expect(supervisor.start({ name: 'other', start: tiny('other') })).rejects.toBeInstanceOf(
      SupervisorStoppingError,
    );
  });

  it('starts over with the first pause once the child stayed up long enough', async () => {
    const { supervisor, lines, gaveUp } = harness({
      ...FAST,
      stableAfterMs: 300,
      maxRestarts: 2,
      windowMs: 1_000,
    });
    // Up about 1 s each time: stable, so always 0.1 s, and never 2 restarts within 1 s.
    await supervisor.start({
      name: 'n8n',
      start: tiny('n8n', 'setTimeout(() => process.exit(1), 1000);'),
    });
    await eventually('four restarts', () => supervisor.restarts('n8n') >= 4, 20_000);
    expect(restartLines(lines).slice(0, 4)).toEqual(
      [1, 2, 3, 4].map(
        (n) => `error n8n exited (code 1, signal null); restarting in 0.1 s (restart ${n})`,
      ),
    );
    expect(gaveUp).toEqual([]);
  });

  it('counts a restart that never gets ready as another quick death', async () => {
    const { supervisor, lines } = harness();
    let starts = 0;
    const first = await supervisor.start({
      name: 'api',
      start: () => {
        starts++;
        // The second start dies before it is ready; the third comes up.
        return starts === 2
          ? child('api', "console.error('no config'); process.exit(7);")()
          : tiny('api')();
      },
    });
    process.kill(first.pid, 'SIGKILL');
    await eventually('the api to be up again', () =>
      lines.some((l) => l.includes('api is up again')),
    );
    const restarts = restartLines(lines);
    expect(restarts[0]).toBe(
      'error api exited (code null, signal SIGKILL); restarting in 0.1 s (restart 1)',
    );
    expect(restarts[1]).toBe(
      'error api did not come back (api exited before api printed ready); restarting in 0.2 s (restart 2)',
    );
    expect(lines).toContain(
      `info api is up again (restart 2, pid ${supervisor.current('api')!.pid})`,
    );
    expect(lines.find((l) => l.includes('did not come back'))).toContain('| no config');
  });

  it('stops the children in the order given, and a pending restart does not happen', async () => {
    const { supervisor, lines } = harness({ ...FAST, initialDelayMs: 5_000 });
    for (const name of ['postgres', 'temporal', 'api', 'agents', 'n8n', 'worker'])
      await supervisor.start({ name, start: tiny(name) });
    const agents = supervisor.current('agents')!;
    process.kill(agents.pid, 'SIGKILL');
    await eventually('the restart to be scheduled', () =>
      lines.some((l) => l.includes('agents exited')),
    );
    const began = Date.now();
    await supervisor.stopAll(['worker', 'n8n', 'agents', 'api', 'temporal', 'postgres']);
    expect(Date.now() - began).toBeLessThan(4_000); // the 5 s pause was cut short
    expect(lines.filter((l) => l.includes(' stopped (')).map((l) => l.split(' ')[1])).toEqual([
      'worker',
      'n8n',
      'api',
      'temporal',
      'postgres',
    ]);
    await new Promise((r) => setTimeout(r, 300));
    expect(supervisor.current('agents')!.pid).toBe(agents.pid);
    for (const name of ['worker', 'n8n', 'api', 'temporal', 'postgres'])
      expect(supervisor.current(name)!.hasExited(), name).toBe(true);
  });
});
