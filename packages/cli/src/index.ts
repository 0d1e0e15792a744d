export { main } from './main.js';
export { runCommand } from './run-command.js';
export { validateCommand } from './validate-command.js';
export { createKernel } from './create-kernel.js';
export { loadPlugin } from './load-plugin.js';
export { firstPartyPlugins } from './first-party-plugins.js';
export { ExitCode } from './exit-code.js';

export type { RunCommandOptions, RunCommandResult } from './run-command.js';
