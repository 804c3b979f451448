import 'reflect-metadata';
import { existsSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { asyncApiText } from '../asyncapi/asyncapi-document.js';

/** Where `npm run asyncapi` writes the document: asyncapi.json at the package root. */
export const ASYNCAPI_FILE = fileURLToPath(new URL('../../asyncapi.json', import.meta.url));

/**
 * `npm run asyncapi` writes the AsyncAPI document; `-- --check` only compares it with the
 * file and exits 1 when the file is stale.
 */
export function run(args: string[], file = ASYNCAPI_FILE): number {
  const text = asyncApiText();
  if (args.includes('--check')) {
    const current = existsSync(file) ? readFileSync(file, 'utf8') : '';
    if (current === text) return 0;
    process.stderr.write(`${file} is out of date: run npm run asyncapi\n`);
    return 1;
  }
  writeFileSync(file, text);
  process.stdout.write(`wrote ${file}\n`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  process.exitCode = run(process.argv.slice(2));
}
