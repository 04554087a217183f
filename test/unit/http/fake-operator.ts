// A stand-in for the server's OperatorPort: canned answers, every call recorded, and a switch
// to make it fail the way a server would (no leader, unknown peer).
import type { OperatorPort, RaftConfigurationView, SnapshotArchive } from '../../../src/http/operator-port.js';

export const THREE_SERVERS: RaftConfigurationView = {
  Servers: [
    { ID: 'id-a', Node: 'alice', Address: '127.0.0.1:8300', Leader: false, Voter: true, ProtocolVersion: '3', LastIndex: 1167 },
    { ID: 'id-b', Node: 'bob', Address: '127.0.0.2:8300', Leader: true, Voter: true, ProtocolVersion: '3', LastIndex: 1167 },
    { ID: 'id-c', Node: 'carol', Address: '127.0.0.3:8300', Leader: false, Voter: false, ProtocolVersion: '3', LastIndex: 1159 },
  ],
  Index: 1100,
};

export class FakeOperator implements OperatorPort {
  readonly calls: unknown[][] = [];
  configuration: RaftConfigurationView = THREE_SERVERS;
  snapshot: SnapshotArchive = { index: 42, term: 3, data: new TextEncoder().encode('{"catalog":"state"}') };
  /** What restoreSnapshot received. */
  restored: Uint8Array[] = [];
  /** Set to make every method throw this. */
  failWith: unknown;

  async raftConfiguration(options: { stale: boolean }): Promise<RaftConfigurationView> {
    this.record('raftConfiguration', options);
    return this.configuration;
  }

  async removeRaftPeer(target: { id?: string; address?: string }): Promise<void> {
    this.record('removeRaftPeer', target);
  }

  async transferLeader(id: string | undefined): Promise<void> {
    this.record('transferLeader', id);
  }

  async saveSnapshot(options: { stale: boolean }): Promise<SnapshotArchive> {
    this.record('saveSnapshot', options);
    return this.snapshot;
  }

  async restoreSnapshot(data: Uint8Array): Promise<void> {
    this.record('restoreSnapshot', data.length);
    this.restored.push(new Uint8Array(data));
  }

  private record(...call: unknown[]): void {
    if (this.failWith !== undefined) throw this.failWith;
    this.calls.push(call);
  }
}
