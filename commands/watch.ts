import { Flags } from '@oclif/core';
import { BaseCommand } from './base.js';
import { runHandler, runWatch, watchPlan, WATCH_TYPES, type WatchType } from '../src/cli/watch.js';
import { errorMessage } from '../src/shared/errors.js';

export default class Watch extends BaseCommand<typeof Watch> {
  static override summary = 'Watch a view of the catalog, KV or events, printing it (or running a handler) on every change.';
  static override description = `Asks the agent with blocking queries and, each time the answer changes (and once at the start), prints it as JSON on standard output, or, with a handler, runs the handler with the JSON on its standard input (through /bin/sh -c; CONSUL_INDEX and ROSTER_INDEX hold the answer's X-Consul-Index). Handlers run one at a time. The watch runs until interrupted (Ctrl-C).

Types: key (-key K: the entry, null when absent), keyprefix (-prefix P: the entries under P), services (the service-to-tags map), nodes, service (-service S: health entries; -tag, -passingonly filter), checks (every check, those in -state, or those of -service), event (user events, -name filters).

A change is a different answer: an index that moves while the answer stays the same (a write elsewhere in the table) prints nothing.`;

  static override examples = [
    '<%= config.bin %> <%= command.id %> -type key -key config/web/port',
    '<%= config.bin %> <%= command.id %> -type keyprefix -prefix config/ -handler "jq length"',
    '<%= config.bin %> <%= command.id %> -type service -service web -passingonly',
    '<%= config.bin %> <%= command.id %> -type checks -state critical',
    '<%= config.bin %> <%= command.id %> -type event -name deploy -handler ./on-deploy.sh',
  ];

  static override flags = {
    type: Flags.string({ summary: 'What to watch.', options: [...WATCH_TYPES], required: true }),
    key: Flags.string({ summary: 'The key, for -type key.', helpValue: '<key>' }),
    prefix: Flags.string({ summary: 'The key prefix, for -type keyprefix.', helpValue: '<prefix>' }),
    service: Flags.string({ summary: 'The service, for -type service (and optionally checks).', helpValue: '<name>' }),
    tag: Flags.string({ summary: 'With -type service: only instances with this tag (repeatable: all of them).', multiple: true, helpValue: '<tag>' }),
    passingonly: Flags.boolean({ summary: 'With -type service: only instances whose checks all pass.' }),
    state: Flags.string({ summary: 'With -type checks: only checks in this state.', options: ['any', 'passing', 'warning', 'critical'] }),
    name: Flags.string({ summary: 'With -type event: only events of this name.', helpValue: '<name>' }),
    handler: Flags.string({ summary: 'Command to run on each change, with the JSON on its standard input.', helpValue: '<command>' }),
    once: Flags.boolean({ summary: 'Print (or handle) the current value once and exit.' }),
  };

  public async run(): Promise<unknown> {
    const f = this.flags;
    const plan = watchPlan({ type: f.type as WatchType, key: f.key, prefix: f.prefix, service: f.service, tag: f.tag, passingOnly: f.passingonly, state: f.state, name: f.name });
    const handler = f.handler;
    const abort = new AbortController();
    const stop = (): void => abort.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    let lastValue: unknown;
    try {
      await runWatch(
        f['http-addr'],
        plan,
        async (value, index) => {
          lastValue = value;
          const json = JSON.stringify(value, null, 2);
          if (handler) {
            const code = await runHandler(handler, json, { CONSUL_INDEX: index, ROSTER_INDEX: index });
            if (code !== 0) process.stderr.write(`roster watch: handler exited with status ${code}\n`);
          } else if (!(this.jsonEnabled() && f.once)) {
            process.stdout.write(`${json}\n`);
          }
        },
        { signal: abort.signal, once: f.once, onError: (err) => process.stderr.write(`roster watch: ${errorMessage(err)} (retrying)\n`) },
      );
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
    return lastValue;
  }
}
