import { nameKey, QTYPE, type DnsRecord, type DnsResponse } from './records.js';
import { messageSize } from './size.js';

/**
 * Cutting a reply down to what the transport carries, as Consul's trimUDPResponse /
 * trimTCPResponse do. UDP without EDNS (512 bytes): at most min(8, udp_answer_limit) answers,
 * then answers dropped until the message fits, measured uncompressed when the count cut
 * happened. UDP with EDNS: the client's buffer size (at most 65535−68), compressed. TCP: 65523
 * bytes, at most 4096 answers (1024 SRV). The authority section goes first; the additional
 * section is re-synced to the SRV targets still answered. Whether to set TC is the caller's call
 * (dns_config.enable_truncate); `trimmed` says whether answers were dropped.
 */

export interface TrimLimits {
  transport: 'udp' | 'tcp';
  /** The client's EDNS UDP buffer size; undefined when the query had no OPT record. */
  ednsUdpSize: number | undefined;
  udpAnswerLimit: number;
  qtype: number;
  questionName: string;
  /** Size of the OPT record the reply will carry (0 without EDNS). */
  trailerBytes: number;
}

export const DEFAULT_UDP_SIZE = 512;
/** Largest EDNS size honoured: 65535 minus IP and UDP headers (Consul's maxUDPDatagramSize). */
export const MAX_UDP_SIZE = 65535 - 68;
/** Hard cap on non-EDNS UDP answers, whatever udp_answer_limit says. */
export const MAX_UDP_ANSWERS = 8;
const MAX_TCP_SIZE = 65523;

export function trimResponse(response: DnsResponse, limits: TrimLimits): { response: DnsResponse; trimmed: boolean } {
  const work = new Trimmer(response, limits);
  const trimmed = limits.transport === 'udp' ? work.trimUdp() : work.trimTcp();
  return { response: work.result(), trimmed };
}

/** The UDP payload a reply may fill for this client. */
export function udpPayloadLimit(ednsUdpSize: number | undefined): number {
  if (ednsUdpSize === undefined || ednsUdpSize <= DEFAULT_UDP_SIZE) return DEFAULT_UDP_SIZE;
  return Math.min(ednsUdpSize, MAX_UDP_SIZE);
}

class Trimmer {
  private answer: DnsRecord[];
  private authority: DnsRecord[];
  private additional: DnsRecord[];
  private readonly original: DnsResponse;
  private compress = true;

  constructor(
    response: DnsResponse,
    private readonly limits: TrimLimits,
  ) {
    this.original = response;
    this.answer = response.answer;
    this.authority = response.authority;
    this.additional = response.additional;
  }

  trimUdp(): boolean {
    const total = this.answer.length;
    const maxSize = udpPayloadLimit(this.limits.ednsUdpSize);
    const maxAnswers = Math.max(1, Math.min(MAX_UDP_ANSWERS, this.limits.udpAnswerLimit));
    if (maxSize === DEFAULT_UDP_SIZE && total > maxAnswers) {
      // Measured uncompressed from here on, so the reply would fit even if something on the
      // way decompressed it; it is still sent compressed.
      this.compress = false;
      this.keepAnswers(maxAnswers);
    }
    // 8 bytes of UDP header are counted against the limit, as Consul does.
    this.fitInto(maxSize, maxSize - 8);
    return this.answer.length < total;
  }

  trimTcp(): boolean {
    const cap = this.limits.qtype === QTYPE.SRV ? 1024 : 4096;
    // More records than this cannot fit in 64 KiB anyway; not reported as trimming (Consul).
    if (this.answer.length > cap) this.keepAnswers(cap);
    const before = this.answer.length;
    this.fitInto(MAX_TCP_SIZE, MAX_TCP_SIZE);
    return this.answer.length < before;
  }

  result(): DnsResponse {
    return { ...this.original, answer: this.answer, authority: this.authority, additional: this.additional };
  }

  /** Drops answers (never the last one) until the message is at most `bound` bytes. */
  private fitInto(maxSize: number, bound: number): void {
    while (this.answer.length > 1 && this.size() > bound) {
      if (this.authority.length > 0) {
        // Authority records (NS) go first; only if that is not enough do answers go.
        this.authority = [];
        continue;
      }
      if (this.size() - maxSize > 100) this.keepBest(maxSize);
      else this.keepAnswers(this.answer.length - 1);
    }
  }

  /** Binary search for the most answers that fit (Consul's dnsBinaryTruncate), at least one. */
  private keepBest(maxSize: number): void {
    const all = this.answer;
    let low = 0;
    let high = all.length + 1;
    let best: number | undefined;
    while (best === undefined && high - low > 1) {
      const mid = low + Math.floor((high - low) / 2);
      this.keepAnswers(mid, all);
      const size = this.size();
      if (size > maxSize) high = mid;
      else if (maxSize - size < 10) best = mid; // close enough: one more would not fit
      else low = mid;
    }
    this.keepAnswers(Math.max(1, best ?? low), all);
  }

  private keepAnswers(count: number, from: DnsRecord[] = this.answer): void {
    this.answer = from.slice(0, count);
    this.syncAdditional();
  }

  /** Keeps the additional records that serve a remaining SRV target (following CNAMEs there). */
  private syncAdditional(): void {
    const extra = this.original.additional;
    if (extra.length === 0) return;
    const wanted = new Set(this.answer.flatMap((r) => (r.type === 'SRV' ? [nameKey(r.target)] : [])));
    for (let grew = true; grew; ) {
      grew = false;
      for (const r of extra) {
        if (r.type === 'CNAME' && wanted.has(nameKey(r.name)) && !wanted.has(nameKey(r.target))) {
          wanted.add(nameKey(r.target));
          grew = true;
        }
      }
    }
    this.additional = extra.filter((r) => wanted.has(nameKey(r.name)));
  }

  private size(): number {
    return messageSize(
      {
        questionName: this.limits.questionName,
        answer: this.answer,
        authority: this.authority,
        additional: this.additional,
        trailerBytes: this.limits.trailerBytes,
      },
      this.compress,
    );
  }
}
