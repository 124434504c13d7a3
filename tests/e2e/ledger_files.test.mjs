// A Save As that browses the ledger's own folder must not cost the ledger: the app keeps every
// lock SQLite holds, so a CLI run on the same ledger afterwards leaves the app's WAL alone, and
// what the app writes next is in the ledger when it closes (the GTK chooser runs out of process).
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { chooseInMenu, demoSession, ELEMENT, saveInDialog, setValue, storeCard, until, waitForWindow, windowOrigin, xdo } from './webdriver.mjs';
import { startSmtp } from './smtp.mjs';

const APP = process.env.FAXCREDIT_APP;
const CLI = process.env.FAXCREDIT_CLI;
const dir = mkdtempSync(join(tmpdir(), 'faxcredit-e2e-files-'));
const db = join(dir, 'ledger.db');
const cli = (...args) => spawnSync(CLI, ['--db', db, ...args], { encoding: 'utf8' });

/** The app's process: the one started with `--db <this ledger>`. */
function appPid() {
  const pids = execFileSync('pgrep', ['-f', '--', `--db ${db}`], { encoding: 'utf8' }).trim().split('\n');
  assert.equal(pids.length, 1, `one app on ${db}: ${pids}`);
  return pids[0];
}

/** Files of the ledger's folder that the app holds open although they were deleted. */
function deletedFilesHeld(pid) {
  const fds = readdirSync(`/proc/${pid}/fd`);
  const held = [];
  for (const fd of fds) {
    try {
      const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      if (target.startsWith(dir) && target.endsWith('(deleted)')) held.push(target);
    } catch {
      /* closed meanwhile */
    }
  }
  return held;
}

describe('a Save As into the ledger folder, then another program on the ledger', () => {
  let session;
  let wd;
  let pid;

  before(async () => {
    session = await demoSession({ app: APP, cli: CLI, dir, db, faxes: 300, port: 4494, startSmtp });
    ({ wd } = session);
    pid = appPid();
  });

  after(async () => {
    await session?.close();
  });

  it('browses the ledger folder in the native dialog and saves there; the app keeps its files', async () => {
    const cards = JSON.parse(cli('cards', '--json').stdout);
    const card = cards.find((c) => c.status === 'depleted') ?? cards[0];
    const row = await wd.find(`tr[data-card="${card.id}"]`);
    const r = await wd.exec(
      "arguments[0].scrollIntoView({ block: 'center' }); const r = arguments[0].getBoundingClientRect(); return { x: r.x + 60, y: r.y + r.height / 2 };",
      [{ [ELEMENT]: row }],
    );
    const o = windowOrigin();
    xdo('mousemove', String(Math.round(o.x + r.x)), String(Math.round(o.y + r.y)), 'click', '3');
    await chooseInMenu('Down', 'Down', 'Return');
    await waitForWindow('Export Activity');
    await sleep(500);
    // Into the ledger's folder: the chooser lists it (and sniffs ledger.db) before we save.
    xdo('key', 'ctrl+a');
    xdo('type', '--delay', '15', `${dir}/`);
    xdo('key', 'Return');
    await sleep(2500);
    // Right after a change of folder GTK's name completion may take the first Return (as it does
    // for a person at the keyboard): the helper types the name again while the dialog stays open.
    const saved = join(dir, 'activity.csv');
    await saveInDialog('Export Activity', 'activity.csv');
    await until(() => existsSync(saved), 'the export file');
    await wd.waitFor('#export-result', { text: (t) => t.includes('Exported') });
    assert.ok(readFileSync(saved, 'utf8').includes('card_id'), 'a CSV with its header');
    assert.deepEqual(deletedFilesHeld(pid), []);
  });

  it('a CLI run on the same ledger leaves the app its WAL', async () => {
    const o = cli('bill', '--id', 'files-e2e-1', '--user', 'carmen', '--to', '+12125550100', '--pages', '1');
    assert.equal(o.status, 0, o.stderr);
    assert.equal(cli('cards').status, 0);
    assert.ok(existsSync(`${db}-wal`), 'the WAL of the open ledger is still there');
    assert.deepEqual(deletedFilesHeld(pid), []);
  });

  it('what the app writes afterwards is in the ledger when it closes', async () => {
    // A payment card, stored in the OS keyring, its brand and last four in the ledger.
    await storeCard(wd, '4242 4242 4242 4242');
    // A setting.
    await wd.click(await wd.find('#nav-email'));
    await wd.waitFor('#email-form');
    await setValue(wd, '#smtp-host', 'smtp.files-e2e.example');
    await setValue(wd, '#smtp-port', '2525');
    await setValue(wd, '#smtp-from', 'fax@files-e2e.example');
    await wd.click(await wd.find('#email-save'));
    await wd.waitFor('#email-result', { text: (t) => /saved/i.test(t) });
    assert.deepEqual(deletedFilesHeld(pid), []);

    await wd.quit();
    await until(() => spawnSync('pgrep', ['-f', '--', `--db ${db}`]).status !== 0, 'the app to close');
    const card = JSON.parse(cli('payment-card', 'show', '--json').stdout);
    assert.equal(card.last4, '4242');
    const email = JSON.parse(cli('email', 'show', '--json').stdout);
    assert.equal(email.settings.host, 'smtp.files-e2e.example');
    const check = cli('check');
    assert.equal(check.status, 0, check.stdout + check.stderr);
    const billed = cli('activity', String(JSON.parse(cli('cards', '--json').stdout).find((c) => c.status === 'active').id), '--json');
    assert.match(billed.stdout, /files-e2e-1/);
  });
});
