import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SandboxDesk } from '../src/sandbox/desk.js';
import type { Store } from '../src/store/store.js';
import { launchChromium } from './support/chromium.js';
import { startTestSandbox, type TestSandbox } from './support/sandbox.js';

/**
 * The sandbox page in a real headless Chromium, over the real app on examples/workspace.yml (what
 * `npm start` serves): each story is clicked and typed in the page, as a new user would.
 * SCREENSHOTS=1 writes the screenshots README shows into docs/screenshots; otherwise they go to a
 * throw-away folder (still taken, so the run proves they can be).
 */

const people = { ana: 'U0ANA00001', ben: 'U0BEN00002', carla: 'U0CARLA001', dana: 'U0DANA0001' };
const BILLING_ALERTS = 'C0BILLING01';
// A DM's id is opaque, as Slack's are: the fake Slack says which it is.
const dm = (user: string) => sandbox.fake.dmChannelOf(user);

let store: Store;
let sandbox: SandboxDesk;
let testSandbox: TestSandbox | undefined;
let browser: Browser;
let screenshots: string;
let context: BrowserContext;
let page: Page;
let pageErrors: string[];
const logs: string[] = [];

beforeAll(async () => {
  testSandbox = await startTestSandbox('sandbox', (line) => logs.push(line));
  ({ store, sandbox } = testSandbox);
  browser = await launchChromium();
  screenshots =
    process.env.SCREENSHOTS === '1' ? join('docs', 'screenshots') : await mkdtemp(join(tmpdir(), 'deskbolt-shots-'));
  await mkdir(screenshots, { recursive: true });
});

afterAll(async () => {
  if (process.env.SCREENSHOTS !== '1' && screenshots) await rm(screenshots, { recursive: true, force: true });
  await browser?.close();
  await testSandbox?.close();
});

beforeEach(async () => {
  // Each story starts from an empty desk, so the stories pass in any order.
  await sandbox.reset();
  context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  page = await context.newPage();
  page.setDefaultTimeout(15_000);
  pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });
  await page.goto(`http://127.0.0.1:${sandbox.deskbolt.port}/`);
  await page.locator('body[data-ready]').waitFor({ state: 'attached' });
});

afterEach(async () => {
  await context.close();
  expect(pageErrors).toEqual([]);
});

/** The picker at the top: the page becomes that person's Slack. */
async function be(user: string, conversation: string): Promise<void> {
  await page.locator('#person').selectOption(user);
  await page.locator(`.nav-item[data-conversation="${conversation}"]`).click();
  await page.locator(`.nav-item.active[data-conversation="${conversation}"]`).waitFor();
}

async function type(text: string): Promise<void> {
  await page.locator('#composer-text').fill(text);
  await page.locator('#composer-text').press('Enter');
}

const modal = () => page.locator('#modal .modal');
const message = (text: string | RegExp): Locator => page.locator('#messages .message', { hasText: text }).last();
/** The pointer is moved off the messages first, so no hover toolbar stands over the picture. */
async function shoot(name: string): Promise<void> {
  await page.mouse.move(0, 0);
  await page.screenshot({ path: join(screenshots, name) });
}

// A story clicks through many requests on a two-core machine shared with other work: room to finish.
describe('the sandbox page, clicked in a real Chromium', { timeout: 120_000 }, () => {
  it('lets a requester file a ticket: the form, its required fields, and her receipt, with what she typed shown as text', async () => {
    await be(people.carla, dm(people.carla));
    const sidebar = await page.locator('.sidebar').textContent();
    expect(sidebar).toContain('billing-help');
    expect(sidebar).not.toContain('billing-alerts');

    await type('/ticket new Card <b>charged</b> & twice');
    await expect.poll(() => modal().locator('h2').textContent()).toBe('New ticket');
    expect(await modal().getByLabel('Subject').inputValue()).toBe('Card <b>charged</b> & twice');
    await modal().getByLabel('Description').fill('Two charges of $49 from yesterday & one <!channel> refund.');
    await modal().getByRole('button', { name: 'Create' }).click();
    await modal().locator('.bk-error', { hasText: 'Please complete this required field.' }).waitFor();
    await shoot('new-ticket-form.png');

    await modal().getByLabel('Group').selectOption({ label: 'Billing (10)' });
    await modal().getByRole('button', { name: 'Create' }).click();
    await modal().waitFor({ state: 'detached' });
    await message('#1001').waitFor();
    expect(await message('#1001').textContent()).toContain('Card <b>charged</b> & twice');
    // The subject is text in the page: no element was made of the markup Carla typed.
    expect(await page.locator('#messages b', { hasText: /^charged$/ }).count()).toBe(0);
    await shoot('requester-dm.png');

    const ticket = await store.tickets.get(1001);
    expect(ticket).toMatchObject({
      subject: 'Card <b>charged</b> & twice',
      groupId: 10,
      requester: { kind: 'slack', userId: people.carla },
    });
  });

  it('lets an agent take a ticket from the alert and solve it, with the app’s field errors shown on the form', async () => {
    await sandbox.act.command(people.carla, dm(people.carla), '/ticket new Printer on fire');
    const form = sandbox.fake.modals(people.carla).at(-1)!;
    await sandbox.act.submit(people.carla, form.view.id, { group: '10', description: 'It smokes <a lot> & beeps' });

    await be(people.ben, BILLING_ALERTS);
    // The ticket's live message in Billing's channel: Take it there.
    await message('#1001 Printer on fire').getByRole('button', { name: 'Take it' }).click();
    await message('You took #1001').waitFor();
    expect(await message('You took #1001').textContent()).toContain('Only visible to you');
    // The live message shows who has it now (and offers Take it no more).
    await page
      .locator('#messages .message', { hasText: '#1001 Printer on fire' })
      .filter({ hasText: 'with @Ben' })
      .first()
      .waitFor();
    await shoot('agent-takes.png');

    await message('You took #1001').getByRole('button', { name: 'Reply' }).click();
    await expect.poll(() => modal().locator('h2').textContent()).toBe('Reply to #1001');
    await modal().getByLabel('Text (optional)', { exact: true }).fill('We replaced the fuse; it is safe to use again.');
    await modal().getByLabel('Solved', { exact: true }).check();
    await modal().getByRole('button', { name: 'Submit' }).click();
    // Solving needs the form filled in: the app answers response_action "errors", shown under the fields.
    await modal().locator('.bk-error').first().waitFor();
    await shoot('solve-errors.png');

    await modal().getByLabel('Root cause (needed to solve)').selectOption({ label: 'User error' });
    await modal().getByLabel('Category (needed to solve)').selectOption({ label: 'Account' });
    // The category dispatches: the app updates the form, and the sub-categories follow it.
    await modal().getByLabel('Sub-category of Account').selectOption({ label: 'Login' });
    expect(await modal().getByLabel('Text (optional)', { exact: true }).inputValue()).toBe(
      'We replaced the fuse; it is safe to use again.',
    );
    await modal().getByRole('button', { name: 'Submit' }).click();
    await modal().waitFor({ state: 'detached' });

    // Carla's receipt is her thread of the ticket: who took it, the reply and the survey arrive there.
    await be(people.carla, dm(people.carla));
    await message('We received your request #1001')
      .getByRole('button', { name: /\d+ repl/ })
      .click();
    await page.locator('#thread-messages .message', { hasText: 'We replaced the fuse' }).waitFor();
    await page.locator('#thread-messages .message', { hasText: 'How did we do' }).waitFor();
    expect((await store.tickets.get(1001))?.status).toBe('solved');
  });

  it('lets an agent accept a chat, answer in its thread and transfer it, and the other agent accept', async () => {
    await sandbox.act.command(people.ana, dm(people.ana), '/ticket status online');
    await be(people.ben, dm(people.ben));
    await page.locator('#tab-home').click();
    await page.locator('#home').getByRole('button', { name: 'Online', exact: true }).click();
    await page.locator('#home').getByText('You are online').waitFor();

    await be(people.dana, dm(people.dana));
    await type('Hi! Is my refund for order 88 through yet?');
    await message('your chat #1001 is open').waitFor();

    await be(people.ben, BILLING_ALERTS);
    await message('Incoming chat #1001').getByRole('button', { name: 'Accept' }).click();
    await message('Incoming chat #1001').getByText('with @Ben').waitFor();
    await message('Incoming chat #1001').getByRole('button', { name: '1 reply' }).click();
    await page.locator('#thread-text').fill('Hi Dana, let me look that up for you.');
    await page.locator('#thread-text').press('Enter');
    await page.locator('#thread-messages .message', { hasText: 'Hi Dana, let me look that up' }).waitFor();
    await shoot('chat-thread.png');

    await message('Incoming chat #1001').getByRole('button', { name: 'Transfer' }).click();
    await expect.poll(() => modal().locator('h2').textContent()).toBe('Transfer chat #1001');
    await modal().getByLabel('Transfer to').selectOption({ label: 'Ana · online' });
    await modal().getByRole('button', { name: 'Ask' }).click();
    await modal().waitFor({ state: 'detached' });

    await be(people.ana, dm(people.ana));
    await message('Transfer request').waitFor();
    await shoot('transfer-offer.png');
    await message('Transfer request').getByRole('button', { name: 'Accept' }).click();
    await message('Transfer request').getByText('Accepted by @Ana').waitFor();

    await be(people.dana, dm(people.dana));
    await message('Ben: Hi Dana, let me look that up for you.').waitFor();
    await message('Ana has taken over your chat #1001').waitFor();
    expect((await store.chats.openOf(people.dana))?.agent).toBe(people.ana);
  });

  it('plays the whole scripted morning step by step, following whoever acts, and resets to an empty desk', async () => {
    await page.getByRole('button', { name: 'Play the demo' }).click();
    await page.locator('#confirm [data-confirm]').click();
    await page.locator('#demo-step', { hasText: 'Step 1 of' }).waitFor();
    await page.getByRole('button', { name: 'Next step' }).click();
    await page.locator('#demo-step', { hasText: 'Step 2 of' }).waitFor();
    await expect.poll(() => page.locator('#person').inputValue()).toBe(people.ana);
    await message('Created #1001').waitFor();
    await page.getByRole('button', { name: 'Next step' }).click();
    await page.locator('#demo-step', { hasText: 'Step 3 of' }).waitFor();
    await expect.poll(() => page.locator('#person').inputValue()).toBe('U0DEV00001');
    await message('Login page times out').waitFor();
    await shoot('demo.png');
    const total = Number(/of (\d+)/.exec((await page.locator('#demo-step').textContent()) ?? '')?.[1]);
    for (let step = 3; step <= total; step++) {
      await page.getByRole('button', { name: 'Next step' }).click();
      await page
        .locator('#demo-step', { hasText: step === total ? 'The demo is over' : `Step ${step + 1} of` })
        .waitFor();
    }
    // The morning's last step: Vic, who is not an agent, is told so in his DM.
    await expect.poll(() => page.locator('#person').inputValue()).toBe('U0VISIT001');
    await message('only support agents can work tickets').waitFor();
    expect((await store.chats.openOf(people.dana))?.agent).toBe(people.ana);

    await page.getByRole('button', { name: 'Reset' }).click();
    await page.locator('#confirm [data-confirm]').click();
    await message('only support agents can work tickets').waitFor({ state: 'detached' });
    expect(await store.tickets.get(1001)).toBeNull();
    expect(sandbox.fake.messages()).toEqual([]);
  });
});
