import { describe, expect, it } from 'vitest'
import { runCli } from './support/run-cli.js'

/** The demo's output with what changes from run to run (the port, the time taken) replaced. */
const normalise = (text: string): string =>
  text.replaceAll(/127\.0\.0\.1:\d+/g, '127.0.0.1:PORT').replace(/Done in \d+\.\d s/, 'Done in N s')

describe('groupsync demo', () => {
  it('tells the whole story on loopback, and its output is exactly the expected one', async () => {
    const run = await runCli(['demo'])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const text = normalise(run.stdout)

    // The story, step by step.
    expect(text).toContain(
      '1. Started a real OpenID Provider (oidc-provider) at http://127.0.0.1:PORT',
    )
    expect(text).toMatch(/\n {3}alice +— +admins, engineering +admins, engineering +— +—\n/)
    expect(text).toMatch(/\n {3}bob +— +engineering, sales +engineering, sales +— +marketing\n/)
    expect(text).toMatch(/\n {3}bob +engineering, sales +engineering +— +sales +—\n/)
    expect(text).toContain('   refused: MANUAL_MEMBERSHIP_MANAGEMENT_DISABLED\n')
    const audit = text.slice(text.indexOf('7. The audit log'))
    const events = [...audit.matchAll(/\n {3}\d+ +(\S+) +(\S+) +(\S+)/g)].map((m) =>
      m.slice(1).join(' '),
    )
    expect(events).toEqual([
      'group.created — admins',
      'group.created — engineering',
      'group.created — sales',
      'group.created — support',
      'settings.changed — —',
      'membership.added alice admins',
      'membership.added alice engineering',
      'membership.added bob engineering',
      'membership.added bob sales',
      'membership.removed bob sales',
    ])

    // And the whole text, so that any change to the demo is a deliberate one.
    await expect(text).toMatchFileSnapshot('./__snapshots__/demo-output.txt')
  }, 60_000)
})
