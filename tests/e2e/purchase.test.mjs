// Buying credit and the repeat order in the real app, with the real Secret Service (the e2e run
// has a private session bus with an unlocked gnome-keyring) and a real SMTP server on loopback.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { demoSession, until, storeCard } from './webdriver.mjs';
import { startSmtp } from './smtp.mjs';

const APP = process.env.FAXCREDIT_APP;
const CLI = process.env.FAXCREDIT_CLI;
const dir = mkdtempSync(join(tmpdir(), 'faxcredit-e2e-buy-'));
const db = join(dir, 'demo.db');
const cli = (...args) => spawnSync(CLI, ['--db', db, ...args], { encoding: 'utf8' });

const cardIds = (wd) => wd.exec("return [...document.querySelectorAll('#cards-table tbody tr[data-card]')].map(r => Number(r.dataset.card))");


/** Buys `pkg` in the Purchase dialog, opening it unless it is open already. */
async function buy(wd, pkg) {
  if ((await wd.findAll('#purchase-dialog')).length === 0) {
    await wd.click(await wd.find('#nav-cards'));
    await wd.click(await wd.waitFor('#purchase-open'));
  }
  await wd.waitFor(`[data-package="${pkg}"] input`);
  await wd.exec(`document.querySelector('[data-package="${pkg}"] input').click()`);
  await wd.click(await wd.find('#purchase-next'));
  const confirm = await wd.text(await wd.waitFor('#purchase-confirm'));
  await wd.click(await wd.find('#purchase-buy'));
  return confirm;
}

describe('buying credit', () => {
  let session;
  let wd;
  let smtp;

  before(async () => {
    session = await demoSession({ app: APP, cli: CLI, dir, db, faxes: 600, port: 4484, startSmtp });
    ({ wd, smtp } = session);
  });

  after(async () => {
    await session?.close();
  });

  it('says when no payment card is on file and links to Payment method', async () => {
    await wd.click(await wd.waitFor('#purchase-open'));
    await wd.waitFor('#no-card');
    assert.equal(await wd.exec("return document.querySelector('#purchase-next').disabled"), true);
    await wd.click(await wd.find('#go-payment'));
    await wd.waitFor('#card-form');
  });

  it('stores the card in the keyring, comes back to the purchase and buys a package; the table shows the new card', async () => {
    const stored = await storeCard(wd, '4242 4242 4242 4242');
    assert.match(stored, /Visa •••• 4242/);
    // Sent to Payment method by Purchase: saving the card brings the purchase back.
    await wd.waitFor('#purchase-dialog [data-package="Business"]');
    const shown = JSON.parse(cli('payment-card', 'show', '--json').stdout);
    assert.equal(shown.last4, '4242');
    const before = JSON.parse(cli('cards', '--json').stdout).map((c) => c.id);
    const confirm = await buy(wd, 'Business');
    assert.match(confirm, /Business.*\$\s?100\.00.*Visa •••• 4242/);
    const result = await wd.text(await wd.waitFor('#purchase-result'));
    assert.match(result, /Card \d+ bought: Business/);
    const after = await until(async () => {
      const ids = await cardIds(wd);
      return ids.length === before.length + 1 ? ids : null;
    }, 'the new card in the table');
    assert.equal(after[0], Math.max(...before) + 1);
    await wd.click(await wd.find('#nav-orders'));
    const row = await wd.waitFor('#orders-table tr[data-status="paid"]');
    assert.match(await wd.text(row), /alice[\s\S]*Business[\s\S]*Visa •••• 4242[\s\S]*Paid/);
  });

  it('shows a decline in words, offers another card, and adds nothing', async () => {
    await storeCard(wd, '4000 0000 0000 9995');
    const before = JSON.parse(cli('cards', '--json').stdout).map((c) => c.id);
    await buy(wd, 'Starter');
    const err = await wd.text(await wd.waitFor('#purchase-error'));
    assert.match(err, /Your card was declined: insufficient funds/);
    await wd.waitFor('#purchase-another');
    // The keyboard stays in the dialog after the decline: on "Use another card".
    await until(async () => (await wd.exec('return document.activeElement && document.activeElement.id')) === 'purchase-another', 'focus on Use another card');
    await wd.exec("document.querySelector('#purchase-dialog .backdrop, .backdrop').dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }))");
    await until(async () => (await wd.findAll('#purchase-dialog')).length === 0, 'the dialog to close');
    assert.deepEqual(await cardIds(wd), before);
    const orders = JSON.parse(cli('orders', '--json').stdout);
    assert.equal(orders[0].status, 'declined');
  });

  it('fires the repeat order when the CLI bills past 95%: new card, notification and email', async () => {
    await storeCard(wd, '4242 4242 4242 4242');
    const set = cli('email', 'set', '--host', '127.0.0.1', '--port', String(smtp.port), '--security', 'none', '--from', 'fax-credit@northwind-legal.example');
    assert.equal(set.status, 0, set.stderr);
    await wd.click(await wd.find('#nav-cards'));
    await wd.click(await wd.waitFor('#repeat-open'));
    await wd.exec("document.querySelector('input[name=repeat-package][value=\"1\"]').click()"); // Starter
    await wd.click(await wd.find('#repeat-save'));
    await wd.waitFor('#repeat-status', { text: (t) => /Starter/.test(t) });

    // Bill all the open credit but 2% of the newest card, from the CLI as a fax gateway would:
    // cards are used oldest first, so the newest ends at 98%.
    const cards = JSON.parse(cli('cards', '--json').stdout);
    const open = cards.filter((c) => c.status === 'active' || c.status === 'queued');
    const newest = open.reduce((a, b) => (a.id > b.id ? a : b));
    const before = cards.length;
    let left = open.reduce((sum, c) => sum + Number(c.balance), 0) - Number(newest.original_balance) * 0.02;
    let n = 0;
    while (left > 0.0001) {
      const cost = Math.min(left, 900).toFixed(2);
      const fax = { id: `rep-${n++}`, userId: 'carmen', destinationFax: '+12125550100', submitTime: '2026-11-24T10:00:00Z', pagesSent: 1, units: 1, costPerUnit: cost };
      const o = cli('bill', '--json', JSON.stringify(fax));
      assert.equal(o.status, 0, o.stderr);
      left -= Number(cost);
    }
    const after = await until(async () => {
      const ids = await cardIds(wd);
      return ids.length === before + 1 ? ids : null;
    }, 'the automatically bought card in the table', 30000);
    assert.equal(after.length, before + 1);
    const orders = JSON.parse(cli('orders', '--json').stdout);
    const auto = orders.filter((o) => o.kind === 'automatic');
    assert.equal(auto.length, 1, JSON.stringify(auto));
    assert.equal(auto[0].status, 'paid');
    await until(() => smtp.subjects().some((s) => /bought automatically \(Starter, 20\.00 USD\)/.test(s)), 'the email', 30000);
    await wd.click(await wd.find('#nav-notifications'));
    const row = await wd.waitFor('#notifications-table tbody tr', { text: (t) => /bought automatically/.test(t) });
    assert.match(await wd.text(row), /Sent/);
    const mail = smtp.received.find((m) => /bought automatically/.test(m.data));
    assert.deepEqual(mail.to, ['billing@northwind-legal.example']);
    assert.match(mail.data, /Visa =E2=80=A2=E2=80=A2=E2=80=A2=E2=80=A2 4242|Visa •••• 4242/);
  });
});
