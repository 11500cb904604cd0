/**
 * The program a consumer project runs, once as an ES module and once as CommonJS: the same body,
 * with the packages brought in by `import` or by `require`. It is TypeScript, so the consumer's
 * type check covers the public types too. It does a real login sync on embedded PGlite: an ID
 * token signed with a fresh key and verified against that key's JWKS, a group added, a manual
 * change refused by the lock, the user offboarded, the audit log read back.
 */
const BODY = `
async function run(label: string): Promise<void> {
  const fail = (what: string): never => {
    throw new Error(\`\${label} consumer: \${what}\`)
  }
  // OpenTelemetry is an optional peer of @groupsync/sync; it is not installed here.
  let otelInstalled = true
  try {
    require.resolve('@opentelemetry/api')
  } catch {
    otelInstalled = false
  }
  if (otelInstalled) fail('@opentelemetry/api is installed, so its absence is not checked')

  const { publicKey, privateKey } = await jose.generateKeyPair('RS256')
  const jwk = { ...(await jose.exportJWK(publicKey)), kid: 'k1', alg: 'RS256' }
  const issuer = 'https://login.example.test'
  const idToken = await new jose.SignJWT({ groups: ['engineering', 'marketing'] })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setIssuer(issuer)
    .setAudience('consumer-app')
    .setSubject('alice')
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(privateKey)

  const store: core.MembershipStore = await storePostgres.createPostgresMembershipStore()
  try {
    const admin = sync.createMembershipAdmin({ store })
    for (const name of ['engineering', 'sales']) {
      const created = await admin.createGroup('acme', name)()
      if (created._tag === 'Left') fail(\`createGroup: \${created.left.code}\`)
    }
    await admin.setManageGroupMemberships('acme', true, { actor: 'consumer' })()

    const deps: sync.SyncDeps = {
      store,
      verification: {
        issuer,
        audience: 'consumer-app',
        jwks: { keys: [jwk] },
        algorithms: ['RS256'],
      },
    }
    const result: sync.SyncResult = await sync.syncOnLoginAsync(
      { orgId: 'acme', userId: 'alice', idToken },
      deps,
    )
    if (result.status !== 'synced') fail(\`sync status \${result.status}\`)
    const added = result.status === 'synced' ? result.added.map((g) => g.name) : []
    if (JSON.stringify(added) !== '["engineering"]') fail(\`added \${JSON.stringify(added)}\`)

    const refused = await admin.addMember('acme', result.status === 'synced' ? result.added[0]!.id : '', 'bob')()
    if (refused._tag !== 'Left' || refused.left.code !== 'MANUAL_MEMBERSHIP_MANAGEMENT_DISABLED') {
      fail('the manual-change lock did not refuse')
    }
    if (!(refused._tag === 'Left' && refused.left instanceof core.GroupsyncError)) {
      fail('errors are not GroupsyncError instances')
    }

    // Offboarding: the admin service removes every membership of alice, the lock notwithstanding.
    const removal = await admin.removeUser('acme', 'alice', { actor: 'consumer' })()
    if (removal._tag === 'Left') fail(\`removeUser: \${removal.left.code}\`)
    const removed: core.UserRemoval | undefined = removal._tag === 'Right' ? removal.right : undefined
    if (removed?.removed !== true || removed.memberships !== 1) fail(\`removeUser \${JSON.stringify(removed)}\`)

    const events = await store.listAuditEvents('acme')
    const types = events.map((e) => e.type)
    if (!types.includes('membership.added') || types.at(-1) !== 'user.removed') {
      fail(\`audit log \${JSON.stringify(types)}\`)
    }

    // The pure parts, from the same install.
    const diff = core.computeMembershipDiff(['sales'], [{ id: 'g1', name: 'sales' }], [])
    if (diff.toAdd.length !== 1) fail('computeMembershipDiff')
    const memory = storeMemory.createMemoryMembershipStore()
    // An org that never stored settings has none: null, not the defaults.
    if ((await memory.getOrgSettings('x')) !== null) fail('memory store')
    if (typeof claims.extractGroupsClaim !== 'function') fail('claims')
    if (typeof cli.main !== 'function') fail('cli exports')
    console.log(\`\${label} consumer: a login synced on PGlite (added \${added.join(', ')}), the lock held, the user offboarded, \${events.length} audit events\`)
  } finally {
    await store.close()
  }
}
`

const PACKAGES = [
  ['core', '@groupsync/core'],
  ['claims', '@groupsync/claims'],
  ['storeMemory', '@groupsync/store-memory'],
  ['storePostgres', '@groupsync/store-postgres'],
  ['sync', '@groupsync/sync'],
  ['cli', '@groupsync/cli'],
  ['jose', 'jose'],
] as const

/** The ES module consumer: `import` statements, top-level await. */
export const ESM_CONSUMER = `import { createRequire } from 'node:module'
${PACKAGES.map(([local, name]) => `import * as ${local} from '${name}'`).join('\n')}

const require = createRequire(import.meta.url)
${BODY}
await run('ESM')
`

/** The CommonJS consumer: `require` of the ES-module-only packages (Node 20.19+, TypeScript 5.8+). */
export const CJS_CONSUMER = `${PACKAGES.map(([local, name]) => `import ${local} = require('${name}')`).join('\n')}
${BODY}
run('CommonJS').catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
`
