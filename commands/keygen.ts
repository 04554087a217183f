import { randomBytes } from 'node:crypto';
import { Command } from '@oclif/core';

/**
 * Like `consul keygen`: prints a new gossip encryption key. Needs no agent, so it extends oclif's
 * Command directly rather than BaseCommand (which sets up an HTTP API client).
 */
export default class Keygen extends Command {
  static override summary = 'Generate a new gossip encryption key.';
  static override description = `Prints 32 random bytes (an AES-256 key), base64-encoded, for the agent's "encrypt" setting. Give every agent in a gossip pool the same key; to rotate, install the new key with "keyring -install", switch with "keyring -use", then remove the old one.`;

  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json'];

  static override enableJsonFlag = true;

  public async run(): Promise<{ key: string }> {
    const key = randomBytes(32).toString('base64');
    this.log(key);
    return { key };
  }
}
