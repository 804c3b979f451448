// Just enough Markdown for the documentation tests: the links a page makes, the anchors its
// headings get on GitHub, and its tables. Code blocks and code spans are never read as links.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** README.md, ARCHITECTURE.md and every docs/*.md, relative to the repository root. */
export function documentationFiles(): string[] {
  const docs = readdirSync(join(REPO_ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`);
  return ['README.md', 'ARCHITECTURE.md', ...docs, 'examples/README.md', 'packages/client/README.md'];
}

export function readRepoFile(path: string): string {
  return readFileSync(join(REPO_ROOT, path), 'utf8');
}

export interface Line {
  /** 1-based line number in the file. */
  number: number;
  text: string;
}

/** The lines outside fenced code blocks (``` or ~~~), with their line numbers. */
export function proseLines(markdown: string): Line[] {
  const out: Line[] = [];
  let fence: string | undefined;
  markdown.split('\n').forEach((text, i) => {
    const marker = /^\s{0,3}(`{3,}|~{3,})/.exec(text)?.[1];
    if (fence) {
      if (marker && marker[0] === fence[0] && marker.length >= fence.length) fence = undefined;
      return;
    }
    if (marker) {
      fence = marker;
      return;
    }
    out.push({ number: i + 1, text });
  });
  return out;
}

/** A line with its code spans blanked out, so that `[a](b)` inside backticks is not a link. */
function withoutCodeSpans(text: string): string {
  return text.replace(/(`+)[\s\S]*?\1/g, (span) => ' '.repeat(span.length));
}

export interface Link {
  line: number;
  target: string;
}

/** Inline links and images `[text](target "title")`, and reference definitions `[id]: target`. */
export function linksOf(markdown: string): Link[] {
  const links: Link[] = [];
  for (const { number, text } of proseLines(markdown)) {
    const prose = withoutCodeSpans(text);
    for (const m of prose.matchAll(/\]\(\s*(<[^>]*>|[^\s)]+)(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)/g)) {
      links.push({ line: number, target: m[1].replace(/^<|>$/g, '') });
    }
    const definition = /^\s{0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)/.exec(prose);
    if (definition) links.push({ line: number, target: definition[1].replace(/^<|>$/g, '') });
  }
  return links;
}

/** A link that leaves the repository's files: a scheme (`https:`, `mailto:`) or a protocol-relative URL. */
export function isExternal(target: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//');
}

/** What GitHub renders of a heading's text: code spans, links and emphasis reduced to their words. */
function headingText(raw: string): string {
  return raw
    .replace(/\s+#+\s*$/, '')
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/`+/g, '')
    .replace(/<[^>]+>/g, '')
    .replace(/\*+/g, '');
}

/**
 * The anchor GitHub gives a heading: lower case, every character but letters, digits, spaces,
 * `-` and `_` dropped, each space a `-`; a repeated anchor gets `-1`, `-2`, ….
 */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const { text } of proseLines(markdown)) {
    const heading = /^\s{0,3}#{1,6}\s+(.*)$/.exec(text);
    if (!heading) continue;
    const base = headingText(heading[1])
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

/** The cells of a table row, split on `|` but not on `\|`, without the outer pipes. */
export function tableCells(row: string): string[] {
  const trimmed = row.trim().replace(/^\|/, '').replace(/(?<!\\)\|$/, '');
  return trimmed.split(/(?<!\\)\|/).map((cell) => cell.trim());
}

export interface Table {
  /** Line number of the header row. */
  line: number;
  header: string[];
  rows: Line[];
}

/** Every table among `lines`: a block of consecutive lines starting with `|`, its second line the `---` separator. */
export function tablesOf(lines: Line[]): Table[] {
  const tables: Table[] = [];
  let block: Line[] = [];
  const flush = (): void => {
    if (block.length >= 2 && /^\s*\|?\s*:?-{3,}/.test(block[1].text)) {
      tables.push({ line: block[0].number, header: tableCells(block[0].text), rows: block.slice(2) });
    } else if (block.length > 0) {
      // Rows with no header above them: Markdown prints them as text (a blank line inside a table).
      tables.push({ line: block[0].number, header: [], rows: block });
    }
    block = [];
  };
  let previous = 0;
  for (const line of lines) {
    const isRow = line.text.trimStart().startsWith('|');
    if (isRow && previous === line.number - 1) block.push(line);
    else {
      flush();
      if (isRow) block.push(line);
    }
    previous = line.number;
  }
  flush();
  return tables;
}

/** The lines of the section under the heading `title` (any level), up to the next heading of that level or higher. */
export function sectionLines(markdown: string, title: string): Line[] {
  const lines = proseLines(markdown);
  const start = lines.findIndex((l) => new RegExp(`^#{1,6}\\s+${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`).test(l.text));
  if (start < 0) return [];
  const level = /^#+/.exec(lines[start].text)![0].length;
  const end = lines.findIndex((l, i) => i > start && /^#+\s/.test(l.text) && /^#+/.exec(l.text)![0].length <= level);
  return lines.slice(start + 1, end < 0 ? undefined : end);
}
