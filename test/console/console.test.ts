import { randomUUID } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_USERS } from '../../src/api/dev/demo-users.js';
import { call, signedHeaders, startTestApi, TEST_SECRETS, tokenFor } from '../helpers/api.js';
import { launchBrowser, screenshot, seriousViolations } from '../helpers/browser.js';
import { startHarness, stopHarness, type Harness } from '../helpers/business.js';
import type { TestDatabase } from '../helpers/db.js';
import {
  completeAll,
  realisticOutput,
  withCounterparty,
  type Script,
} from '../helpers/n8n-stand-in.js';
import { eventually } from '../helpers/wait.js';

// The HIL console in a real browser (Debian's chromium) against the real stack: the API
// serving the built console, a worker on the real Temporal dev server, PostgreSQL, and the
// n8n stand-in as the agents. Two HIL staff work one escalation; a client looks on.

let t: TestDatabase;
let h: Harness;
let api: Awaited<ReturnType<typeof startTestApi>>;
let browser: Browser;
const contexts: BrowserContext[] = [];

const user = (key: (typeof DEMO_USERS)[number]['key']) => DEMO_USERS.find((u) => u.key === key)!;

/** The first lender lookup asks for a human; the payoff request waits for the test. */
const script: Script = withCounterparty((ctx) => {
  if (ctx.dispatch.taskType === 'identify_lender_contact' && ctx.count === 1)
    return { status: 'NEEDS_HUMAN', reason: 'Two lenders on the title: which one holds the loan?' };
  if (ctx.dispatch.taskType === 'send_payoff_request') return { status: 'SILENT' };
  return completeAll(ctx);
});

beforeAll(async () => {
  ({ t, h } = await startHarness({ script }));
  api = await startTestApi({ databaseUrl: t.url, taskQueue: h.taskQueue, devLogin: true });
  browser = await launchBrowser();
});
afterAll(async () => {
  for (const c of contexts) await c.close();
  await browser?.close();
  await api?.close();
  await stopHarness(t, h);
});

async function signedIn(who: Parameters<typeof user>[0], width = 1280): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height: 800 } });
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(`${api.url}/console/`);
  await page.getByRole('button', { name: user(who).name }).click();
  await page.getByText(user(who).name.split(' (')[0]!, { exact: false }).first().waitFor();
  return page;
}

async function createPayoff(title: string): Promise<string> {
  const created = await call(`${api.url}/api/workflows`, {
    token: await tokenFor(user('client').id),
    body: { workflowType: 'PAYOFF', title, metadata: { propertyAddress: '12 Elm St' } },
  });
  expect(created.status).toBe(201);
  return (created.body.workflow as { id: string }).id;
}

describe('the HIL console', () => {
  it('shows an escalation live, lets one person take and complete it, and the workflow goes on', async () => {
    const harper = await signedIn('hil');
    const jordan = await signedIn('hil2', 390);
    for (const page of [harper, jordan]) {
      await page.getByRole('heading', { name: 'Open escalations' }).waitFor();
      await page.getByText('Live', { exact: true }).waitFor();
    }
    expect(await seriousViolations(harper)).toEqual([]);

    // An agent asks for a human: the open pages show it without a reload.
    const id = await createPayoff(`Payoff ${randomUUID().slice(0, 8)}, 12 Elm St`);
    const row = (page: Page) =>
      page
        .locator('article', { hasText: 'identify_lender_contact' })
        .filter({ hasText: 'Two lenders' });
    await row(harper).waitFor({ timeout: 30_000 });
    await row(jordan).waitFor({ timeout: 30_000 });
    await screenshot(harper, 'queue-1280');
    await screenshot(jordan, 'queue-390');
    expect(await seriousViolations(harper)).toEqual([]);
    expect(await seriousViolations(jordan)).toEqual([]);

    // Harper takes it; Jordan's page says so, live.
    await row(harper).getByRole('button', { name: 'Take', exact: true }).click();
    await row(harper).getByText('Taken by you').waitFor();
    await row(jordan)
      .getByText(`Taken by ${user('hil').name}`)
      .waitFor();
    expect(await row(jordan).getByRole('button', { name: 'Take', exact: true }).count()).toBe(0);

    // A refused decision is shown in words; the right one is accepted.
    const card = row(harper);
    await card.getByRole('button', { name: 'Resolve…' }).click();
    await card.getByRole('button', { name: 'Edit as JSON' }).click();
    await card
      .getByLabel('Result of identify_lender_contact (JSON)')
      .fill('{ "lender": "\\u0000" }');
    await card.getByRole('button', { name: 'Send decision' }).click();
    const refused = card.getByRole('alert').filter({ hasText: 'Refused:' });
    await refused.waitFor();
    expect(await refused.innerText()).toMatch(/output\.lender/);
    await screenshot(harper, 'resolve-refused-1280');
    expect(await seriousViolations(harper)).toEqual([]);
    // The form built from what the task produces: one field per output field.
    await card.getByRole('button', { name: 'Use the form' }).click();
    await card.getByLabel('lender', { exact: true }).fill('Second National Bank');
    await card.getByLabel('email', { exact: true }).fill('payoffs@snb.example');
    await card.getByLabel('preferredChannel', { exact: true }).fill('EMAIL');
    await screenshot(harper, 'resolve-form-1280');
    expect(await seriousViolations(harper)).toEqual([]);
    await card.getByRole('button', { name: 'Send decision' }).click();
    // Gone from the queue, for both, at once.
    await row(harper).waitFor({ state: 'detached', timeout: 15_000 });
    await row(jordan).waitFor({ state: 'detached', timeout: 15_000 });

    // The workflow page: the step completed by Harper, and the next one finishing live.
    await harper.goto(`${api.url}/console/workflows/${id}`);
    const task = (type: string, status: string) =>
      harper.locator(`tr[data-task-type="${type}"][data-status="${status}"]`);
    await task('identify_lender_contact', 'COMPLETED')
      .filter({ hasText: 'person (you)' })
      .waitFor();
    await harper.getByText('Live', { exact: true }).waitFor();
    await task('send_payoff_request', 'RUNNING').waitFor({ timeout: 15_000 });
    const dispatch = await eventually('the payoff request dispatched', () =>
      h.standIn.dispatches.find((d) => d.workflowId === id && d.taskType === 'send_payoff_request'),
    );
    const body = JSON.stringify({
      workflowId: id,
      temporalWorkflowId: dispatch.temporalWorkflowId,
      outcome: {
        taskExecutionId: dispatch.taskExecutionId,
        attempt: dispatch.attempt,
        status: 'COMPLETED',
        output: realisticOutput('send_payoff_request'),
      },
    });
    const answer = await fetch(`${api.url}/api/task-outcomes`, {
      method: 'POST',
      headers: signedHeaders(body, undefined, TEST_SECRETS.n8nHmacSecret),
      body,
    });
    expect(answer.status).toBe(200);
    await task('send_payoff_request', 'COMPLETED').waitFor({ timeout: 15_000 });
    await screenshot(harper, 'workflow-1280');
    await harper.goto(`${api.url}/console/workflows`);
    await harper
      .getByRole('link', { name: /Payoff .*12 Elm St/ })
      .first()
      .waitFor();
    await screenshot(harper, 'workflows-1280');
    expect(await seriousViolations(harper)).toEqual([]);
    // Search: by title or address; nothing found is said in words.
    await harper.getByRole('searchbox', { name: 'Search' }).fill('no such title');
    await harper.getByRole('button', { name: 'Find' }).click();
    await harper.getByText('No workflow matches.').waitFor();
    await harper.getByRole('searchbox', { name: 'Search' }).fill('12 elm');
    await harper.getByRole('button', { name: 'Find' }).click();
    await harper
      .getByRole('link', { name: /Payoff .*12 Elm St/ })
      .first()
      .waitFor();
  });

  it('shows a client their own workflows only, read-only, and never the queue', async () => {
    const other = await h.start('MUNICIPAL_LIEN_SEARCH', { script: completeAll });
    await createPayoff(`Payoff ${randomUUID().slice(0, 8)}, 12 Elm St`);
    const casey = await signedIn('client', 390);
    await casey.getByRole('heading', { name: 'Workflows' }).waitFor();
    // Their organisation's payoff is listed; the other organisation's lien search is not.
    await casey
      .getByRole('link', { name: /Payoff .*12 Elm St/ })
      .first()
      .waitFor();
    expect(await casey.getByRole('link', { name: /MUNICIPAL_LIEN_SEARCH for/ }).count()).toBe(0);
    await screenshot(casey, 'workflows-390');
    expect(await seriousViolations(casey)).toEqual([]);
    expect(await casey.getByRole('link', { name: 'Escalations' }).count()).toBe(0);

    await casey.goto(`${api.url}/console/escalations`);
    await casey.getByText('The escalation queue is for HIL staff and managers.').waitFor();
    await casey.goto(`${api.url}/console/workflows/${other.rowId}`);
    await casey.getByRole('alert').filter({ hasText: 'Could not load the workflow' }).waitFor();
    expect(await casey.getByRole('button', { name: /Take|Resolve|Cancel/ }).count()).toBe(0);
  });

  it('shows the SLA board by level, each task counting down to its next level', async () => {
    // A lien search whose first agent never answers: its task stays on the board.
    await h.start('MUNICIPAL_LIEN_SEARCH', { script: () => ({ status: 'SILENT' }) });
    const morgan = await signedIn('manager');
    await morgan.goto(`${api.url}/console/sla`);
    const green = morgan.getByRole('region', { name: 'GREEN tasks' });
    const item = green.getByRole('listitem').filter({ hasText: 'research_municipality' });
    await item.waitFor({ timeout: 15_000 });
    const countdown = item.locator('time.countdown');
    expect(await item.innerText()).toMatch(/YELLOW in \d+:\d{2}:\d{2}/);
    const before = await countdown.innerText();
    await morgan.waitForTimeout(2_100);
    expect(await countdown.innerText()).not.toBe(before);
    await screenshot(morgan, 'sla-board-1280');
    expect(await seriousViolations(morgan)).toEqual([]);
  });

  it(
    'lets a manager put an escalation on hold for a third party: the SLA board shows the clock stopped, and why',
    { timeout: 150_000 },
    async () => {
      const title = `Payoff ${randomUUID().slice(0, 8)}, 9 Oak Ave`;
      const id = await createPayoff(title);
      const morgan = await signedIn('manager');
      const row = morgan.locator('article').filter({ hasText: title });
      await row.waitFor({ timeout: 20_000 });
      await row.getByRole('button', { name: 'Hold for third party' }).click();
      // The workflow stops the clock; the queue says so once it has.
      // (Reloading under a loaded CI machine takes seconds: a generous bound.)
      await eventually(
        'the queue to show the clock stopped',
        async () => {
          await morgan.reload();
          return (await row.getByTestId('sla-paused').count()) > 0 ? true : undefined;
        },
        60_000,
      );
      expect(await row.getByTestId('sla-paused').innerText()).toContain(
        'on hold for a third party',
      );

      await morgan.goto(`${api.url}/console/sla`);
      const item = morgan
        .getByRole('listitem')
        .filter({ has: morgan.locator(`a[href$="/workflows/${id}"]`) });
      await item.waitFor({ timeout: 15_000 });
      expect(await item.getByTestId('paused').innerText()).toMatch(
        /paused: on hold for a third party .*used \d+ min, \d+ h \d+ min left \(working hours, Platform default\)/,
      );
      await screenshot(morgan, 'sla-board-paused-1280');
      expect(await seriousViolations(morgan)).toEqual([]);

      // Lifted: the clock runs again, counting down to its next level.
      await morgan.goto(`${api.url}/console/`);
      await row.getByRole('button', { name: 'Lift hold' }).click();
      await morgan.goto(`${api.url}/console/sla`);
      await eventually('the clock to run again', async () => {
        await morgan.reload();
        const text = await item.innerText().catch(() => '');
        return /YELLOW in \d+:\d{2}:\d{2}/.test(text) ? true : undefined;
      });
    },
  );
});
