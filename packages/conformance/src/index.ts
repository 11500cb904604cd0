// The kit is its command (`groupsync-conformance`, docs/rules.md "The conformance runner"); its
// one export is that command as a function, for a build script that runs it without a shell.
export { runConformanceCommand } from './command.js'
