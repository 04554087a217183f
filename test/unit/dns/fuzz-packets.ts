// Hostile input for the DNS server: random bytes, valid queries mutated and cut short,
// compression pointer loops, huge label counts, empty and oversized messages. Seeded, so a
// failure replays. Shared by the fuzz test and the million-packet benchmark.
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import type { Random } from '../../../src/shared/random.js';
import { QTYPE } from '../../../src/dns/records.js';
import { buildQuery } from './dns-client.js';

const NAMES = [
  'web.service.consul',
  'WEB.Service.Consul',
  '_web._tcp.service.consul',
  '_web._v1._prod.service.consul',
  'v1.web.service.dc1.consul',
  'web1.node.consul',
  'nope.service.consul',
  '0a000001.addr.dc1.consul',
  'consul',
  '1.0.0.10.in-addr.arpa',
  'example.org',
  'a.b.c.d.e.f.consul',
];
const TYPES = [QTYPE.A, QTYPE.AAAA, QTYPE.SRV, QTYPE.TXT, QTYPE.ANY, QTYPE.SOA, QTYPE.NS, QTYPE.PTR, QTYPE.AXFR, QTYPE.CNAME, 99, 65535];

const header = (random: Random, counts: [number, number, number, number], flags = 0x0100): Buffer => {
  const out = Buffer.alloc(12);
  out.writeUInt16BE(random.int(0x10000), 0);
  out.writeUInt16BE(flags, 2);
  counts.forEach((c, i) => out.writeUInt16BE(c, 4 + 2 * i));
  return out;
};

const bytes = (random: Random, length: number): Buffer => {
  const out = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) out[i] = random.int(256);
  return out;
};

let junk: Buffer | undefined;
/** 64 KiB of noise made once: slices of it stand for big junky messages. */
function junkBlock(random: Random): Buffer {
  return (junk ??= bytes(random, 65_000));
}

export function validQuery(random: Random): Buffer {
  const name = NAMES[random.int(NAMES.length)]!;
  const type = TYPES[random.int(TYPES.length)]!;
  const edns = random.int(3) === 0 ? [512, 1232, 4096, 65535, 100][random.int(5)] : undefined;
  return buildQuery(name, type, { id: random.int(0x10000), ...(edns === undefined ? {} : { edns }) });
}

/** One hostile message. */
export function hostile(random: Random): Buffer {
  switch (random.int(10)) {
    case 0:
      return bytes(random, random.int(600));
    case 1: {
      // A valid query with a few bytes flipped.
      const q = Buffer.from(validQuery(random));
      for (let n = 1 + random.int(4); n > 0; n--) q[random.int(q.length)] = random.int(256);
      return q;
    }
    case 2: {
      const q = validQuery(random);
      return q.subarray(0, random.int(q.length)); // cut short
    }
    case 3: {
      // Compression pointers: to itself, in a loop, forward past the end, in the question or a record.
      const loops = [
        [0xc0, 12, 0, 1, 0, 1],
        [1, 0x61, 0xc0, 12, 0, 1, 0, 1],
        [1, 0x61, 0xc0, 14, 0, 1, 0, 1],
        [0xc0, 0xff, 0, 1, 0, 1],
      ];
      const question = Buffer.from(loops[random.int(loops.length)]!);
      if (random.int(2) === 0) return Buffer.concat([header(random, [1, 0, 0, 0]), question]);
      const q = validQuery(random);
      const record = Buffer.from([0xc0, q.length, 0, 41, 16, 0, 0, 0, 0, 0, 0, 0]);
      const out = Buffer.concat([q, record]);
      out.writeUInt16BE(Math.min(2, out.readUInt16BE(10) + 1), 10);
      return out;
    }
    case 4: {
      // Huge label counts: many one-byte labels, within 255 octets or past it.
      const count = [100, 127, 128, 200, 3000][random.int(5)]!;
      const labels = Buffer.alloc(count * 2);
      for (let i = 0; i < count; i++) labels.set([1, 0x61 + random.int(26)], i * 2);
      return Buffer.concat([header(random, [1, 0, 0, 0]), labels, Buffer.from([0, 0, 1, 0, 1])]);
    }
    case 5:
      return [Buffer.alloc(0), Buffer.alloc(1), Buffer.alloc(11), header(random, [0, 0, 0, 0])][random.int(4)]!;
    case 6: {
      // Oversized: a valid query followed by up to 64 KiB of junk.
      const q = validQuery(random);
      const junk = junkBlock(random);
      const start = random.int(junk.length - 1000);
      return Buffer.concat([q, junk.subarray(start, start + 1000 + random.int(junk.length - start - 1000))]);
    }
    case 7:
      // Record-count bombs.
      return Buffer.concat([header(random, [random.int(3), random.int(0x10000), random.int(0x10000), random.int(0x10000)]), validQuery(random).subarray(12)]);
    case 8:
      // Odd header bits: responses, other opcodes, reserved Z.
      return Buffer.concat([header(random, [1, 0, 0, 0], random.int(0x10000)), validQuery(random).subarray(12)]);
    default:
      return validQuery(random);
  }
}

/** A garbage collector for heap measurements (node's test runner does not expose one). */
export function gcFunction(): () => void {
  setFlagsFromString('--expose_gc');
  return runInNewContext('gc') as () => void;
}
