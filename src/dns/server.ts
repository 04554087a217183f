import type { Packet } from 'dns2';
import type { CatalogReader } from '../catalog/reader.js';
import type { DnsConfig } from '../config/types.js';
import type { Clock } from '../shared/clock.js';
import { errorMessage } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { Random } from '../shared/random.js';
import { normaliseDomain, parseQuestion, type DnsDomains } from './parse.js';
import { RCODE } from './records.js';
import { resolve } from './resolve.js';
import { ednsReplySize, encodeReply, readEdns } from './server-codec.js';
import { headerReply, listenDns, type Transport } from './server-transport.js';
import { trimResponse, udpPayloadLimit } from './trim.js';

/**
 * The DNS interface: UDP and TCP on one port, answering for `domain` and `altDomain` from the
 * catalog (parse → resolve → trim → encode). Every reply is authoritative (except REFUSED),
 * never offers recursion, echoes the question and, when the query had EDNS, carries an OPT
 * record. Nothing a client sends can take the server down: malformed packets are logged at
 * debug and dropped or answered FORMERR, and a failure while answering becomes SERVFAIL.
 */

export interface DnsServerOptions {
  reader: CatalogReader;
  config: {
    bindAddress: string;
    /** 0 = an ephemeral port (UDP and TCP get the same one). */
    port: number;
    domain: string;
    altDomain: string;
    datacenter: string;
    dns: DnsConfig;
  };
  logger: Logger;
  random: Random;
  clock: Clock;
}

export interface DnsServerHandle {
  /** The bound port, shared by UDP and TCP. */
  port: number;
  close(): Promise<void>;
}

/** A TCP message's length prefix is 16 bits. */
const MAX_TCP_MESSAGE = 65535;

export async function startDnsServer(options: DnsServerOptions): Promise<DnsServerHandle> {
  const { config, logger } = options;
  const domain = normaliseDomain(config.domain);
  const alt = normaliseDomain(config.altDomain);
  const domains: DnsDomains = { domain, altDomain: alt === domain ? '' : alt };
  const serve = (request: Packet, transport: Transport): Buffer | undefined => {
    try {
      return answer(options, domains, request, transport);
    } catch (err) {
      // A bug or an unencodable record must cost one reply, not the server.
      logger.warn({ err: errorMessage(err), question: request.questions[0]?.name }, 'failed to answer, replying SERVFAIL');
      return headerReply(request.header.toBuffer(), RCODE.SERVFAIL);
    }
  };
  const listeners = await listenDns({ address: config.bindAddress, port: config.port, logger, serve });
  logger.info({ address: config.bindAddress, port: listeners.port, domain: domains.domain, altDomain: domains.altDomain }, 'listening');
  let closed: Promise<void> | undefined;
  return {
    port: listeners.port,
    close: () => (closed ??= listeners.close()),
  };
}

function answer(options: DnsServerOptions, domains: DnsDomains, request: Packet, transport: Transport): Buffer {
  const { reader, config, random, clock } = options;
  const question = request.questions[0];
  // The header promised one question (screened); dns2 drops a question it cannot decode.
  if (!question || request.questions.length !== 1) return headerReply(request.header.toBuffer(), RCODE.FORMERR);

  const edns = readEdns(request);
  const parsed = parseQuestion(question.name, question.type, domains);
  const resolved = resolve(parsed, reader, { domains, datacenter: config.datacenter, dns: config.dns, random, clock, edns: edns !== undefined });
  const { response, trimmed } = trimResponse(resolved, {
    transport,
    ednsUdpSize: edns?.udpSize,
    udpAnswerLimit: config.dns.udpAnswerLimit,
    qtype: question.type,
    questionName: question.name,
    trailerBytes: edns ? ednsReplySize(edns) : 0,
  });
  if (trimmed) {
    options.logger.debug(
      { transport, question: question.name, records: `${response.answer.length}/${resolved.answer.length}` },
      'response too large, trimmed',
    );
  }
  // Without enable_truncate, trimmed answers go out silently cut, as Consul's do.
  const reply = encodeReply(request, response, { truncated: trimmed && config.dns.enableTruncate, edns });
  const limit = transport === 'udp' ? udpPayloadLimit(edns?.udpSize) : MAX_TCP_MESSAGE;
  if (reply.length <= limit) return reply;
  // Only a single record too big to trim can get here: send the question alone with TC set so
  // the client retries over TCP (over TCP it cannot be framed at all: SERVFAIL).
  if (transport === 'tcp') return headerReply(request.header.toBuffer(), RCODE.SERVFAIL);
  const empty = { ...response, answer: [], authority: [], additional: [] };
  return encodeReply(request, empty, { truncated: true, edns });
}
