import { Args, Flags } from '@oclif/core';
import type { ApiClient } from '../client/api-client.js';
import type { TtlStatus } from '../client/types.js';

/** What each verb sets the check to (the agent endpoint is named by the verb). */
export const TTL_STATUS = { pass: 'passing', warn: 'warning', fail: 'critical' } as const satisfies Record<TtlStatus, string>;

export interface TtlUpdate {
  CheckID: string;
  Status: (typeof TTL_STATUS)[TtlStatus];
  Note: string;
}

/** The arguments and flags `check pass|warn|fail` share. */
export const ttlArgs = {
  'check-id': Args.string({ description: 'ID of a TTL check registered on the local agent.', required: true, ignoreStdin: true }),
};
export const ttlFlags = {
  note: Flags.string({ summary: "Text to store as the check's output.", helpValue: '<text>' }),
};

export const ttlDescription = (verb: TtlStatus): string =>
  `Sets a TTL check on the local agent to ${TTL_STATUS[verb]} and restarts its TTL. An application reports its own health this way: it runs "check pass" (or warn / fail) more often than the TTL, and if it stops, the check turns critical with the output "TTL expired". Only TTL checks can be updated like this. --note becomes the check's output, shown by the health API.`;

export async function updateTtl(api: ApiClient, checkId: string, verb: TtlStatus, note: string | undefined): Promise<TtlUpdate> {
  await api.updateTtlCheck(checkId, verb, note);
  return { CheckID: checkId, Status: TTL_STATUS[verb], Note: note ?? '' };
}

export const ttlMessage = (update: TtlUpdate): string => `Success! Check ${update.CheckID} is now ${update.Status}`;
