import { encryptField, sealMessage, type CipherFormat } from '../control-bus/producer.js';
import { codecSecretsFromEnvironment, controlPrefixFromEnvironment } from '../config/environment.js';
import { parseFlags, runCli, UsageError } from './run-cli.js';

export interface CliOptions {
  /** `seal` (default): a whole sealed message; `field`: one encrypted field (legacy form). */
  mode: 'seal' | 'field';
  /** Seal mode: emit, force-logout, kick (prefixed) or a full channel name. */
  channel: string | undefined;
  format: CipherFormat;
  json: boolean;
  help: boolean;
  /** undefined means: read the text from stdin. */
  text: string | undefined;
}

const USAGE = `Usage: npm run encrypt -- --channel emit|force-logout|kick|<channel> ['message JSON']
       npm run encrypt -- --field [--format gcm|cbc] [--json] ['text']

By default seals a whole control message (recommended; the only form accepted with
CONTROL_ALLOW_LEGACY=false) with SECRET_KEY from the environment and prints the JSON
to publish on that channel. A sealed message is accepted within 60 s, once.

  --channel, -c  emit, force-logout or kick (prefixed with SOCKET_CONTROL_PREFIX,
                 default socket:control), or the full channel name
  --field        encrypt one field instead (the legacy field-by-field form)
  --format, -f   field cipher: gcm (default) or cbc (legacy hash_data format,
                 needs SECRET_IV); implies --field
  --json         field mode: the text is JSON; validate it and encrypt its compact form
  --help, -h     show this help

Without the text argument the input is read from stdin (one trailing newline is dropped).
`;

const SHORT_CHANNELS = ['emit', 'force-logout', 'kick'];


/** Pure argument parsing; throws an Error with a one-line message on bad input. */
export function parseArgs(argv: string[]): CliOptions {
  const { values, positionals } = parseFlags(
    argv,
    {
      format: { type: 'string', short: 'f' },
      channel: { type: 'string', short: 'c' },
      field: { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    true,
  );
  const format = values.format ?? 'gcm';
  if (format !== 'gcm' && format !== 'cbc') {
    throw new UsageError(`unknown format '${format}' (expected gcm or cbc)`);
  }
  if (positionals.length > 1) {
    throw new UsageError('expected a single text argument; quote it');
  }
  const mode = values.field || values.format !== undefined ? 'field' : 'seal';
  if (mode === 'field' && values.channel !== undefined) throw new UsageError('--channel seals a message; drop --field/--format');
  return { mode, channel: values.channel, format, json: values.json ?? false, help: values.help ?? false, text: positionals[0] };
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
  if (options.mode === 'seal') {
    if (!options.channel) throw new UsageError('--channel is required to seal a message (or use --field to encrypt one field)');
    const channel = SHORT_CHANNELS.includes(options.channel) ? `${controlPrefixFromEnvironment()}:${options.channel}` : options.channel;
    let message: unknown;
    try {
      message = JSON.parse(options.text ?? (await readStdin()));
    } catch {
      throw new UsageError('the message is not valid JSON');
    }
    if (typeof message !== 'object' || message === null || Array.isArray(message)) throw new UsageError('the message must be a JSON object');
    process.stdout.write(`${sealMessage(channel, message as Record<string, unknown>, { secretKey })}\n`);
    return;
  }
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

runCli('encrypt', import.meta.url, main);
