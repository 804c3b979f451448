import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';

type FlagOptions = NonNullable<ParseArgsConfig['options']>;
type Flags<O extends FlagOptions, P extends boolean> = ReturnType<typeof parseArgs<{ args: string[]; strict: true; allowPositionals: P; options: O }>>;

/** A mistake in how the program was called: one line, no stack. */
export class UsageError extends Error {}

/** node:util's parseArgs over `argv`, strict; its errors become one-line UsageErrors. */
export function parseFlags<const O extends FlagOptions, const P extends boolean = false>(argv: string[], options: O, allowPositionals?: P): Flags<O, P> {
  try {
    return parseArgs({ args: argv, strict: true as const, allowPositionals: (allowPositionals ?? false) as P, options });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

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
