// docs/configuration.md lists exactly the environment variables the gateway accepts: every
// property of the config DTO (and every variable load-config.ts reads), no more, no fewer, in
// one well-formed table. Adding a variable means adding its row; nothing here needs editing.
import { acceptedVariables } from '../support/config-variables.js';
import { type Line, readRepoFile, sectionLines, type Table, tableCells, tablesOf } from './markdown.js';

const DOC = 'docs/configuration.md';
const SECTION = 'Variables';
const VARIABLE = /^[A-Z][A-Z0-9_]*$/;

/** The backticked UPPER_CASE names in a row's first cell (`PORT`, `HOST`), one row may hold several. */
function variablesOfRow(row: string): string[] {
  return [...tableCells(row)[0].matchAll(/`([^`]+)`/g)].map((m) => m[1]).filter((name) => VARIABLE.test(name));
}

function variablesTables(): Table[] {
  return tablesOf(sectionLines(readRepoFile(DOC), SECTION));
}

/** Every row of the section's tables: the name checks below still say what is missing when the table is split. */
function variableRows(): Line[] {
  return variablesTables().flatMap((table) => table.rows);
}

describe(`${DOC}`, () => {
  it(`has one table under "## ${SECTION}", every row with the header's columns (a blank line would split it)`, () => {
    const tables = variablesTables();
    const found = tables.map((t) => (t.header.length > 0 ? `table at line ${t.line}` : `rows without a header at line ${t.line} (a blank line above them?)`));
    expect(found).toEqual([`table at line ${tables[0]?.line}`]);
    const table = tables[0];
    expect(table.header).toEqual(['variable', 'default', 'meaning']);
    const malformed = table.rows.filter((row) => tableCells(row.text).length !== table.header.length).map((row) => `line ${row.number}`);
    expect(malformed).toEqual([]);
    const unnamed = table.rows.filter((row) => variablesOfRow(row.text).length === 0).map((row) => `line ${row.number}`);
    expect(unnamed).toEqual([]);
  });

  it('names each variable in one row only', () => {
    const names = variableRows().flatMap((row) => variablesOfRow(row.text));
    const repeated = names.filter((name, i) => names.indexOf(name) !== i);
    expect(repeated).toEqual([]);
  });

  it('lists exactly the variables the config DTO and load-config.ts accept', () => {
    const accepted = acceptedVariables();
    // A sanity floor: the DTO's metadata was found at all.
    expect(accepted.size).toBeGreaterThan(50);
    expect(accepted).toContain('PORT');
    const documented = new Set(variableRows().flatMap((row) => variablesOfRow(row.text)));
    const undocumented = [...accepted].filter((name) => !documented.has(name)).sort();
    const unknown = [...documented].filter((name) => !accepted.has(name)).sort();
    // undocumented: add a row to docs/configuration.md; unknown: the row names a variable the gateway does not read.
    expect({ undocumented, unknown }).toEqual({ undocumented: [], unknown: [] });
  });
});

describe('the configuration table check itself', () => {
  it('sees a row cut off by a blank line and the names of a row with several variables', () => {
    const doc = [
      '## Variables',
      '| variable | default | meaning |',
      '| --- | --- | --- |',
      '| `PORT`, `HOST` | 3000, 0.0.0.0 | listener |',
      '',
      '| `LOG_LEVEL` | info | logs |',
      '## Next',
    ].join('\n');
    const tables = tablesOf(sectionLines(doc, 'Variables'));
    expect(tables).toHaveLength(2);
    expect(tables[1].header).toEqual([]);
    expect(variablesOfRow(tables[0].rows[0].text)).toEqual(['PORT', 'HOST']);
    expect(variablesOfRow('| `JWT_ALGORITHMS` | HS256 | an `HS256` \\| `RS256` allowlist |')).toEqual(['JWT_ALGORITHMS']);
  });
});
