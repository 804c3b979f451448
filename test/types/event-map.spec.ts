import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/**
 * The type tests in event-map.types.ts run only if `npm run typecheck` (tsc -p tsconfig.json)
 * compiles that file; this pins it, so moving the file or narrowing `include` cannot silently
 * turn them off.
 */
describe('event map type tests', () => {
  it('are part of the program npm run typecheck compiles', () => {
    const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
    const parsed = ts.getParsedCommandLineOfConfigFile(resolve(root, 'tsconfig.json'), {}, {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    });
    expect(parsed?.fileNames).toContain(resolve(root, 'test/types/event-map.types.ts'));
    const pkg = ts.sys.readFile(resolve(root, 'package.json')) ?? '{}';
    const scripts = (JSON.parse(pkg) as { scripts: Record<string, string> }).scripts;
    expect(scripts.typecheck).toBe('tsc -p tsconfig.json --noEmit');
    expect(scripts.test).toContain('npm run typecheck');
  });
});
