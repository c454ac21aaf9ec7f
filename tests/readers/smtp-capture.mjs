// A real SMTP server for the tests (npm smtp-server) that keeps every message it accepts as DIR/<n>.eml.
//   node tests/readers/smtp-capture.mjs PORT DIR      prints "listening" when ready
import fs from 'node:fs';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';

const [port, dir] = [Number(process.argv[2]), process.argv[3]];
fs.mkdirSync(dir, { recursive: true });
let n = 0;
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  size: 64 * 1024 * 1024,
  logger: false,
  onData(stream, session, callback) {
    const chunks = [];
    stream.on('data', (c) => chunks.push(c));
    stream.on('end', () => {
      const file = path.join(dir, `${Date.now()}-${++n}.eml`);
      fs.writeFileSync(file + '.tmp', Buffer.concat(chunks));
      fs.renameSync(file + '.tmp', file);
      callback(null, `queued as ${path.basename(file)}`);
    });
  },
});
server.listen(port, '127.0.0.1', () => console.log('listening'));
