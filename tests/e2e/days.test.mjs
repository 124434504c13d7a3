// The account's days (issue 13, item 11), in the real app: the account counts its days in
// Los Angeles while the computer (and so the webview) is in Auckland, where noon UTC is already
// tomorrow (the bar of 24 November used to read "Nov 25" there). A fax submitted at 23:58 on
// 24 November in Los Angeles and billed at 00:03 on the 25th is on the 24th's bar, the bar is
// labelled 24 November, and clicking it opens a filter of that day showing the same faxes and
// amount as the bar. Then the manager moves the account to Auckland on the Account page.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WebDriver, killApp, loginAs, startDriver } from './webdriver.mjs';

const APP = process.env.FAXCREDIT_APP;
const CLI = process.env.FAXCREDIT_CLI;
assert.ok(APP && CLI && process.env.DISPLAY, 'run through `cargo xtask e2e` (needs FAXCREDIT_APP, FAXCREDIT_CLI, DISPLAY)');

const dir = mkdtempSync(join(tmpdir(), 'faxcredit-e2e-days-'));
const db = join(dir, 'days.db');
/** The CLI at `now`, on a computer in Auckland. */
const cli = (now, args, input) => {
  const o = spawnSync(CLI, ['--db', db, ...args], {
    encoding: 'utf8',
    input,
    env: { ...process.env, FAXCREDIT_NOW: now, TZ: 'Pacific/Auckland' },
  });
  assert.equal(o.status, 0, `${args.join(' ')}: ${o.stderr}`);
  return o.stdout;
};
const fax = (id, at, pages, billedAt) =>
  cli(billedAt, ['bill', '--json', JSON.stringify({ id, userId: 'carmen', destinationFax: '+12125550100', submitTime: at, pagesSent: pages })]);

after(() => rmSync(dir, { recursive: true, force: true }));

describe('the account’s days', () => {
  let wd;
  let driver;
  before(async () => {
    cli('2026-11-01T00:00:00Z', ['init', '--name', 'Kiwi Legal', '--kind', 'prepaid', '--email', 'ops@kiwi.example']);
    cli('2026-11-01T00:00:00Z', ['user', 'add', 'alice', '--role', 'manager'], 'demo-pass\n');
    cli('2026-11-01T00:00:00Z', ['card', 'apply', '100']);
    cli('2026-11-01T00:00:00Z', ['account', 'set', '--time-zone', 'America/Los_Angeles']);
    fax('morning', '2026-11-24T17:00:00Z', 3, '2026-11-24T17:01:00Z'); // 09:00 on the 24th in Los Angeles
    fax('near-midnight', '2026-11-25T07:58:00Z', 4, '2026-11-25T08:03:00Z'); // 23:58 on the 24th, billed 00:03 on the 25th
    fax('after-midnight', '2026-11-25T08:05:00Z', 2, '2026-11-25T08:06:00Z'); // 00:05 on the 25th
    driver = await startDriver(0, { TZ: 'Pacific/Auckland', FAXCREDIT_NOW: '2026-11-25T20:00:00Z', LANG: 'en_US.UTF-8' });
    wd = new WebDriver(driver.base);
    await wd.start(APP, ['--db', db]);
    await loginAs(wd, 'alice');
  });
  after(async () => {
    await wd?.quit();
    driver?.child.kill();
    killApp(db);
  });

  it('puts a fax billed after midnight on its day’s bar, labels the bar that day, and its filter shows the same', async () => {
    await wd.waitFor('#spend-chart');
    const days = await wd.exec("return [...document.querySelectorAll('#spend-chart .hit')].map(r => r.dataset.day)");
    // 20:00 UTC on the 25th is noon on the 25th in Los Angeles (09:00 on the 26th in Auckland):
    // the chart ends on the account's today.
    assert.equal(days.at(-1), '2026-11-25');
    assert.match(await wd.text(await wd.find('figcaption')), /peak \$0\.70 on Nov 24, 2026 · days in America\/Los_Angeles/);
    const caption = async (day) => {
      await wd.exec(`document.querySelector('#spend-chart .hit[data-day="${day}"]').dispatchEvent(new MouseEvent('mouseenter'))`);
      return wd.text(await wd.waitFor('#spend-day'));
    };
    assert.match(await caption('2026-11-24'), /^Nov 24, 2026: \$0\.70, 2 faxes/);
    assert.match(await caption('2026-11-25'), /^Nov 25, 2026: \$0\.20, 1 fax\b/);
    await wd.exec("document.querySelector('#spend-chart .hit[data-day=\"2026-11-25\"]').dispatchEvent(new MouseEvent('mouseleave'))");

    await wd.click(await wd.find('#spend-chart .hit[data-day="2026-11-24"]'));
    await wd.waitFor('h1', { text: (t) => t.startsWith('Activity of card') });
    assert.equal(await wd.exec("return document.querySelector('#filter-from').value"), '11/24/2026');
    assert.equal(await wd.exec("return document.querySelector('#filter-to').value"), '11/24/2026');
    const shown = await wd.text(await wd.waitFor('#activity-shown', { text: (t) => t.startsWith('Showing') }));
    assert.match(shown, /^Showing 2 of 3 faxes \(on Nov 24, 2026\), \$0\.70 of \$0\.90\./);
    const rows = await wd.exec(
      "return [...document.querySelectorAll('#activity-scroller [data-time]')].map(r => r.querySelector('span').textContent)",
    );
    assert.deepEqual(rows, ['Nov 24, 2026, 11:58 PM', 'Nov 24, 2026, 9:00 AM'], 'times in the account’s zone, not the computer’s');
    assert.equal(await wd.text(await wd.find('#activity-zone')), 'America/Los_Angeles');
  });

  it('moves the days when the manager sets another zone on the Account page', async () => {
    await wd.click(await wd.find('#nav-account'));
    const select = await wd.waitFor('#account-zone');
    assert.equal(await wd.exec('return arguments[0].value', [{ 'element-6066-11e4-a52e-4f735466cecf': select }]), 'America/Los_Angeles');
    await wd.exec(
      "const s = document.querySelector('#account-zone'); s.value = 'Pacific/Auckland'; s.dispatchEvent(new Event('change', { bubbles: true }))",
    );
    await wd.click(await wd.find('#zone-save'));
    await wd.waitFor('#zone-result', { text: (t) => t.includes('Pacific/Auckland') });
    await wd.click(await wd.find('#nav-cards'));
    await wd.waitFor('#spend-zone', { text: (t) => t === 'Pacific/Auckland' });
    const days = await wd.exec("return [...document.querySelectorAll('#spend-chart .hit')].map(r => r.dataset.day)");
    assert.equal(days.at(-1), '2026-11-26');
    await wd.exec(`document.querySelector('#spend-chart .hit[data-day="2026-11-25"]').dispatchEvent(new MouseEvent('mouseenter'))`);
    // In Auckland all three were submitted on the 25th (06:00, 20:58 and 21:05).
    assert.match(await wd.text(await wd.waitFor('#spend-day')), /^Nov 25, 2026: \$0\.90, 3 faxes/);
    const out = cli('2026-11-25T20:00:00Z', ['account', 'show']);
    assert.match(out, /time zone\s+Pacific\/Auckland\n/);
  });
});
