/**
 * Entry points of `roster monitor`: the live TUI on a terminal, one snapshot otherwise.
 */
import { render } from 'ink';
import { watchLocalAgent } from '../rpc/local-api.js';
import { App } from './App.js';
import { httpBlockingGet } from './health.js';
import type { Connector } from './hooks.js';

export function streamConnector(address: string): Connector {
  return (handlers) => watchLocalAgent(address, handlers);
}

/** Alternate screen on, cursor hidden; undone on exit whatever the cause. */
const ENTER = '\u001b[?1049h\u001b[H';
const LEAVE = '\u001b[?25h\u001b[?1049l';

/** Runs the TUI until `q` or Ctrl-C; the terminal is restored before it resolves. */
export async function runMonitor(options: { grpcAddr: string; httpAddr: string; wan: boolean }): Promise<void> {
  const stdout = process.stdout;
  let restored = false;
  const restore = (): void => {
    if (restored) return;
    restored = true;
    stdout.write(LEAVE);
  };
  const onSignal = (): void => {
    restore();
    process.exit(130);
  };
  stdout.write(ENTER);
  process.once('exit', restore);
  process.once('SIGTERM', onSignal);
  process.once('SIGHUP', onSignal);
  try {
    const instance = render(
      <App
        connect={streamConnector(options.grpcAddr)}
        httpGet={httpBlockingGet(options.httpAddr)}
        address={options.grpcAddr}
        initialTab={options.wan ? 'wan' : 'lan'}
      />,
      { exitOnCtrlC: true, patchConsole: true, maxFps: 30 },
    );
    await instance.waitUntilExit();
    instance.cleanup();
  } finally {
    restore();
    process.off('exit', restore);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
  }
}
