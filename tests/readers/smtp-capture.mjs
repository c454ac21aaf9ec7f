// A real SMTP server for the tests (npm smtp-server) that keeps every message it accepts as DIR/<n>.eml, and
// beside it DIR/<n>.session.json: whether the message came over TLS (after STARTTLS) and the envelope.
//   node tests/readers/smtp-capture.mjs PORT DIR                    no STARTTLS: plain text only
//   node tests/readers/smtp-capture.mjs PORT DIR KEY.pem CERT.pem   offers STARTTLS with that key and certificate
// Prints "listening" when ready.
import fs from 'node:fs';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';

const [port, dir, keyFile, certFile] = [Number(process.argv[2]), process.argv[3], process.argv[4], process.argv[5]];
fs.mkdirSync(dir, { recursive: true });
const tls = keyFile && certFile ? { key: fs.readFileSync(keyFile), cert: fs.readFileSync(certFile) } : null;
let n = 0;
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: tls ? ['AUTH'] : ['STARTTLS', 'AUTH'],
  ...(tls ?? {}),
  size: 64 * 1024 * 1024,
  logger: false,
  onData(stream, session, callback) {
    const chunks = [];
    stream.on('data', (c) => chunks.push(c));
    stream.on('end', () => {
      const base = path.join(dir, `${Date.now()}-${++n}`);
      fs.writeFileSync(`${base}.session.json`, JSON.stringify({
        secure: session.secure, from: session.envelope.mailFrom?.address, to: session.envelope.rcptTo.map((r) => r.address),
      }));
      fs.writeFileSync(`${base}.eml.tmp`, Buffer.concat(chunks));
      fs.renameSync(`${base}.eml.tmp`, `${base}.eml`);
      callback(null, `queued as ${path.basename(base)}.eml`);
    });
  },
});
server.listen(port, '127.0.0.1', () => console.log('listening'));
