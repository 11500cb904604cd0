import type { IdTokenVerification } from '@groupsync/claims'
import { loginWithPkce, startDevProvider, type DevProvider } from '@groupsync/dev-provider'
import type { MembershipStore } from '@groupsync/core'
import { createPostgresMembershipStore } from '@groupsync/store-postgres'
import { createMembershipAdmin, syncOnLogin, type MembershipAdmin } from '@groupsync/sync'
import type { CommandContext } from './command.js'
import { orThrow } from './outcome.js'
import { AUDIT_HEADER, auditRow } from './render-audit.js'
import { BEFORE_AFTER_HEADER, beforeAfterRow } from './render-sync.js'
import { list, renderTable, wrap } from './table.js'
import { EXIT_CODES } from './exit-codes.js'

const ORG = 'acme'
const ADMIN = 'admin@acme'
const ORG_GROUPS = ['admins', 'engineering', 'sales', 'support']
const ACCOUNTS: Readonly<Record<string, readonly string[]>> = {
  alice: ['engineering', 'admins'],
  bob: ['engineering', 'sales', 'marketing'],
}

interface DemoWorld {
  readonly provider: DevProvider
  readonly store: MembershipStore
  readonly admin: MembershipAdmin
  readonly verification: IdTokenVerification
}

async function groupNames(world: DemoWorld, userId: string): Promise<string[]> {
  const byId = new Map(orThrow(await world.admin.listGroups(ORG)()).map((g) => [g.id, g.name]))
  const memberships = await world.store.listUserMemberships(ORG, userId)
  return memberships.map((m) => byId.get(m.groupId) ?? m.groupId).sort()
}

/** Logs `sub` in at the provider (code + PKCE) and runs the sync; returns the table row. */
async function loginAndSync(world: DemoWorld, sub: string): Promise<string[]> {
  const before = await groupNames(world, sub)
  const login = await loginWithPkce(world.provider, sub)
  const result = orThrow(
    await syncOnLogin(
      {
        orgId: ORG,
        userId: sub,
        idToken: login.idToken,
        userinfo: login.userinfo,
        accessToken: login.accessToken,
      },
      { store: world.store, verification: world.verification },
    )(),
  )
  return beforeAfterRow(sub, before, result)
}

/** Runs the demo's story, printing each step to `ctx.out`; resolves with the exit code. */
export async function runDemo(ctx: CommandContext): Promise<number> {
  const started = performance.now()
  const out = ctx.out
  out('groupsync demo: OIDC groups claim → organisation groups, end to end on loopback.', '')

  const provider = await startDevProvider({ accounts: ACCOUNTS })
  try {
    const store = await createPostgresMembershipStore()
    try {
      const world: DemoWorld = {
        provider,
        store,
        admin: createMembershipAdmin({ store }),
        verification: {
          issuer: provider.issuer,
          audience: provider.clientId,
          jwks: new URL(provider.jwksUri),
          algorithms: ['RS256'],
        },
      }
      await demoSteps(world, ctx)
    } finally {
      await store.close()
    }
  } finally {
    await provider.close()
  }
  out('', `Done in ${((performance.now() - started) / 1000).toFixed(1)} s. Nothing was kept.`)
  return EXIT_CODES.ok
}

async function demoSteps(world: DemoWorld, ctx: CommandContext): Promise<void> {
  const { out } = ctx
  const { admin, provider } = world
  out(
    `1. Started a real OpenID Provider (oidc-provider) at ${provider.issuer}, client ${provider.clientId}.`,
    '   Users and their groups at the provider:',
    ...renderTable(
      ['user', 'groups claim'],
      Object.entries(ACCOUNTS).map(([user, groups]) => [user, list(groups)]),
      '   ',
    ),
    '',
  )

  for (const name of ORG_GROUPS) orThrow(await admin.createGroup(ORG, name)())
  out(
    `2. Created organisation ${ORG} in an embedded in-memory PGlite store, with the groups`,
    `   ${list(ORG_GROUPS)}.`,
    '',
  )

  orThrow(await admin.setManageGroupMemberships(ORG, true, { actor: ADMIN })())
  out(
    `3. Switched group mapping on for ${ORG} (manageGroupMemberships = true): every login now sets`,
    "   the user's groups from the claim, and manual membership changes are refused.",
    '',
  )

  const firstLogins = [await loginAndSync(world, 'alice'), await loginAndSync(world, 'bob')]
  out(
    '4. alice and bob log in: authorization code flow with PKCE; the ID token is verified',
    `   against the provider's JWKS (${provider.jwksUri}) and the groups claim synced:`,
    ...renderTable(BEFORE_AFTER_HEADER, firstLogins, '   '),
    '   ("marketing" is in bob\'s claim but is no group of the organisation, so it is not matched.)',
    '',
  )

  provider.setGroups('bob', ['engineering'])
  const secondLogin = await loginAndSync(world, 'bob')
  out(
    "5. bob's groups change at the provider to: engineering. bob logs in again:",
    ...renderTable(BEFORE_AFTER_HEADER, [secondLogin], '   '),
    '',
  )

  const admins = orThrow(await admin.listGroups(ORG)()).find((g) => g.name === 'admins')
  const refused = await admin.addMember(ORG, admins?.id ?? '', 'bob', { actor: ADMIN })()
  out(`6. ${ADMIN} tries to add bob to admins by hand:`)
  if (refused._tag === 'Left') {
    out(`   refused: ${refused.left.code}`, ...wrap(refused.left.message, 92, '   '))
  } else {
    out('   unexpectedly allowed: the lock did not hold')
  }
  out('')

  const events = orThrow(await admin.listAuditEvents(ORG)())
  out(`7. The audit log of ${ORG}:`, ...renderTable(AUDIT_HEADER, events.map(auditRow), '   '))
  if (refused._tag === 'Right') throw new Error('the manual-change lock did not refuse the change')
}
