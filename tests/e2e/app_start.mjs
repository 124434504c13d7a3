// `cargo xtask bench`: the release app under Xvfb, from launch to the card table rendered on the
// 1M-line demo. Launch to the login form, plus the log-in click to the table: the time a person
// waits, without their typing. Prints one JSON line. Median of 3 launches.
import { WebDriver, startDriver } from './webdriver.mjs';

const [db] = process.argv.slice(2);
const runs = [];
const driver = await startDriver(4494);
try {
  for (let i = 0; i < 3; i++) {
    const wd = new WebDriver(driver.base);
    const t0 = performance.now();
    await wd.start(process.env.FAXCREDIT_APP, ['--db', db]);
    const user = await wd.waitFor('#login-name', { timeout: 60000 });
    const launch = performance.now() - t0;
    await wd.type(user, 'alice');
    await wd.type(await wd.find('#login-password'), 'demo-pass');
    const t1 = performance.now();
    await wd.click(await wd.find('#login-submit'));
    await wd.waitFor('#cards-table tbody tr[data-card]', { timeout: 60000 });
    const table = performance.now() - t1;
    runs.push({ launch, table, total: launch + table });
    await wd.quit();
  }
} finally {
  driver.child.kill();
}
runs.sort((a, b) => a.total - b.total);
const m = runs[1];
console.log(JSON.stringify({ launch_ms: Math.round(m.launch), login_to_table_ms: Math.round(m.table), total_ms: Math.round(m.total) }));
