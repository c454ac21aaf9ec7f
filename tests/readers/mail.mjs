// Parses an .eml with mailparser and prints JSON: subject, from, to, text, html, and each attachment's file name,
// content type, size and SHA-256 (so the .NET tests compare attachments byte for byte).
//   node tests/readers/mail.mjs FILE.eml
import fs from 'node:fs';
import crypto from 'node:crypto';
import { simpleParser } from 'mailparser';

const mail = await simpleParser(fs.readFileSync(process.argv[2]));
console.log(JSON.stringify({
  subject: mail.subject,
  from: mail.from?.text,
  to: mail.to?.text,
  text: mail.text,
  html: typeof mail.html === 'string' ? mail.html : null,
  headers: Object.fromEntries([...mail.headers.entries()].filter(([, v]) => typeof v === 'string')),
  attachments: mail.attachments.map((a) => ({
    filename: a.filename, contentType: a.contentType, size: a.size, sha256: crypto.createHash('sha256').update(a.content).digest('hex'),
  })),
}));
