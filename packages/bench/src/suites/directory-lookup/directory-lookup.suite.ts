import {
  createMicrosoftGraphGroupsResolver,
  type DistributedClaimsResolver,
} from '@groupsync/claims'
import { startDirectoryMock, type DirectoryMock } from '@groupsync/directory-mock'
import { createMemoryMembershipStore } from '@groupsync/store-memory'
import { createMembershipAdmin, syncOnLoginAsync, type SyncDeps } from '@groupsync/sync'
import { describeMachine, machineMarkdown } from '../../machine.js'
import { formatMs, markdownTable } from '../../markdown.js'
import { quantile } from '../../measure.js'
import type { BenchSuite, SuiteContext, SuiteReport } from '../../suite.js'

const GROUPS = 1_000
/** Microsoft Graph's default page size for transitiveMemberOf: 1,000 groups are 10 pages. */
const PAGE_SIZE = 100
const PAGES = GROUPS / PAGE_SIZE
const LATENCY_MS = 1
const ORG = 'bench-directory'
const USER = 'entra-user'
const TOKEN = 'bench-graph-token'
const OID = '6f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9'
const guid = (i: number): string => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`
const GROUP_IDS = Array.from({ length: GROUPS }, (_, i) => guid(i))

/** The claims of a verified Entra ID token whose groups did not fit: an overage marker. */
const overageClaims = {
  sub: USER,
  oid: OID,
  _claim_names: { groups: 'src1' },
  _claim_sources: {
    src1: { endpoint: 'https://graph.windows.net/tenant/users/x/getMemberObjects' },
  },
}

/** One way of getting a login's 1,000 groups, timed call by call. */
interface Way {
  readonly name: string
  readonly what: string
  readonly call: () => Promise<void>
}

interface Row {
  readonly way: Way
  readonly times: number[]
  readonly requests: number
}

/** Every page by hand: fetch, parse, follow `@odata.nextLink` — what the resolver adds to. */
async function plainPaging(mock: DirectoryMock): Promise<number> {
  let url: string | undefined =
    `${mock.origin}/v1.0/users/${OID}/transitiveMemberOf/microsoft.graph.group?$select=id,displayName,securityEnabled`
  let groups = 0
  while (url !== undefined) {
    const response = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } })
    const page = (await response.json()) as { value: unknown[]; '@odata.nextLink'?: string }
    groups += page.value.length
    url = page['@odata.nextLink']
  }
  return groups
}

async function run({ quick, log }: SuiteContext): Promise<SuiteReport> {
  const machine = describeMachine()
  const mock = await startDirectoryMock({
    accessToken: TOKEN,
    graph: {
      [OID]: GROUP_IDS.map((id, i) => ({ id, displayName: `team ${i}`, securityEnabled: true })),
    },
    pageSize: PAGE_SIZE,
    latencyMs: LATENCY_MS,
  })
  try {
    const store = createMemoryMembershipStore()
    const admin = createMembershipAdmin({ store })
    for (const name of GROUP_IDS) {
      const created = await admin.createGroup(ORG, name)()
      if (created._tag === 'Left') throw created.left
    }
    const on = await admin.setManageGroupMemberships(ORG, true)()
    if (on._tag === 'Left') throw on.left
    const resolver: DistributedClaimsResolver = createMicrosoftGraphGroupsResolver({
      accessToken: () => TOKEN,
      origin: mock.origin,
    })
    const deps: SyncDeps = { store, preset: 'entra-id', resolver }

    // The first login adds the 1,000 memberships; the timed ones find them in place.
    log(`directory-lookup: first login (${GROUPS.toLocaleString('en')} memberships added)`)
    const firstStarted = performance.now()
    const first = await syncOnLoginAsync({ orgId: ORG, userId: USER, claims: overageClaims }, deps)
    const firstMs = performance.now() - firstStarted
    if (first.status !== 'synced' || first.added.length !== GROUPS) {
      throw new Error(`directory-lookup: the first login ended ${first.status}, not 1,000 added`)
    }

    const ways: Way[] = [
      {
        name: 'login, groups from Graph',
        what: `\`syncOnLoginAsync\` with the \`entra-id\` preset: an overage marker, resolved through \`createMicrosoftGraphGroupsResolver\``,
        call: async () => {
          const r = await syncOnLoginAsync(
            { orgId: ORG, userId: USER, claims: overageClaims },
            deps,
          )
          if (r.status !== 'synced' || r.claim.groups.length !== GROUPS) throw new Error(r.status)
        },
      },
      {
        name: 'Graph lookup alone',
        what: '`resolver.resolve(overage, …)`: the token callback, 10 pages, their checks, the claim read',
        call: async () => {
          const r = await resolver.resolve(
            { state: 'overage', source: 'id_token', claimSourceName: 'src1' },
            { subject: USER, claims: overageClaims, options: {} },
          )()
          if (r._tag === 'Left' || r.right.state !== 'present') throw new Error('lookup failed')
        },
      },
      {
        name: 'plain paging',
        what: 'the same 10 GETs by hand (`fetch`, `response.json()`, follow `@odata.nextLink`), no check at all',
        call: async () => {
          if ((await plainPaging(mock)) !== GROUPS) throw new Error('plain paging lost groups')
        },
      },
      {
        name: 'login, groups in the token',
        what: 'the same login with the 1,000 ids in the token: no lookup (what Entra sends below its limit)',
        call: async () => {
          const claims = { sub: USER, groups: GROUP_IDS }
          const r = await syncOnLoginAsync({ orgId: ORG, userId: USER, claims }, deps)
          if (r.status !== 'synced') throw new Error(r.status)
        },
      },
    ]
    const rounds = quick ? 2 : 5
    const perRound = quick ? 10 : 40
    const rows: Row[] = ways.map((way) => ({ way, times: [], requests: 0 }))
    for (const row of rows) for (let i = 0; i < 5; i += 1) await row.way.call() // warm-up
    for (let round = 0; round < rounds; round += 1) {
      log(`directory-lookup: round ${round + 1} of ${rounds}`)
      for (const row of rows) {
        const before = mock.requests.length
        for (let i = 0; i < perRound; i += 1) {
          const started = performance.now()
          await row.way.call()
          row.times.push(performance.now() - started)
        }
        ;(row as { requests: number }).requests += mock.requests.length - before
      }
    }
    for (const row of rows) row.times.sort((a, b) => a - b)
    const calls = rounds * perRound
    const requestsPer = (row: Row): number => row.requests / calls
    const login = rows[0]
    const withoutLookup = rows[3]
    if (login === undefined || withoutLookup === undefined || requestsPer(login) !== PAGES) {
      throw new Error(`directory-lookup: a login did not take exactly ${PAGES} requests`)
    }
    const table = markdownTable(
      ['way', 'requests per call', 'p50', 'p99', 'min', 'calls'],
      rows.map((row) => [
        row.way.name,
        requestsPer(row).toFixed(0),
        formatMs(quantile(row.times, 0.5)),
        formatMs(quantile(row.times, 0.99)),
        formatMs(row.times[0] ?? Number.NaN),
        String(row.times.length),
      ]),
      ['l', 'r', 'r', 'r', 'r', 'r'],
    )
    const p50 = (row: Row | undefined): number => quantile(row?.times ?? [], 0.5)
    /** How much longer `a` took than `b` at the median, in words (noise can make it negative). */
    const over = (a: Row | undefined, b: Row | undefined): string => {
      const diff = p50(a) - p50(b)
      return `${formatMs(Math.abs(diff))} ${diff >= 0 ? 'more' : 'less'}`
    }
    const markdown = `## A login whose groups come from Microsoft Graph

${quick ? '**Quick run (`pnpm bench --quick`): few calls; rough numbers, not the reference table.**\n\n' : ''}Measured by \`pnpm bench\` (suite \`directory-lookup\`, packages/bench) on ${new Date().toISOString().slice(0, 10)}.

${machineMarkdown(machine)}

**Input**: an Entra ID login whose ID token (claims already verified) carries an overage marker instead of its
${GROUPS.toLocaleString('en')} groups. \`@groupsync/directory-mock\` answers as Microsoft Graph's \`transitiveMemberOf\` does, ${PAGE_SIZE} groups a page
(Graph's default), so the lookup is ${PAGES} pages, each answer held ${LATENCY_MS} ms longer (added latency per request, on
loopback; the mock runs in the benchmark's own process, so its work shares the core). The organisation has the ${GROUPS.toLocaleString('en')} groups (named by their object ids) in the in-memory store; the
first login added the memberships (${formatMs(firstMs)}), so every timed login finds them in place and writes only its
last-sync time.

${rows.map((row) => `- **${row.way.name}**: ${row.way.what}.`).join('\n')}

${table}

A login that needs ${PAGES} pages of groups takes ${formatMs(p50(login))} (p50), ${over(login, withoutLookup)} than the same login with the
groups in the token. The pages are asked one after the other (each names the next), so the lookup costs at least
${PAGES} round trips — here ${PAGES} × (${LATENCY_MS} ms + loopback) — and the lookup alone took ${over(rows[1], rows[2])} than paging by hand, which skips the checks of every
page and group and the reading of the claim. Against Microsoft Graph, each round trip is the network's and
Graph's time instead.

**Goals**: the issue sets none; the table is the cost of a login that needs ${GROUPS.toLocaleString('en')} groups over ${PAGES} pages, and its
requests (exactly ${PAGES} per login, checked).

Method: ${rounds} rounds; each round makes ${perRound} calls of each way in turn (after 5 untimed calls each), every call timed on its
own; p50, p99 and min are over the ${calls} calls of each way.
`
    return { markdown, goals: [] }
  } finally {
    await mock.close()
  }
}

/** One login that needs 1,000 groups over 10 pages of Microsoft Graph, 1 ms added per request. */
export const directoryLookupSuite: BenchSuite = {
  id: 'directory-lookup',
  title: 'a login whose 1,000 groups come from Microsoft Graph, 10 pages at 1 ms added latency',
  run,
}
