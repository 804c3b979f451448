import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs as parseFlags } from 'node:util';
import { encryptField, type CipherFormat } from '../control-bus/producer.js';
import { codecSecretsFromEnvironment } from '../config/environment.js';

export interface CliOptions {
  format: CipherFormat;
  json: boolean;
  help: boolean;
  /** undefined means: read the text from stdin. */
  text: string | undefined;
}

const USAGE = `Usage: npm run encrypt -- [--format gcm|cbc] [--json] ['text']

Encrypts one control-bus field with SECRET_KEY (and SECRET_IV for cbc) from the
environment and prints it on stdout.

  --format, -f  gcm (default, recommended) or cbc (legacy hash_data format)
  --json        the text is JSON: validate it and encrypt its compact form
  --help, -h    show this help

Without 'text' the input is read from stdin (one trailing newline is dropped).
`;

class UsageError extends Error {}

/** Pure argument parsing; throws an Error with a one-line message on bad input. */
export function parseArgs(argv: string[]): CliOptions {
  let parsed;
  try {
    parsed = parseFlags({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: {
        format: { type: 'string', short: 'f' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  const format = values.format ?? 'gcm';
  if (format !== 'gcm' && format !== 'cbc') {
    throw new UsageError(`unknown format '${format}' (expected gcm or cbc)`);
  }
  if (positionals.length > 1) {
    throw new UsageError('expected a single text argument; quote it');
  }
  return { format, json: values.json ?? false, help: values.help ?? false, text: positionals[0] };
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

async function main(argv: string[]): Promise<void> {
  const options = parseArgs(argv);
  if (options.help) {
    process.stdout.write(USAGE);
    return;
  }
  const { secretKey, secretIv } = codecSecretsFromEnvironment();
  if (!secretKey) throw new UsageError('SECRET_KEY is not set');
  if (options.format === 'cbc' && !secretIv) throw new UsageError('SECRET_IV is required for --format cbc');

  let text = options.text ?? (await readStdin());
  if (options.json) {
    try {
      text = JSON.stringify(JSON.parse(text));
    } catch {
      throw new UsageError('--json: the input is not valid JSON');
    }
  }
  process.stdout.write(`${encryptField(text, { secretKey, secretIv, format: options.format })}\n`);
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    // Node reports the real path in import.meta.url, so resolve symlinks (e.g. npx bins) too.
    return import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`encrypt: ${message.split('\n')[0]}\n`);
    process.exitCode = 2;
  });
}
