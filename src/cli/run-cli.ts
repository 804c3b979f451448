import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/**
 * Runs `main` when the module at `moduleUrl` is the script node was started with (not when a
 * test imports it); an error becomes one `name: message` line on stderr and exit code 2.
 */
export function runCli(name: string, moduleUrl: string, main: (args: string[]) => Promise<void>): void {
  if (!isEntryPoint(moduleUrl)) return;
  main(process.argv.slice(2)).catch((error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`${name}: ${message.split('\n')[0]}\n`);
    process.exitCode = 2;
  });
}

function isEntryPoint(moduleUrl: string): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    // Node reports the real path in import.meta.url, so resolve symlinks (e.g. npx bins) too.
    return moduleUrl === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}
