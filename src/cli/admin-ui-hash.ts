import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import bcrypt from 'bcryptjs';
import { parseFlags, runCli, UsageError } from './run-cli.js';

export const DEFAULT_COST = 12;
export const MIN_COST = 10;
export const MAX_COST = 15;
export const MIN_PASSWORD_LENGTH = 12;
/** bcrypt reads only the first 72 bytes: a longer password would be accepted by its prefix alone. */
export const MAX_PASSWORD_BYTES = 72;

const USAGE = `Usage: npm run admin-ui:hash [-- --cost ${MIN_COST}-${MAX_COST}]

Prints the bcrypt hash of an Admin UI password, for ADMIN_UI_PASSWORD_HASH. The password is
asked twice without echo on a terminal, or read from stdin: one line, whose newline is dropped;
never pass it as an argument. ${MIN_PASSWORD_LENGTH} characters to ${MAX_PASSWORD_BYTES} bytes.

  --cost, -c  bcrypt cost factor (default ${DEFAULT_COST}): each login costs the gateway 2^cost rounds
  --help, -h  show this help
`;


export interface HashOptions {
  cost: number;
  help: boolean;
}

/** Pure argument parsing; throws an Error with a one-line message on bad input. */
export function parseArgs(argv: string[]): HashOptions {
  const { values } = parseFlags(argv, { cost: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } });
  const cost = values.cost === undefined ? DEFAULT_COST : Number(values.cost);
  if (!Number.isInteger(cost) || cost < MIN_COST || cost > MAX_COST) {
    throw new UsageError(`--cost must be an integer from ${MIN_COST} to ${MAX_COST}`);
  }
  return { cost, help: values.help ?? false };
}

/** Throws when the password is too short or longer than bcrypt reads. */
export function checkPassword(password: string): void {
  if ([...password].length < MIN_PASSWORD_LENGTH) throw new UsageError(`the password needs at least ${MIN_PASSWORD_LENGTH} characters`);
  if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) throw new UsageError(`the password is longer than ${MAX_PASSWORD_BYTES} bytes, which bcrypt ignores beyond`);
}

export function hashPassword(password: string, cost: number): Promise<string> {
  checkPassword(password);
  return bcrypt.hash(password, cost);
}

/**
 * The password from piped input: one line, its newline dropped. Several lines are refused, not
 * hashed as one password with a newline inside (`echo pw; echo pw` piped in, the way a prompt
 * asks twice, would otherwise set the password to "pw\npw").
 */
export function passwordFromInput(input: string): string {
  const password = input.replace(/\r?\n$/, '');
  if (/[\r\n]/.test(password)) throw new UsageError('stdin has more than one line: pipe the password alone, once (printf %s "$PASSWORD" | npm run admin-ui:hash)');
  return password;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Buffer));
  return passwordFromInput(Buffer.concat(chunks).toString('utf8'));
}

/** One line from the terminal, not echoed. */
function askHidden(prompt: string): Promise<string> {
  process.stderr.write(prompt);
  const silent = new Writable({ write: (_chunk, _encoding, done) => done() });
  const rl = createInterface({ input: process.stdin, output: silent, terminal: true });
  return new Promise((resolve) => {
    rl.once('line', (line) => {
      rl.close();
      process.stderr.write('\n');
      resolve(line);
    });
  });
}

async function readPassword(): Promise<string> {
  if (!process.stdin.isTTY) return readStdin();
  const first = await askHidden('Admin UI password: ');
  checkPassword(first);
  if ((await askHidden('Again: ')) !== first) throw new UsageError('the two passwords differ');
  return first;
}

async function main(argv: string[]): Promise<void> {
  const options = parseArgs(argv);
  if (options.help) {
    process.stdout.write(USAGE);
    return;
  }
  process.stdout.write(`${await hashPassword(await readPassword(), options.cost)}\n`);
}

runCli('admin-ui:hash', import.meta.url, main);
