import { CliError } from '../internal/cli-error.js'
import { isMissingPackage } from '../internal/missing-package.js'
import { parseCommand, type Command } from '../internal/command.js'
import type * as DemoStoryModule from '../internal/demo-story.js'

const HELP = `Usage: groupsync demo

Shows groupsync end to end in a few seconds, with nothing to set up and no network beyond
loopback: starts a real OpenID Provider on 127.0.0.1, creates an organisation with groups in an
embedded in-memory PGlite store, switches group mapping on, logs two users in through a real
authorization code flow with PKCE, shows their groups before and after, changes a user's groups
at the provider and logs in again, shows a manual change refused by the lock, and prints the
audit log. Nothing is kept afterwards.

Options:
  -h, --help   show this help`

/**
 * The demo's provider is an optional peer of the CLI, so that installing the CLI for its admin
 * commands does not install a development OpenID Provider; the story is loaded only here.
 */
const DEMO_DEPENDENCY = '@groupsync/dev-provider'

type DemoStory = typeof DemoStoryModule

async function loadDemoStory(): Promise<DemoStory> {
  try {
    return await import('../internal/demo-story.js')
  } catch (error) {
    if (isMissingPackage(error, DEMO_DEPENDENCY)) {
      throw new CliError(
        'CLI_DEPENDENCY_MISSING',
        `The demo needs ${DEMO_DEPENDENCY}, which is not installed; install it beside @groupsync/cli.`,
        { value: DEMO_DEPENDENCY, cause: error },
      )
    }
    throw error
  }
}

/** `groupsync demo`: the whole story on loopback, in seconds. */
export const demoCommand: Command = {
  name: 'demo',
  help: HELP,
  run: async (args, ctx) => {
    parseCommand('demo', args, {})
    const { runDemo } = await loadDemoStory()
    return runDemo(ctx)
  },
}
