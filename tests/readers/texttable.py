# Reads a plain-text table (the txt format) the way a terminal shows it, independently of the writer: display widths
# come from the `wcwidth` package (>= 0.7, Unicode 17 tables, grapheme-aware: a flag, an emoji with its skin tone or
# a ZWJ family is one picture), and each line is cut at the column boundaries of the rule line above it (runs of '-'
# two spaces apart), grapheme cluster by grapheme cluster. Prints JSON:
# { lines: [{ kind: header|rule|row, width (wcswidth of the line), cellWidths (wcswidth of each cell's text, padding left out),
#             cells: [raw text of each column's cells, padding kept] }],
#   errors: [what does not line up: a non-space between columns, a character across a boundary, a line past the rule] }
import json, re, sys
from wcwidth import iter_graphemes, wcswidth

RULE = re.compile(r'^-+(  -+)*$')

def positions(line):
    at, out = 0, []
    for g in iter_graphemes(line):
        w = wcswidth(g)
        if w < 0:
            raise SystemExit(f'unprintable {g!r} in {line!r}')
        out.append((at, w, g))
        at += w
    return out, wcswidth(line)

text = open(sys.argv[1], encoding='utf-8').read()
if not text.endswith('\n'):
    raise SystemExit('the file does not end with a newline')
lines = text[:-1].split('\n')
result, errors, bounds = [], [], None
for n, line in enumerate(lines):
    if RULE.match(line):
        bounds = [(m.start(), m.end()) for m in re.finditer(r'-+', line)]
        result.append({'kind': 'rule', 'width': len(line), 'cellWidths': [], 'cells': []})
        continue
    if bounds is None and not (n + 1 < len(lines) and RULE.match(lines[n + 1])):
        raise SystemExit(f'line {n + 1} comes before any rule')
    chars, width = positions(line)
    kind = 'header' if n + 1 < len(lines) and RULE.match(lines[n + 1]) else 'row'
    own = [(m.start(), m.end()) for m in re.finditer(r'-+', lines[n + 1])] if kind == 'header' else bounds
    cells = [''] * len(own)
    for at, w, ch in chars:
        col = next((i for i, (s, e) in enumerate(own) if s <= at < e), None)
        if col is None:
            if ch != ' ':
                errors.append(f'line {n + 1}: {ch!r} at cell {at} is outside every column')
            continue
        if at + w > own[col][1]:
            errors.append(f'line {n + 1}: {ch!r} at cell {at} runs across the end of column {col + 1}')
        cells[col] += ch
    if width > own[-1][1]:
        errors.append(f'line {n + 1} is {width} cells wide, past its rule ({own[-1][1]})')
    # Pad each cell to its column so that alignment can be checked: a cell's text sits at its column's left
    # or right edge.
    widths = [wcswidth(c.strip(' ')) for c in cells]
    for i, (s, e) in enumerate(own):
        cells[i] += ' ' * (e - s - wcswidth(cells[i]))
    result.append({'kind': kind, 'width': width, 'cellWidths': widths, 'cells': cells})
print(json.dumps({'lines': result, 'errors': errors}, ensure_ascii=False))
