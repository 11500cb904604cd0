import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { MembershipStore } from '@groupsync/core'
import { startDevProvider, type DevProvider } from '@groupsync/dev-provider'
import { createPostgresMembershipStore } from '@groupsync/store-postgres'
import { createMembershipAdmin } from '@groupsync/sync'
import { createExampleApp } from './app.js'

/** The example running: the app's URL, its provider and store, and how to stop it all. */
export interface RunningExample {
  readonly baseUrl: string
  readonly provider: DevProvider
  readonly store: MembershipStore
  readonly close: () => Promise<void>
}

/**
 * Starts the example on loopback: the app on `port` (0 picks a free one), a development OpenID
 * Provider whose client redirects to the app, and an in-memory PGlite store with the org `acme`
 * (groups admins, engineering, sales; mapping on). alice is in admins and engineering at the
 * provider, bob in engineering and marketing.
 *
 * @example
 * ```ts
 * const example = await startExample({ port: 3000 })
 * console.log(example.baseUrl)
 * ```
 */
export async function startExample(options: {
  readonly port: number
  readonly clock?: () => Date
}): Promise<RunningExample> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(options.port, '127.0.0.1', resolve))
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const provider = await startDevProvider({
    accounts: { alice: ['admins', 'engineering'], bob: ['engineering', 'marketing'] },
    redirectUri: `${baseUrl}/callback`,
    postLogoutRedirectUri: `${baseUrl}/signed-out`,
  })
  const store = await createPostgresMembershipStore()
  const admin = createMembershipAdmin({ store })
  for (const name of ['admins', 'engineering', 'sales']) await admin.createGroup('acme', name)()
  await admin.setManageGroupMemberships('acme', true, { actor: 'example' })()

  const app = await createExampleApp({
    issuer: provider.issuer,
    clientId: provider.clientId,
    baseUrl,
    store,
    orgId: 'acme',
    adminGroup: 'admins',
    maxSyncAgeMs: 8 * 3_600_000,
    allowInsecureIssuer: true,
    providerGroupsPage: provider.groupsPage,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  })
  server.on('request', app)
  return {
    baseUrl,
    provider,
    store,
    close: async () => {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
      await provider.close()
      await store.close()
    },
  }
}
