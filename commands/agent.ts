import { writeFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { Command, Flags } from '@oclif/core';
import { startAgent, type RunningAgent } from '../src/agent/start.js';
import { loadAgentConfig, type AgentConfig, type ConfigNote } from '../src/config/index.js';
import { startupLines } from '../src/config/summary.js';
import { reloadOnSighup, signalAction, type ReloadableAgent, type SignalledAgent } from '../src/agent/signals.js';
import { errorMessage, isAppError } from '../src/shared/errors.js';
import { createLogger, type Logger } from '../src/shared/logger.js';

const many = (description: string) => Flags.string({ description, multiple: true, multipleNonGreedy: true });
const port = (description: string) => Flags.integer({ description, min: -1, max: 65535 });

export default class Agent extends Command {
  static override summary = 'Run a roster agent: a server (Raft voter, catalog holder) or a client';

  static override description = `Starts the long-running agent process. Configuration comes from, in increasing priority:
defaults, roster.config.{json,yaml,yml} or .rosterrc{,.json,.yaml,.yml} in the working directory,
each -config-file, each -config-dir (*.json, *.yaml, *.yml, alphabetical), then flags. Keys are
Consul's JSON configuration keys, so Consul service definitions load unchanged. HCL is not read.

-dev runs a single in-memory server bound to 127.0.0.1, for development. Otherwise -data-dir is
required. On SIGINT a client leaves the cluster gracefully, a server just stops
(skip_leave_on_interrupt); on SIGTERM a client leaves, a server just stops (leave_on_terminate).
A second signal exits at once. SIGHUP (or "roster reload") reads the configuration files again and
applies their service and check definitions. With -retry-max N, the agent exits with status 1 after
N failed join attempts.`;

  static override examples = [
    { description: 'Development mode: one in-memory server on 127.0.0.1', command: '<%= config.bin %> agent -dev' },
    {
      description: 'A server in a three-server cluster',
      command: '<%= config.bin %> agent -server -bootstrap-expect 3 -data-dir /var/lib/roster -retry-join 10.0.0.11 -retry-join 10.0.0.12',
    },
    { description: 'A client reading service definitions from a directory', command: '<%= config.bin %> agent -data-dir /var/lib/roster -config-dir /etc/roster.d' },
  ];

  static override flags = {
    dev: Flags.boolean({ description: 'Run a single in-memory server for development (no data dir, loopback only, debug logs)' }),
    server: Flags.boolean({ description: 'Run in server mode: vote in Raft and hold the catalog' }),
    bootstrap: Flags.boolean({ description: 'Let this server elect itself leader; never on more than one server' }),
    'bootstrap-expect': Flags.integer({ description: 'Servers to wait for before bootstrapping the cluster', min: 0 }),
    'data-dir': Flags.string({ description: 'Directory for persistent state (required unless -dev)' }),
    'config-file': many('Configuration file (.json, .yaml, .yml) to load; repeatable, later files win'),
    'config-dir': many('Directory whose *.json, *.yaml and *.yml files are loaded in alphabetical order; repeatable'),
    datacenter: Flags.string({ description: 'Datacenter name (default dc1)' }),
    domain: Flags.string({ description: 'DNS domain to answer for (default consul.)' }),
    'alt-domain': Flags.string({ description: 'Second DNS domain to answer for' }),
    node: Flags.string({ description: 'Node name, unique in the cluster (default: the hostname)' }),
    'node-id': Flags.string({ description: 'Node ID, a UUID (default: generated and persisted)' }),
    'node-meta': many('Node metadata as key:value; repeatable'),
    bind: Flags.string({ description: 'Address for cluster communication: gossip and server RPC (default 0.0.0.0)' }),
    advertise: Flags.string({ description: 'Address other agents use to reach this one (default: the bind address)' }),
    client: Flags.string({ description: 'Address the HTTP, DNS and gRPC interfaces listen on (default 127.0.0.1)' }),
    'retry-join': many('Address of an agent to join, retried until one succeeds; repeatable'),
    join: many('Alias of -retry-join (deprecated in Consul 1.15)'),
    'retry-join-wan': many('Address of a server in another datacenter to join over the WAN; repeatable'),
    'join-wan': many('Alias of -retry-join-wan'),
    'retry-interval': Flags.string({ description: 'Time to wait between join attempts (default 30s)' }),
    'retry-max': Flags.integer({ description: 'Join attempts before giving up and exiting with status 1 (default 0: retry forever)', min: 0 }),
    'retry-interval-wan': Flags.string({ description: 'Time to wait between WAN join attempts (default 30s)' }),
    'retry-max-wan': Flags.integer({ description: 'WAN join attempts before giving up and exiting with status 1 (default 0: retry forever)', min: 0 }),
    rejoin: Flags.boolean({ description: 'Rejoin the cluster from the peer snapshot even after a graceful leave (rejoin_after_leave)' }),
    'dns-port': port('DNS port (default 8600; -1 disables)'),
    'http-port': port('HTTP API port (default 8500; -1 disables)'),
    'grpc-port': port('gRPC port (default -1, 8502 with -dev)'),
    'serf-lan-port': port('LAN gossip port (default 8301)'),
    'serf-wan-port': port('WAN gossip port (default 8302)'),
    'server-port': port('Server RPC port (default 8300)'),
    'log-level': Flags.string({ description: 'trace, debug, info, warn or error (default info; debug with -dev)' }),
    'log-json': Flags.boolean({ description: 'Log as JSON' }),
    encrypt: Flags.string({ description: 'Base64 gossip encryption key (see "roster keygen")' }),
    recursor: many('Upstream DNS server for names outside the domain; port 53 if none given; repeatable'),
    ui: Flags.boolean({ description: 'Accepted for Consul compatibility; roster has no web UI' }),
    'pid-file': Flags.string({ description: 'Write the agent process ID to this file' }),
    'enable-script-checks': Flags.boolean({ description: 'Allow script checks (args) registered through the HTTP API and config files' }),
    'enable-local-script-checks': Flags.boolean({ description: 'Allow script checks (args) defined in config files only' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Agent);
    const notes: ConfigNote[] = [];
    let config: AgentConfig;
    const cwd = process.cwd();
    try {
      config = await loadAgentConfig(flags, { cwd, hostname: hostname(), onNote: (n) => notes.push(n) });
    } catch (err) {
      return this.failWith(err);
    }
    const logger = createLogger({ level: config.logLevel, json: config.logJson });
    for (const n of notes) logger[n.level]({ module: 'config' }, n.message);
    // `roster reload` and SIGHUP read the same files again, with the same flags.
    const loadConfig = () =>
      loadAgentConfig(flags, { cwd, hostname: hostname(), onNote: (n) => logger[n.level]({ module: 'config' }, n.message) });

    let agent: RunningAgent;
    try {
      const startDeps = { logger, loadConfig };
      agent = await startAgent(config, startDeps);
    } catch (err) {
      if (!isAppError(err)) logger.debug({ err }, 'agent failed to start');
      return this.failWith(err);
    }
    const pidFile = flags['pid-file'];
    if (pidFile) {
      try {
        await writeFile(pidFile, String(process.pid));
      } catch (err) {
        await agent.stop('pid file');
        return this.failWith(`cannot write pid file ${pidFile}: ${errorMessage(err)}`);
      }
    }
    for (const line of startupLines(config, this.config.version, { http: agent.httpPort, dns: agent.dnsPort })) this.log(line);

    const detach = this.stopOnSignals(agent, config, logger);
    const detachReload = reloadOnSighup(agent as RunningAgent & ReloadableAgent, logger);
    await agent.stopped;
    detach();
    detachReload();
    if (pidFile) await rm(pidFile, { force: true });
    this.exit((agent as RunningAgent & SignalledAgent).exitCode ?? 0);
  }

  /**
   * First SIGINT/SIGTERM: leave the cluster then stop, or just stop, as Consul's
   * skip_leave_on_interrupt / leave_on_terminate say. Second: exit now, as Consul does.
   */
  private stopOnSignals(agent: RunningAgent & SignalledAgent, config: AgentConfig, logger: Logger): () => void {
    let caught = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (caught) {
        logger.warn({ signal }, 'caught second signal, exiting now');
        process.exit(1);
      }
      caught = true;
      const leave = signalAction(signal, config) === 'leave' && agent.leave ? () => agent.leave!() : undefined;
      logger.info({ signal, leave: leave !== undefined }, leave ? 'caught signal, leaving the cluster' : 'caught signal, stopping agent');
      (leave ? leave() : agent.stop('signal')).catch((err: unknown) => {
        logger.error({ err: errorMessage(err) }, 'agent did not stop cleanly');
        process.exit(1);
      });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    return () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    };
  }

  /** Operating errors are one line, no stack: the message already says what to fix. */
  private failWith(err: unknown): never {
    process.stderr.write(`Error: ${errorMessage(err)}\n`);
    this.exit(1);
  }
}
