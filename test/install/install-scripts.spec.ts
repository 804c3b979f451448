// `npm install` and `npm ci` run no dependency's install script and warn about none: every
// package the lockfile marks `hasInstallScript` has a decision in package.json's allowScripts
// (npm 11 runs nothing else, and lists what has none), and Scarf's telemetry is off for npm
// versions that still run install scripts (scarfSettings, which its postinstall reads).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../support/node-process.js';

interface LockEntry {
  hasInstallScript?: boolean;
  link?: boolean;
  name?: string;
}

const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  allowScripts?: Record<string, boolean>;
  scarfSettings?: { enabled?: boolean };
};
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };

/** The package name of a lockfile path: the part after its last `node_modules/`. */
const nameOf = (path: string): string => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);

describe('install scripts', () => {
  const withScripts = Object.entries(lock.packages)
    .filter(([path, entry]) => path.includes('node_modules/') && entry.hasInstallScript && !entry.link)
    .map(([path]) => nameOf(path));

  it('every dependency with an install script has a decision in allowScripts', () => {
    expect(withScripts.length).toBeGreaterThan(0);
    const decided = manifest.allowScripts ?? {};
    expect(withScripts.filter((name) => !(name in decided))).toEqual([]);
    // No stale entries either: each decision names a package that is installed with a script.
    expect(Object.keys(decided).filter((name) => !withScripts.includes(name))).toEqual([]);
  });

  it('runs none of them: the build and the tests need no compiled fallback, and telemetry is refused', () => {
    expect(Object.entries(manifest.allowScripts ?? {}).filter(([, allowed]) => allowed)).toEqual([]);
    expect(manifest.allowScripts?.['@scarf/scarf']).toBe(false);
    expect(manifest.scarfSettings).toEqual({ enabled: false });
  });
});
