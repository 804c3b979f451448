import { type DynamicModule, Global, Module } from '@nestjs/common';
import { ConfigModule, registerAs } from '@nestjs/config';
import { AppConfig } from './app-config.js';
import { loadConfig } from './load-config.js';

/** A configuration ready for an app: the validated AppConfig, and the module that provides it. */
export interface LoadedConfig {
  config: AppConfig;
  module: DynamicModule;
}

/**
 * Configuration through @nestjs/config. `ConfigModule.forRoot` loads the environment (the
 * process's variables, with `.env` in the working directory under them: real variables win) and
 * validates it with loadConfig as its `validate` function: the environment DTO, then the
 * cross-field rules; a problem throws a ConfigError, one line naming the variable. The AppConfig
 * it builds is registered as the `app` namespace (`registerAs`), and AppConfig, injected by its
 * class everywhere, is that object.
 */
@Global()
@Module({})
export class AppConfigModule {
  /**
   * The process's environment (main.ts). The composition root reads the returned config before
   * the app exists (V8 flags, the engine and the modules it implies); the app gets the same object.
   */
  static async fromEnvironment(envFilePath = '.env'): Promise<LoadedConfig> {
    let config: AppConfig | undefined;
    const app = registerAs('app', () => config as AppConfig);
    const nestConfig = await ConfigModule.forRoot({
      envFilePath,
      validate: (env) => {
        config = loadConfig(env);
        return env;
      },
      load: [app],
    });
    return AppConfigModule.around(config as AppConfig, nestConfig, app.KEY);
  }

  /** A configuration built elsewhere (the e2e tests: loadConfig over an explicit environment); nothing is read from the process. */
  static async forConfig(config: AppConfig): Promise<LoadedConfig> {
    const app = registerAs('app', () => config);
    const nestConfig = await ConfigModule.forRoot({ ignoreEnvFile: true, validatePredefined: false, skipProcessEnv: true, load: [app] });
    return AppConfigModule.around(config, nestConfig, app.KEY);
  }

  /** AppConfigModule over `nestConfig`: AppConfig is the object registered under `key`. */
  private static around(config: AppConfig, nestConfig: DynamicModule, key: string | symbol): LoadedConfig {
    return {
      config,
      module: {
        module: AppConfigModule,
        imports: [nestConfig],
        providers: [{ provide: AppConfig, useFactory: (registered: AppConfig) => registered, inject: [key] }],
        exports: [AppConfig],
      },
    };
  }
}
