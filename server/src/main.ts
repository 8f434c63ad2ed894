import 'reflect-metadata';
import { AppConfig, ConfigError, loadConfig } from './config/app-config';
import { BootError, bootRuntime, BootResult, createApp } from './common/boot';
import { gracefulShutdown } from './common/graceful-shutdown';
import { ShutdownService } from './common/shutdown.service';

const EMBEDDED_RESTART_MS = 10_000;

/** The one line of a failed start (operations.md §1), then exit 1. */
function fail(message: string): never {
  process.stderr.write(`${message.split('\n')[0]}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig(process.env);
  } catch (e) {
    fail(e instanceof ConfigError ? e.message : `Invalid configuration: ${(e as Error).message}`);
  }

  let boot: BootResult;
  try {
    boot = await bootRuntime(config);
  } catch (e) {
    fail(e instanceof BootError ? e.message : `claudemesh failed to start: ${(e as Error).message}`);
  }

  // A stray rejection is a bug to log, not a reason to drop every connection of this node (security.md §6 item 8).
  // An uncaught exception leaves the process in an unknown state: log it as one JSON line, then exit 1 as Node would.
  process.on('unhandledRejection', (reason) => {
    boot.logger.error({ component: 'process', err: reason instanceof Error ? reason.stack : String(reason) }, 'unhandled rejection');
  });
  process.on('uncaughtException', (err) => {
    boot.logger.fatal({ component: 'process', err: err.stack ?? err.message }, 'uncaught exception');
    process.exit(1);
  });

  let app;
  try {
    app = await createApp(boot);
    await app.listen(config.port, config.host);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    boot.logger.error({ component: 'boot', err: err.stack }, 'start failed');
    await boot.dataSource.destroy().catch(() => undefined);
    await boot.embedded?.stop().catch(() => undefined);
    fail(err.code === 'EADDRINUSE' ? `Cannot listen on ${config.host}:${config.port}: the port is in use; set PORT` : `claudemesh failed to start: ${err.message}`);
  }

  // The embedded PostgreSQL is restarted if it crashes (operations.md §3); readiness says db_down meanwhile.
  const embedded = boot.embedded;
  const watchdog = embedded
    ? setInterval(() => {
        if (!embedded.isRunning()) {
          boot.logger.warn({ component: 'embedded-postgres' }, 'embedded PostgreSQL is down; restarting');
          embedded.restart().catch((e: Error) => boot.logger.error({ component: 'embedded-postgres', err: e.message }, 'restart failed'));
        }
      }, EMBEDDED_RESTART_MS)
    : null;
  watchdog?.unref();

  process.stdout.write(`claudemesh is ready at ${config.publicUrl}\n`);
  if (boot.setupToken) process.stdout.write(`First-time setup: ${config.publicUrl}/signup?setup=${boot.setupToken}\n`);

  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      boot.logger.warn({ component: 'shutdown', signal }, 'second signal: not waiting for in-flight work');
      app.get(ShutdownService).skipWaiting();
      return;
    }
    stopping = true;
    if (watchdog) clearInterval(watchdog);
    boot.logger.info({ component: 'shutdown', signal }, 'signal received');
    setTimeout(() => {
      boot.logger.error({ component: 'shutdown' }, 'shutdown did not finish in time');
      process.exit(1);
    }, (config.shutdownGraceSeconds + 10) * 1000).unref();
    gracefulShutdown({
      app,
      dataSource: boot.dataSource,
      graceSeconds: config.shutdownGraceSeconds,
      logger: boot.logger,
      stopDatabase: embedded ? () => embedded.stop() : undefined,
    })
      .then(() => process.exit(0))
      .catch((e: Error) => {
        boot.logger.error({ component: 'shutdown', err: e.stack }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

void main();
