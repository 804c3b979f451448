// Every relative link in README.md, ARCHITECTURE.md, docs/*.md and the examples' and client package's READMEs resolves: the file exists
// inside the repository, and a `#anchor` names a heading of the Markdown file it points into.
import { existsSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';
import { documentationFiles, headingAnchors, isExternal, linksOf, readRepoFile, REPO_ROOT } from './markdown.js';

interface Broken {
  where: string;
  target: string;
  problem: string;
}

/** Why `target`, linked from the Markdown file `from` (relative to the root), does not resolve; undefined when it does. */
function problemOf(from: string, target: string, anchorsOf: (path: string) => Set<string>): string | undefined {
  const hashAt = target.indexOf('#');
  const rawPath = hashAt < 0 ? target : target.slice(0, hashAt);
  const anchor = hashAt < 0 ? undefined : decodeURIComponent(target.slice(hashAt + 1));
  let path = from;
  if (rawPath !== '') {
    if (rawPath.startsWith('/')) return 'absolute path: link relative to the file instead';
    path = normalize(join(dirname(from), decodeURIComponent(rawPath.split('?')[0])));
    if (path.startsWith(`..${sep}`) || path === '..') return 'points outside the repository';
    if (!existsSync(join(REPO_ROOT, path))) return 'no such file or directory';
  }
  if (anchor === undefined) return undefined;
  if (!path.endsWith('.md') || (rawPath !== '' && statSync(join(REPO_ROOT, path)).isDirectory())) return undefined;
  if (anchor === '') return 'empty anchor';
  return anchorsOf(path).has(anchor) ? undefined : `no heading with the anchor #${anchor} in ${relative('.', path)}`;
}

function brokenLinks(files: string[]): { broken: Broken[]; checked: number } {
  const cache = new Map<string, Set<string>>();
  const anchorsOf = (path: string): Set<string> => {
    if (!cache.has(path)) cache.set(path, headingAnchors(readRepoFile(path)));
    return cache.get(path)!;
  };
  const broken: Broken[] = [];
  let checked = 0;
  for (const file of files) {
    for (const { line, target } of linksOf(readRepoFile(file))) {
      if (isExternal(target)) continue;
      checked++;
      const problem = problemOf(file, target, anchorsOf);
      if (problem) broken.push({ where: `${file}:${line}`, target, problem });
    }
  }
  return { broken, checked };
}

describe('documentation links', () => {
  const files = documentationFiles();

  it('covers the README, ARCHITECTURE.md and the docs/ pages', () => {
    expect(files).toEqual(expect.arrayContaining(['README.md', 'ARCHITECTURE.md', 'docs/protocol.md', 'docs/configuration.md']));
  });

  it('has no broken relative link or anchor', () => {
    const { broken, checked } = brokenLinks(files);
    expect(checked).toBeGreaterThan(50);
    expect(broken).toEqual([]);
  });

  it('never points at files outside the repository (a clone has nothing beside it)', () => {
    const outside = files.flatMap((file) =>
      linksOf(readRepoFile(file))
        .filter((l) => !isExternal(l.target))
        .filter((l) => normalize(join(dirname(file), l.target.split('#')[0])).startsWith('..'))
        .map((l) => `${file}:${l.line} ${l.target}`),
    );
    expect(outside).toEqual([]);
    for (const file of files) expect(readRepoFile(file)).not.toMatch(/\.\.\/shared\b/);
  });
});

describe('the link checker itself', () => {
  const page = [
    '# Title',
    '## 4.1 Direct messages (`send_message`)',
    '## Same',
    '## Same',
    'See [ok](#41-direct-messages-send_message), [second](#same-1), [missing](#nope),',
    '[file](README.md#try-it-in-one-minute), [gone](no-such-file.md) and `[code](ignored.md)`.',
    '```',
    '[fenced](also-ignored.md)',
    '```',
    '[ref]: docs/protocol.md#3-sessions',
  ].join('\n');

  it('reads inline links and reference definitions, not code', () => {
    expect(linksOf(page).map((l) => l.target)).toEqual([
      '#41-direct-messages-send_message',
      '#same-1',
      '#nope',
      'README.md#try-it-in-one-minute',
      'no-such-file.md',
      'docs/protocol.md#3-sessions',
    ]);
  });

  it('gives headings the anchors GitHub gives them', () => {
    expect([...headingAnchors(page)]).toEqual(['title', '41-direct-messages-send_message', 'same', 'same-1']);
    expect(headingAnchors('## 2. User connections (namespace `/`)\n## Coming from SUP Messenger')).toEqual(
      new Set(['2-user-connections-namespace-', 'coming-from-sup-messenger']),
    );
  });

  it('reports a missing file, a missing anchor and a path out of the repository', () => {
    const anchorsOf = (path: string): Set<string> => (path === 'page.md' ? headingAnchors(page) : headingAnchors(readRepoFile(path)));
    expect(problemOf('page.md', '#41-direct-messages-send_message', anchorsOf)).toBeUndefined();
    expect(problemOf('page.md', '#nope', anchorsOf)).toMatch(/no heading/);
    expect(problemOf('docs/page.md', '../README.md#try-it-in-one-minute', anchorsOf)).toBeUndefined();
    expect(problemOf('docs/page.md', '../README.md#not-there', anchorsOf)).toMatch(/no heading/);
    expect(problemOf('docs/page.md', 'no-such-file.md', anchorsOf)).toMatch(/no such file/);
    expect(problemOf('README.md', '../shared/SPEC.md', anchorsOf)).toMatch(/outside the repository/);
  });
});
