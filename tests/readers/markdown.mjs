// Reads a Markdown file as GitHub does (marked, GFM) and prints its first table as JSON:
// { header: [cell], rows: [[cell]] } where each cell is { html, text }: the HTML a renderer makes of it,
// and that HTML's text (tags dropped, <br> as a line break, entities decoded).
import fs from 'node:fs';
import { marked } from 'marked';

const src = fs.readFileSync(process.argv[2], 'utf8');
const table = marked.lexer(src, { gfm: true }).find((t) => t.type === 'table');
if (!table) { console.error('no table'); process.exit(1); }
const decode = (s) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
const cell = (c) => {
  const html = marked.parser([{ type: 'paragraph', tokens: c.tokens, text: c.text, raw: c.text }]).trim().replace(/^<p>|<\/p>$/g, '');
  return { html, text: decode(html.replace(/<br\s*\/?>/g, '\n').replace(/<[^>]*>/g, '')) };
};
console.log(JSON.stringify({ header: table.header.map(cell), rows: table.rows.map((r) => r.map(cell)) }));
