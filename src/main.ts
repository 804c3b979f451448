import 'reflect-metadata';
import { AppConfigModule, type LoadedConfig } from './config/config.module.js';
import { ConfigError } from './config/load-config.js';
import { applyGcHelperThreads, applyGcPretenuring } from './runtime/gc-tuning.js';

async function configOrExit(): Promise<LoadedConfig> {
  try {
    return await AppConfigModule.fromEnvironment();
  } catch (err) {
    const line = err instanceof ConfigError ? err.message : `Invalid configuration: ${(err as Error).message}`;
    process.stderr.write(`${line.replace(/\s+/g, ' ')}\n`);
    process.exit(1);
  }
}

async function main(): Promise<void> {
  const loaded = await configOrExit();
  const { config } = loaded;
  // Before the app exists: V8 flags set now apply to every collection of its heap.
  const gcHelpers = applyGcHelperThreads(config.gcHelperThreads);
  applyGcPretenuring(config.gcPretenuring);
  // Loaded only once the configuration is valid: a configuration error exits without loading them.
  const [{ Logger }, { createApp }, { devBanner }, { LifecycleService }] = await Promise.all([
    import('@nestjs/common'),
    import('./create-app.js'),
    import('./dev-banner.js'),
    import('./lifecycle/lifecycle.service.js'),
  ]);
  const { app, port } = await createApp(loaded);
  const logger = new Logger('Bootstrap');
  logger.log({ port, engine: config.engine, node: config.nodeId, gcHelperThreads: gcHelpers, gcPretenuring: config.gcPretenuring }, 'Gateway listening');
  // Last, once the server listens: development mode writes its logs synchronously, so every
  // start-up line is out already and the banner stays on screen.
  if (config.generatedSecrets) process.stdout.write(`${devBanner(config, port)}\n`);

  const lifecycle = app.get(LifecycleService);
  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) {
      lifecycle.hurry();
      return;
    }
    stopping = true;
    logger.log({ signal }, 'Shutting down');
    const deadline = setTimeout(() => {
      logger.warn({ timeoutMs: config.shutdown.timeoutMs }, 'Shutdown timeout reached; exiting');
      process.exit(0);
    }, config.shutdown.timeoutMs);
    deadline.unref();
    try {
      await lifecycle.drain();
      await app.close();
    } catch (err) {
      logger.error({ reason: (err as Error).message }, 'Error during shutdown');
    }
    process.exit(0);
  };
  // `on`, not `once`: a second signal must reach hurry() instead of Node's default, which kills
  // the process mid-drain.
  process.on('SIGTERM', (s) => void stop(s));
  process.on('SIGINT', (s) => void stop(s));
}

main().catch((err: unknown) => {
  process.stderr.write(`Gateway failed to start: ${(err as Error)?.message ?? String(err)}\n`);
  process.exit(1);
});
