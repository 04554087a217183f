// A million hostile DNS packets through the answering core, in process: packets per second and
// the heap before and after (after a forced GC), i.e. "memory flat over a million packets".
// Usage: node --import tsx test/bench/dns-fuzz.ts [--packets 1000000] [--seed N]
import { DnsAnswerer } from '../../src/dns/answer.js';
import { silentLogger } from '../../src/shared/logger.js';
import { seededRandom } from '../../src/shared/random.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { catalogWith, dnsConfig } from '../unit/dns/dns-fixtures.js';
import { gcFunction, hostile } from '../unit/dns/fuzz-packets.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
};
const packets = arg('--packets', 1_000_000);
const seed = arg('--seed', 7);

const { store } = await catalogWith(
  Array.from({ length: 20 }, (_, i) => ({ node: `web${i}`, address: `10.0.0.${i + 1}`, service: 'web', tags: ['v1', 'prod'], nodeMeta: { rack: `r${i}` } })),
);
const answerer = new DnsAnswerer({
  reader: store,
  domains: { domain: 'consul', altDomain: '' },
  datacenter: 'dc1',
  dns: dnsConfig(),
  logger: silentLogger(),
  random: seededRandom(seed),
  clock: new ManualClock(),
  recursor: undefined,
});
const random = seededRandom(seed);
const gc = gcFunction();
const mb = (n: number): string => (n / 1024 / 1024).toFixed(1);
const run = (count: number): { replies: number; formerr: number } => {
  let replies = 0;
  let formerr = 0;
  for (let i = 0; i < count; i++) {
    const reply = answerer.answer(hostile(random), i % 7 === 0 ? 'tcp' : 'udp');
    if (Buffer.isBuffer(reply)) {
      replies++;
      if ((reply[3]! & 0xf) === 1) formerr++;
    }
  }
  return { replies, formerr };
};
run(50_000);
gc();
const heapBefore = process.memoryUsage().heapUsed;
const rssBefore = process.memoryUsage().rss;
const started = performance.now();
const { replies, formerr } = run(packets);
const seconds = (performance.now() - started) / 1000;
gc();
const heapAfter = process.memoryUsage().heapUsed;
console.log(
  `dns fuzz: ${packets.toLocaleString('en-US')} hostile packets in ${seconds.toFixed(1)} s (${Math.round(packets / seconds).toLocaleString('en-US')}/s, generation included); ` +
    `${replies.toLocaleString('en-US')} replies (${formerr.toLocaleString('en-US')} FORMERR), the rest dropped`,
);
console.log(`heap ${mb(heapBefore)} MB → ${mb(heapAfter)} MB (growth ${mb(heapAfter - heapBefore)} MB); RSS ${mb(rssBefore)} → ${mb(process.memoryUsage().rss)} MB; cache ${JSON.stringify(answerer.cache.size())}`);
answerer.close();
