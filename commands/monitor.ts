import { Flags } from '@oclif/core';
import { BaseCommand } from './base.js';
import { httpBlockingGet } from '../src/tui/health.js';
import { defaultGrpcAddr, formatSnapshot, takeSnapshot, type MonitorSnapshot } from '../src/tui/snapshot.js';

export default class Monitor extends BaseCommand<typeof Monitor> {
  static override summary = 'Watch the cluster live: gossip members, Raft, services and events in a terminal UI.';
  static override description = `Shows, updating as it happens, the gossip pool as the local agent sees it (name, address, status coloured alive/suspect/failed/left, role with the Raft leader marked, datacenter, build, time since the last change), the Raft state (leader, term, commit and applied index, each server's match index, lag and last contact; on servers), the catalog's services with passing/warning/critical check counts, the selected node's services and checks, and a log of joins, failures, leaves, suspicions, leader elections and check transitions.

Membership and Raft arrive on a stream from the agent's gRPC port (ports.grpc: 8502 with -dev; set -grpc-port 8502 on other agents); services and checks through HTTP blocking queries. When the agent cannot be reached a banner says so and the monitor retries with backoff, then resumes with a fresh snapshot.

Keys: arrows or j/k move, Tab switches pane, Enter shows the selected node's detail, / filters by name, address, status, role or tag (key=value), s cycles the sort (S reverses), w toggles the LAN and WAN pools, ? shows help, q or Ctrl-C quits and restores the terminal.

When standard output or input is not a terminal (a pipe, CI), or with --snapshot, it prints one plain snapshot (or --json) and exits 0.`;

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --http-addr 127.0.0.3:8500 --wan',
    '<%= config.bin %> <%= command.id %> | less',
    '<%= config.bin %> <%= command.id %> --json',
  ];

  static override flags = {
    'grpc-addr': Flags.string({
      summary: "Address of the agent's gRPC port (the local agent stream), host:port.",
      description: 'Default: the host of --http-addr, port 8502.',
      env: 'ROSTER_GRPC_ADDR',
      helpValue: '<address>',
    }),
    wan: Flags.boolean({ summary: 'Start on the WAN pool instead of the LAN pool (servers only).' }),
    snapshot: Flags.boolean({ summary: 'Print one plain snapshot and exit, even on a terminal.' }),
  };

  static override environment = {
    ...BaseCommand.environment,
    ROSTER_GRPC_ADDR: 'Used as --grpc-addr when the flag is not given.',
  };

  public async run(): Promise<MonitorSnapshot | undefined> {
    const httpAddr = this.flags['http-addr'];
    const grpcAddr = this.flags['grpc-addr'] || defaultGrpcAddr(httpAddr);
    const interactive = Boolean(process.stdout.isTTY && process.stdin.isTTY);
    if (interactive && !this.flags.snapshot && !this.jsonEnabled()) {
      // React's development build is several times slower (and checks things only tests need);
      // it is chosen when React is first loaded, so load the TUI only now.
      process.env.NODE_ENV ??= 'production';
      // Ink draws only the final frame when it thinks it runs in CI (the CI variable, read once
      // when it loads); on a real terminal the user wants the live view whatever the shell says.
      process.env.CI = '0';
      if ('CONTINUOUS_INTEGRATION' in process.env) process.env.CONTINUOUS_INTEGRATION = '0';
      const { runMonitor } = await import('../src/tui/run.js');
      await runMonitor({ grpcAddr, httpAddr, wan: this.flags.wan });
      return undefined;
    }
    const snapshot = await takeSnapshot({ grpcAddr, httpAddr, get: httpBlockingGet(httpAddr) });
    if (!this.jsonEnabled()) this.log(formatSnapshot(snapshot));
    return snapshot;
  }
}
