import type { CatalogReader } from '../catalog/reader.js';
import type { DnsConfig } from '../config/types.js';
import { AtMostEvery } from '../shared/at-most-every.js';
import type { Clock } from '../shared/clock.js';
import { errorMessage } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { Random } from '../shared/random.js';
import { AnswerCache, FORWARD, type CachedReply } from './answer-cache.js';
import { QuerySamples, type DnsMetrics } from './metrics.js';
import { parseQuestion, type DnsDomains, type ParsedQuestion } from './parse.js';
import { RCODE, type DnsResponse } from './records.js';
import type { Recursor } from './recursor.js';
import { readerFor, type RemoteCatalog } from './remote.js';
import { resolve, type ResolveOptions } from './resolve.js';
import type { Transport } from './server-transport.js';
import { trimResponse, udpPayloadLimit } from './trim.js';
import { decodeQuery, encodeReply, headerReply, optBytes, questionName, type WireQuery } from './wire.js';

/**
 * One query's bytes → the reply's bytes. The hot path: decode the header and question (no
 * objects beyond a small record), look the question up among prebuilt replies, copy, patch the
 * ID and flags and the question's spelling. On a miss: parse → resolve → trim → encode, a few
 * times over for different shuffles, and keep the results until the catalog changes. Names
 * outside our zones (and reverse names we do not know) go to the recursors when there are any.
 */

export interface AnswererOptions {
  reader: CatalogReader;
  domains: DnsDomains;
  datacenter: string;
  dns: DnsConfig;
  logger: Logger;
  random: Random;
  clock: Clock;
  /** Undefined: no recursors, names outside our zones are REFUSED. */
  recursor: Recursor | undefined;
  /** Other datacenters' catalogs (servers and clients of a federated cluster); undefined: none. */
  remote?: RemoteCatalog;
  /** How current this agent's catalog is; with it, `allow_stale`/`max_stale` are enforced. */
  freshness?: DnsFreshness;
  /** dns.stale_queries and the per-query timings; undefined: nothing is recorded. */
  metrics?: DnsMetrics;
}

/**
 * This agent's view against the leader's. DNS answers from the local catalog (stale by design);
 * when the leader was last heard from longer ago than `max_stale`, or `allow_stale` is off, a
 * query first waits for the local catalog to catch up with the leader (as Consul then asks the
 * leader), and fails with SERVFAIL when that is impossible.
 */
export interface DnsFreshness {
  lastContactMs(): number;
  catchUp(): Promise<void>;
}

/** At most one "stale view" log line this often (for either kind: caught up first, or answered stale). */
const STALE_LOG_EVERY_MS = 10_000;
/** Consul's staleCounterThreshold: an answer from a view older than this counts in dns.stale_queries. */
const STALE_COUNTER_THRESHOLD_MS = 5_000;

/** A TCP reply's upper bound: the 16-bit length prefix. */
const MAX_TCP_MESSAGE = 65535;
/** Orderings prebuilt for an answer of several records (fewer for a small set: n! of them). */
const MAX_VARIANTS = 16;
/** Past this size an answer gets fewer prebuilt orderings (bounding the cache's memory). */
const BIG_REPLY = 4096;

export class DnsAnswerer {
  readonly cache: AnswerCache;
  /** Queries that waited to catch up with the leader because the view was older than max_stale. */
  staleCatchUps = 0;
  private readonly staleLog: AtMostEvery;
  private readonly samples: QuerySamples | undefined;
  private readonly ra: boolean;

  constructor(private readonly options: AnswererOptions) {
    this.cache = new AnswerCache({ reader: options.reader, now: () => options.clock.now() });
    this.staleLog = new AtMostEvery(options.clock, STALE_LOG_EVERY_MS);
    this.samples = options.metrics && new QuerySamples(options.metrics, options.domains);
    this.ra = options.recursor !== undefined;
  }

  close(): void {
    this.cache.close();
    this.staleLog.cancel();
  }

  answer(raw: Buffer, transport: Transport): Buffer | undefined | Promise<Buffer | undefined> {
    const decoded = decodeQuery(raw);
    if (!decoded.ok) {
      this.options.logger.debug({ transport, reason: decoded.reason, bytes: raw.length }, 'malformed query');
      return decoded.rcode === undefined ? undefined : headerReply(raw, decoded.rcode, this.ra);
    }
    const query = decoded.query;
    const sample = this.samples?.for(query.nameKey);
    if (sample === undefined) return this.respond(raw, query, transport);
    // Consul times every query (dns.domain_query / dns.ptr_query), and so does roster: two clock
    // reads and a record add ~125 ns to a ~670 ns prebuilt-reply answer in process, about 1.5% of
    // a query's whole cost at ~130k qps (sockets are most of it); bench:dns showed no loss beyond
    // its noise. The reply is usually at hand now; one that waits (catch-up, recursors, another
    // datacenter) is timed when it settles.
    const { clock } = this.options;
    const started = clock.monotonic();
    const reply = this.respond(raw, query, transport);
    if (reply instanceof Promise) return reply.finally(() => sample.record(clock.monotonic() - started));
    sample.record(clock.monotonic() - started);
    return reply;
  }

  private respond(raw: Buffer, query: WireQuery, transport: Transport): Buffer | undefined | Promise<Buffer | undefined> {
    if (query.edns?.version !== undefined) return this.badVersion(raw, query);
    const { freshness, dns } = this.options;
    if (freshness) {
      const lastContactMs = freshness.lastContactMs();
      if (!dns.allowStale || lastContactMs > dns.maxStaleMs) return this.afterCatchUp(raw, query, transport, freshness);
      if (lastContactMs > STALE_COUNTER_THRESHOLD_MS) this.answeringStale(lastContactMs);
    }
    return this.answerLocal(raw, query, transport);
  }

  /** Within max_stale but past Consul's 5 s threshold: answered from the view, and counted. */
  private answeringStale(lastContactMs: number): void {
    this.options.metrics?.staleQueries.inc();
    if (this.staleLog.take()) {
      this.options.logger.warn(
        { lastContactMs: Math.round(lastContactMs), maxStaleMs: this.options.dns.maxStaleMs },
        'DNS answering from a view more than 5s behind the leader (counted in dns.stale_queries)',
      );
    }
  }

  private async afterCatchUp(raw: Buffer, query: WireQuery, transport: Transport, freshness: DnsFreshness): Promise<Buffer | undefined> {
    const { dns, logger } = this.options;
    if (dns.allowStale) {
      this.staleCatchUps++;
      if (this.staleLog.take()) {
        logger.warn({ lastContactMs: Math.round(freshness.lastContactMs()), maxStaleMs: dns.maxStaleMs }, 'DNS view older than max_stale; catching up with the leader before answering');
      }
    }
    try {
      await freshness.catchUp();
    } catch (err) {
      logger.debug({ err: errorMessage(err) }, 'DNS could not catch up with the leader, replying SERVFAIL');
      return headerReply(raw, RCODE.SERVFAIL, this.ra);
    }
    return this.answerLocal(raw, query, transport);
  }

  private answerLocal(raw: Buffer, query: WireQuery, transport: Transport): Buffer | undefined | Promise<Buffer | undefined> {
    const key = cacheKey(query, transport);
    const cached = this.cache.get(key);
    if (cached === FORWARD) return this.forward(raw, query, transport);
    if (cached !== undefined) return patch(this.cache.take(cached), raw, query);
    try {
      return this.build(raw, query, transport, key);
    } catch (err) {
      // A bug or an unencodable record must cost one reply, not the server.
      this.options.logger.warn({ err: errorMessage(err), transport }, 'failed to answer, replying SERVFAIL');
      return headerReply(raw, RCODE.SERVFAIL, this.ra);
    }
  }

  private build(raw: Buffer, query: WireQuery, transport: Transport, key: string): Buffer | Promise<Buffer | undefined> {
    const { reader, domains, datacenter, dns, random, clock, recursor } = this.options;
    const generation = this.cache.generation;
    const name = questionName(raw, query);
    const parsed = parseQuestion(name.name, query.qtype, domains);
    if (recursor && parsed.query.kind === 'outside') {
      this.cache.set(key, FORWARD, generation);
      return this.forward(raw, query, transport);
    }
    const resolveOptions: ResolveOptions = { domains, datacenter, dns, random, clock, edns: query.edns !== undefined };
    const remoteDc = this.remoteDatacenter(parsed);
    if (remoteDc !== undefined) return this.answerRemote(raw, query, transport, parsed, name, { ...resolveOptions, datacenter: remoteDc });
    const first = resolve(parsed, reader, resolveOptions);
    // A reverse name we do not know may be someone else's: the recursors may know it.
    if (recursor && isReverse(parsed) && first.rcode === RCODE.NXDOMAIN) {
      this.cache.set(key, FORWARD, generation);
      return this.forward(raw, query, transport);
    }
    const question = { bytes: raw.subarray(12, query.questionEnd), labels: name.labels };
    const render = (response: DnsResponse): Buffer => this.render(raw, query, question, transport, parsed, response);
    const reply = render(first);
    const variants = [reply];
    const wanted = variantCount(first.answer.length, reply.length);
    for (let i = 1; i < wanted; i++) variants.push(render(resolve(parsed, reader, resolveOptions)));
    const entry: CachedReply = {
      variants,
      next: wanted > 1 ? 1 : 0,
      served: 1,
      bornMs: clock.now(),
      bytes: variants.reduce((sum, v) => sum + v.length, 0),
    };
    this.cache.set(key, entry, generation);
    return reply;
  }

  /** The datacenter a service or node question names, when it is another one we can reach. */
  private remoteDatacenter(parsed: ParsedQuestion): string | undefined {
    const { query } = parsed;
    if (query.kind !== 'service' && query.kind !== 'node') return undefined;
    const dc = query.datacenter;
    if (dc === undefined || dc === this.options.datacenter.toLowerCase()) return undefined;
    return this.options.remote?.isRemote(dc) ? dc : undefined;
  }

  /**
   * Another datacenter's instances, fetched over the WAN (stale reads, as DNS reads are) and
   * answered by the same resolver from a throwaway catalog. Not cached: the next question asks
   * again. No such datacenter: NXDOMAIN; one we cannot reach now: SERVFAIL.
   */
  private async answerRemote(
    raw: Buffer,
    query: WireQuery,
    transport: Transport,
    parsed: ParsedQuestion,
    name: { labels: string[] },
    options: ResolveOptions,
  ): Promise<Buffer | undefined> {
    const remote = this.options.remote!;
    const dc = options.datacenter;
    let reader: CatalogReader;
    try {
      if (parsed.query.kind === 'service') {
        reader = readerFor({ services: await remote.serviceHealth(dc, parsed.query.service, { passingOnly: this.options.dns.onlyPassing }) });
      } else if (parsed.query.kind === 'node') {
        reader = readerFor({ node: await remote.nodeServices(dc, parsed.query.node) });
      } else {
        return headerReply(raw, RCODE.SERVFAIL, this.ra);
      }
    } catch (err) {
      const unknown = (err as { reason?: string }).reason === 'unknown';
      this.options.logger.debug({ datacenter: dc, err: errorMessage(err) }, 'remote datacenter lookup failed');
      if (!unknown) return headerReply(raw, RCODE.SERVFAIL, this.ra);
      reader = readerFor({});
    }
    try {
      const question = { bytes: raw.subarray(12, query.questionEnd), labels: name.labels };
      return this.render(raw, query, question, transport, parsed, resolve(parsed, reader, options));
    } catch (err) {
      this.options.logger.warn({ err: errorMessage(err), transport }, 'failed to answer a remote lookup, replying SERVFAIL');
      return headerReply(raw, RCODE.SERVFAIL, this.ra);
    }
  }

  private render(
    raw: Buffer,
    query: WireQuery,
    question: { bytes: Buffer; labels: string[] },
    transport: Transport,
    parsed: ParsedQuestion,
    resolved: DnsResponse,
  ): Buffer {
    const { dns, logger } = this.options;
    const edns = query.edns;
    const { response, trimmed } = trimResponse(resolved, {
      transport,
      ednsUdpSize: edns?.udpSize,
      udpAnswerLimit: dns.udpAnswerLimit,
      qtype: query.qtype,
      questionName: parsed.name,
      trailerBytes: edns ? optBytes(edns) : 0,
    });
    if (trimmed) logger.debug({ transport, question: parsed.name, records: `${response.answer.length}/${resolved.answer.length}` }, 'response too large, trimmed');
    const header = {
      id: query.id,
      queryFlags: query.flags,
      authoritative: response.authoritative,
      // Over UDP a cut reply says so, and the client retries over TCP (unless enable_truncate is
      // turned off, which restores Consul's silent cut).
      truncated: transport === 'udp' && trimmed && dns.enableTruncate,
      recursionAvailable: this.ra,
      rcode: response.rcode,
    };
    const reply = encodeReply(header, question, response, edns);
    const limit = transport === 'udp' ? udpPayloadLimit(edns?.udpSize) : MAX_TCP_MESSAGE;
    if (reply.length <= limit) return reply;
    // Only a single record too big to trim can get here: over UDP the question alone with TC set
    // so the client retries over TCP; over TCP it cannot be framed at all: SERVFAIL.
    if (transport === 'tcp') return headerReply(raw, RCODE.SERVFAIL, this.ra);
    return encodeReply({ ...header, truncated: true }, question, { answer: [], authority: [], additional: [] }, edns);
  }

  /** RFC 6891 §6.1.3: an EDNS version we do not speak gets BADVERS (16) and our version, 0. */
  private badVersion(raw: Buffer, query: WireQuery): Buffer {
    const header = { id: query.id, queryFlags: query.flags, authoritative: false, truncated: false, recursionAvailable: this.ra, rcode: RCODE.NOERROR };
    const question = { bytes: raw.subarray(12, query.questionEnd), labels: [] };
    return encodeReply(header, question, { answer: [], authority: [], additional: [] }, { udpSize: query.edns!.udpSize }, 1);
  }

  private async forward(raw: Buffer, query: WireQuery, transport: Transport): Promise<Buffer | undefined> {
    const reply = await this.options.recursor!.forward(raw, transport);
    if (!reply) return headerReply(raw, RCODE.SERVFAIL, true);
    if (transport === 'udp' && reply.length > udpPayloadLimit(query.edns?.udpSize)) return truncatedCopy(reply, raw, query);
    return reply;
  }
}

function cacheKey(query: WireQuery, transport: Transport): string {
  const edns = query.edns;
  let size = '-';
  if (edns) {
    size = String(edns.udpSize);
    if (edns.subnet) size += `/${edns.subnet.family}/${edns.subnet.sourcePrefixLength}/${edns.subnet.address.toString('hex')}`;
  }
  return `${transport === 'udp' ? 'u' : 't'}${size}|${query.qtype}|${query.qclass}|${query.nameKey}`;
}

/** A cached reply made this query's: its ID, its RD and CD bits, its question's spelling. */
function patch(out: Buffer, raw: Buffer, query: WireQuery): Buffer {
  out[0] = raw[0]!;
  out[1] = raw[1]!;
  out[2] = (out[2]! & 0xfe) | (raw[2]! & 0x01);
  out[3] = (out[3]! & 0xef) | (raw[3]! & 0x10);
  raw.copy(out, 12, 12, query.nameEnd);
  return out;
}

function variantCount(answers: number, bytes: number): number {
  if (answers <= 1) return 1;
  let orderings = 1;
  for (let n = 2; n <= answers && orderings < MAX_VARIANTS; n++) orderings *= n;
  const count = Math.min(MAX_VARIANTS, orderings);
  return bytes > BIG_REPLY ? Math.min(4, count) : count;
}

function isReverse(parsed: ParsedQuestion): boolean {
  const lower = parsed.name.toLowerCase();
  return lower === 'arpa' || lower.endsWith('.arpa');
}

/** An upstream reply too big for the client's UDP buffer: its header and the question, TC set. */
function truncatedCopy(reply: Buffer, raw: Buffer, query: WireQuery): Buffer {
  const out = Buffer.alloc(query.questionEnd);
  reply.copy(out, 0, 0, 4);
  out[2] = out[2]! | 0x02;
  out.writeUInt16BE(1, 4);
  raw.copy(out, 12, 12, query.questionEnd);
  return out;
}
