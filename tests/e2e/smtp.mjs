// A small real SMTP server on loopback for the end-to-end tests: it speaks the protocol over
// TCP and keeps every message it accepted.
import { createServer } from 'node:net';

export async function startSmtp() {
  const received = [];
  const open = new Set();
  const server = createServer((sock) => {
    open.add(sock);
    sock.on('close', () => open.delete(sock));
    sock.setEncoding('utf8');
    let buf = '';
    let data = null;
    let msg = { from: '', to: [] };
    const say = (s) => sock.write(`${s}\r\n`);
    say('220 loopback.test ESMTP');
    sock.on('data', (chunk) => {
      buf += chunk;
      let i;
      while ((i = buf.indexOf('\r\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (data !== null) {
          if (line === '.') {
            received.push({ ...msg, data: data.join('\r\n') });
            data = null;
            msg = { from: '', to: [] };
            say('250 2.0.0 queued');
          } else data.push(line.startsWith('.') ? line.slice(1) : line);
          continue;
        }
        const u = line.toUpperCase();
        if (u.startsWith('EHLO')) sock.write('250-loopback.test\r\n250 8BITMIME\r\n');
        else if (u.startsWith('MAIL FROM:')) (msg.from = line.slice(10).replace(/[<>]/g, '').trim()), say('250 OK');
        else if (u.startsWith('RCPT TO:')) (msg.to.push(line.slice(8).replace(/[<>]/g, '').trim()), say('250 OK'));
        else if (u === 'DATA') (data = []), say('354 go on');
        else if (u.startsWith('QUIT')) (say('221 bye'), sock.end());
        else say('250 OK');
      }
    });
    sock.on('error', () => {});
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: server.address().port,
    received,
    subjects: () => received.map((m) => (/^Subject: (.*(?:\r\n[ \t].*)*)/m.exec(m.data)?.[1] ?? '').replace(/\r\n[ \t]/g, ' ')),
    close: () =>
      new Promise((r) => {
        for (const s of open) s.destroy();
        server.close(() => r());
      }),
  };
}
