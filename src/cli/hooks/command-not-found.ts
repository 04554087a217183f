import { Errors } from '@oclif/core';
import type { Hook } from '@oclif/core';

/**
 * oclif reads `roster leave now` as the command "leave now" and, finding none, prints a
 * decorated "command leave:now not found" and exits 2. Consul's contract is different: the
 * command runs and rejects its stray argument, exit 1. So: run the longest known command the
 * words start with, handing it the rest as arguments; if there is none, say so in one line and
 * exit 1.
 */
const hook: Hook.CommandNotFound = async function ({ id, argv, config }) {
  const words = id.split(':');
  for (let n = words.length - 1; n > 0; n--) {
    const prefix = words.slice(0, n).join(':');
    if (config.findCommand(prefix)) return config.runCommand(prefix, [...words.slice(n), ...(argv ?? [])]);
  }
  process.stderr.write(`Error: unknown command "${words.join(config.topicSeparator)}"; run "${config.bin} --help" to list the commands\n`);
  // The one error oclif's handler exits on without printing anything more.
  throw new Errors.ExitError(1);
};

export default hook;
