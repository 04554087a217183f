import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { load, loadError, workdir } from './fixture.js';

const file = (content: object | string) => workdir({ 'roster.config.json': content });

describe('cross-key rules (Consul builder)', () => {
  it('raft_read_lease is a boolean', async () => {
    assert.equal((await load({ 'data-dir': '/d' }, file({ raft_read_lease: true }))).config.raft.readLease, true);
    assert.match(await loadError({ 'data-dir': '/d' }, file({ raft_read_lease: 'yes' })), /raft_read_lease: expected true or false/);
  });

  it('raft_snapshot_interval is a positive duration', async () => {
    const { config } = await load({ 'data-dir': '/d' }, file({ raft_snapshot_interval: '5s' }));
    assert.equal(config.raft.snapshotIntervalMs, 5_000);
    assert.match(await loadError({ 'data-dir': '/d' }, file({ raft_snapshot_interval: 'soon' })), /raft_snapshot_interval: expected a duration/);
  });

  it('data_dir is required unless -dev', async () => {
    assert.equal(await loadError({}, workdir()), 'data_dir is required: pass -data-dir or set data_dir, or use -dev');
  });

  it('bootstrap_expect is rejected with -dev, naming the flag or the file', async () => {
    assert.equal(await loadError({ dev: true, 'bootstrap-expect': 3 }, workdir()), '-bootstrap-expect: Expect mode cannot be enabled when dev mode is enabled');
    assert.equal(
      await loadError({ dev: true }, file({ bootstrap_expect: 3 })),
      'roster.config.json: bootstrap_expect: Expect mode cannot be enabled when dev mode is enabled',
    );
  });

  it('bootstrap and bootstrap_expect are exclusive, naming both sources', async () => {
    const cwd = workdir({ 'a.json': { server: true, bootstrap: true, data_dir: '/d' }, 'b.json': { bootstrap_expect: 3 } });
    assert.equal(
      await loadError({ 'config-file': ['a.json', 'b.json'] }, cwd),
      'b.json: bootstrap_expect: bootstrap_expect and bootstrap are mutually exclusive (bootstrap set by a.json: bootstrap)',
    );
  });

  it('bootstrap_expect requires server mode', async () => {
    assert.equal(
      await loadError({ 'bootstrap-expect': 3, 'data-dir': '/d' }, workdir()),
      '-bootstrap-expect: bootstrap_expect requires server mode (set "server": true or pass -server)',
    );
  });

  it('bootstrap requires server mode, even next to -dev when a file turns server off', async () => {
    assert.equal(
      await loadError({ bootstrap: true, 'data-dir': '/d' }, workdir()),
      '-bootstrap: bootstrap requires server mode (set "server": true or pass -server)',
    );
    assert.equal(await loadError({ dev: true }, file({ server: false })), 'roster.config.json: server: -dev runs a server; remove "server": false or drop -dev');
  });

  it('bootstrap_expect 1 becomes bootstrap mode, with a warning', async () => {
    const { config, notes } = await load({ server: true, 'bootstrap-expect': 1, 'data-dir': '/d' }, workdir());
    assert.equal(config.bootstrap, true);
    assert.equal(config.bootstrapExpect, 0);
    assert.ok(notes.some((n) => n.level === 'warn' && n.message.includes('same as bootstrap mode')));
  });
});

describe('node name', () => {
  it('defaults to the hostname and rejects whitespace or quotes', async () => {
    assert.equal(await loadError({ 'data-dir': '/d' }, file({ node_name: 'web 1' })), 'roster.config.json: node_name: the node name may not contain whitespace or quotes');
    assert.equal(await loadError({ 'data-dir': '/d', node: 'we"b' }, workdir()), '-node: the node name may not contain whitespace or quotes');
    assert.equal(await loadError({ 'data-dir': '/d', node: '' }, workdir()), '-node: the node name cannot be empty');
  });

  it('names the hostname when the default is the problem', async () => {
    const message = await loadAgentConfigError("bad'host");
    assert.equal(message, `node name (the hostname "bad'host"; pass -node to choose one): the node name may not contain whitespace or quotes`);
  });

  it('accepts a dotted hostname with a warning, as Consul does', async () => {
    const { config, notes } = await load({ 'data-dir': '/d' }, workdir(), 'host.example.com');
    assert.equal(config.nodeName, 'host.example.com');
    assert.ok(notes.some((n) => n.level === 'warn' && n.message.includes('will not be discoverable via DNS')));
  });
});

async function loadAgentConfigError(hostname: string): Promise<string> {
  const { loadAgentConfig } = await import('../../../src/config/index.js');
  try {
    await loadAgentConfig({ 'data-dir': '/d' }, { cwd: workdir(), hostname });
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected loading to fail');
}

describe('single-key errors name the file, the key and what was expected', () => {
  const cases: [string, object, string][] = [
    ['wrong type', { ports: { http: 'abc' } }, 'ports.http: expected a number, got "abc"'],
    ['port range', { ports: { dns: 70000 } }, 'ports.dns: expected a port number from 0 to 65535, or -1 to disable, got 70000'],
    ['whole numbers', { bootstrap_expect: 1.5 }, 'bootstrap_expect: expected a whole number, got 1.5'],
    ['boolean', { server: 'yes' }, 'server: expected true or false, got "yes"'],
    ['list', { retry_join: '10.0.0.1' }, 'retry_join: expected a list, got "10.0.0.1"'],
    ['object', { ports: [8500] }, 'ports: expected an object, got a list'],
    ['duration', { default_query_time: 300 }, 'default_query_time: expected a duration like "5m", "30s" or "250ms", got 300'],
    ['service_ttl', { dns_config: { service_ttl: { web: 'soon' } } }, 'dns_config.service_ttl.web: expected a duration like "5m", "30s" or "250ms", got "soon"'],
    ['udp_answer_limit', { dns_config: { udp_answer_limit: -1 } }, 'dns_config.udp_answer_limit: expected zero or more, got -1'],
    ['node_id', { node_id: 'abc' }, 'node_id: expected a UUID like "adf4238a-882b-9ddc-4a9d-5b6758e4159e", got "abc"'],
    ['datacenter', { datacenter: 'dc 1' }, 'datacenter: expected only letters, digits, "-" and "_", got "dc 1"'],
    ['log_level', { log_level: 'loud' }, 'log_level: expected one of trace, debug, info, warn, error, got "loud"'],
    ['bind template', { bind_addr: '{{ GetPrivateIP }}' }, 'bind_addr: go-sockaddr templates are not supported; give an IP address, got "{{ GetPrivateIP }}"'],
    ['client list', { client_addr: '127.0.0.1 10.0.0.1' }, 'client_addr: expected one IP address (lists are not supported), got "127.0.0.1 10.0.0.1"'],
    ['advertise unspecified', { advertise_addr: '0.0.0.0' }, 'advertise_addr: expected a routable address, not an unspecified one, got "0.0.0.0"'],
    ['recursor', { recursors: ['dns.google'] }, 'recursors[0]: expected an IP address, optionally with a port, got "dns.google"'],
    ['cloud auto-join', { retry_join: ['provider=aws tag_key=x'] }, 'retry_join[0]: cloud auto-join (provider=...) is not supported; list the addresses to join, got "provider=aws tag_key=x"'],
    ['node_meta prefix', { node_meta: { 'consul-x': 'y' } }, 'node_meta: key "consul-x": the "consul-" prefix is reserved'],
    ['node_meta value', { node_meta: { k: 'v'.repeat(513) } }, `node_meta.k: values are at most 512 characters, got "${'v'.repeat(56)}..."`],
    ['encrypt', { encrypt: 'c2hvcnQ=' }, 'encrypt: expected a base64-encoded key of 16, 24 or 32 bytes (make one with "roster keygen"), got "c2hvcnQ="'],
    ['unknown key', { nodeName: 'x' }, 'nodeName: unknown key; did you mean "node_name"?'],
    ['unknown nested key', { dns_config: { onlypassing: true } }, 'dns_config.onlypassing: unknown key; did you mean "only_passing"?'],
    ['unsupported Consul key', { acl: { enabled: true } }, 'acl: not supported by roster: ACLs are not supported'],
    ['unsupported nested key', { ports: { https: 8501 } }, 'ports.https: not supported by roster: TLS is not supported'],
    ['telemetry object', { telemetry: 'on' }, 'telemetry: expected an object, got "on"'],
    ['telemetry boolean', { telemetry: { disable_hostname: 'yes' } }, 'telemetry.disable_hostname: expected true or false, got "yes"'],
    ['telemetry prefix type', { telemetry: { metrics_prefix: 5 } }, 'telemetry.metrics_prefix: expected a string, got 5'],
    ['telemetry prefix', { telemetry: { metrics_prefix: 'my app' } }, 'telemetry.metrics_prefix: expected letters, digits, "_", "-" and "." only (it starts every metric name), got "my app"'],
    ['telemetry unknown key', { telemetry: { metricsPrefix: 'x' } }, 'telemetry.metricsPrefix: unknown key; did you mean "metrics_prefix"?'],
  ];
  for (const [name, content, expected] of cases) {
    it(name, async () => {
      assert.equal(await loadError({ dev: true }, file(content)), `roster.config.json: ${expected}`);
    });
  }

  it('names the flag for a bad flag value', async () => {
    assert.equal(await loadError({ dev: true, 'http-port': 70000 }, workdir()), '-http-port: expected a port number from 0 to 65535, or -1 to disable, got 70000');
    assert.equal(await loadError({ dev: true, 'node-meta': ['consul-id:1'] }, workdir()), '-node-meta: key "consul-id": the "consul-" prefix is reserved');
    assert.equal(await loadError({ dev: true, recursor: ['x'] }, workdir()), '-recursor: expected an IP address, optionally with a port, got "x"');
  });

  it('the top level must be an object', async () => {
    assert.equal(await loadError({ dev: true }, file('[1, 2]')), 'roster.config.json: expected an object of configuration keys at the top level, got a list');
  });
});

describe('normalisation', () => {
  it('lower-cases the domain and datacenter and adds the trailing dot', async () => {
    const { config } = await load({ dev: true, domain: 'Example.COM', 'alt-domain': 'alt.consul.' }, file({ datacenter: 'DC-East' }));
    assert.equal(config.domain, 'example.com.');
    assert.equal(config.altDomain, 'alt.consul.');
    assert.equal(config.datacenter, 'dc-east');
  });

  it('adds port 53 to recursors and parses dns_config durations', async () => {
    const { config } = await load(
      { dev: true },
      file({ recursors: ['8.8.8.8', '::1', '[::1]:5353'], dns_config: { node_ttl: '10s', service_ttl: { '*': '5s', web: '1m' } }, max_query_time: '30s' }),
    );
    assert.deepEqual(config.dns.recursors, ['8.8.8.8:53', '[::1]:53', '[::1]:5353']);
    assert.equal(config.dns.nodeTtlMs, 10_000);
    assert.deepEqual(config.dns.serviceTtlMs, { '*': 5000, web: 60_000 });
    assert.equal(config.maxQueryTimeMs, 30_000);
  });

  it('ties the HTTP body limit to kv_max_value_size', async () => {
    const { config } = await load({ dev: true }, file({ limits: { kv_max_value_size: 1024 * 1024, http_max_conns_per_client: 10 } }));
    assert.equal(config.limits.kvMaxValueSize, 1024 * 1024);
    assert.ok(config.limits.httpMaxBodyBytes >= Math.ceil((1024 * 1024 * 4) / 3), 'room for a base64 value in /v1/txn');
  });

  it('accepts ui/ui_config with a debug note and warns for settings it cannot honour', async () => {
    const { notes } = await load(
      { dev: true },
      file({ ui_config: { enabled: true }, ui: true, telemetry: { prometheus_retention_time: '60s', statsd_address: '127.0.0.1:8125', circonus_api_token: 't', 'disable_compat_1.9': true } }),
    );
    assert.deepEqual(notes, [
      { level: 'debug', message: 'roster.config.json: ui: ignored (roster has no web UI)' },
      { level: 'debug', message: 'roster.config.json: ui_config: ignored (roster has no web UI)' },
      { level: 'debug', message: 'roster.config.json: telemetry.prometheus_retention_time: ignored (roster always serves /v1/agent/metrics?format=prometheus)' },
      { level: 'warn', message: 'roster.config.json: telemetry.statsd_address: ignored (roster pushes metrics nowhere; scrape /v1/agent/metrics)' },
      { level: 'warn', message: 'roster.config.json: telemetry.circonus_api_token: ignored (roster pushes metrics nowhere; scrape /v1/agent/metrics)' },
      { level: 'debug', message: 'roster.config.json: telemetry.disable_compat_1.9: ignored (roster has no pre-1.9 metric names)' },
    ]);
  });

  it('names metrics with telemetry.metrics_prefix ("consul") and the host name unless disable_hostname', async () => {
    const plain = await load({ dev: true }, workdir());
    assert.deepEqual(plain.config.telemetry, { metricsPrefix: 'consul', gaugeHostname: 'test-host' });
    const set = await load({ dev: true }, file({ telemetry: { metrics_prefix: 'roster', disable_hostname: true } }));
    assert.deepEqual(set.config.telemetry, { metricsPrefix: 'roster', gaugeHostname: '' });
  });
});

describe('unreadable files', () => {
  it('garbage JSON names the file and the place', async () => {
    const message = await loadError({ dev: true }, file('{\n  "datacenter": "dc1",\n}\n'));
    assert.match(message, /^roster\.config\.json: invalid JSON: .+ \(line 3, column 1\)$/);
  });

  it('garbage YAML names the file and the line', async () => {
    const cwd = workdir({ 'bad.yaml': 'datacenter: [dc1\nserver: true\n' });
    const message = await loadError({ dev: true, 'config-file': ['bad.yaml'] }, cwd);
    assert.match(message, /^bad\.yaml: invalid YAML: .*line \d+/);
    assert.ok(!message.includes('\n'), 'one line');
  });

  it('duplicate YAML keys are an error, not a silent override', async () => {
    const cwd = workdir({ '.rosterrc.yaml': 'datacenter: a\ndatacenter: b\n' });
    assert.match(await loadError({ dev: true }, cwd), /^\.rosterrc\.yaml: invalid YAML: Map keys must be unique/);
  });

  it('HCL is rejected with a pointer to JSON or YAML, as a file or inside a directory', async () => {
    const cwd = workdir({ 'agent.hcl': 'datacenter = "dc1"\n', 'conf.d/a.json': {}, 'conf.d/b.hcl': 'server = true\n' });
    assert.equal(
      await loadError({ dev: true, 'config-file': ['agent.hcl'] }, cwd),
      'agent.hcl: HCL is not supported; write the configuration as JSON or YAML (the keys are the same)',
    );
    assert.equal(
      await loadError({ dev: true, 'config-dir': ['conf.d'] }, cwd),
      `${join('conf.d', 'b.hcl')}: HCL is not supported; write the configuration as JSON or YAML (the keys are the same)`,
    );
  });

  it('missing files and directories, and unknown extensions', async () => {
    const cwd = workdir({ 'agent.toml': '' });
    assert.equal(await loadError({ dev: true, 'config-file': ['nope.json'] }, cwd), 'nope.json: cannot read configuration file: no such file or directory');
    assert.equal(await loadError({ dev: true, 'config-dir': ['nope.d'] }, cwd), 'nope.d: cannot read configuration directory: no such file or directory');
    assert.equal(await loadError({ dev: true, 'config-file': ['agent.toml'] }, cwd), 'agent.toml: unknown configuration format; use a .json, .yaml or .yml file');
  });
});
