import type { MembershipDiff } from '@groupsync/core'
import { createPostgresMembershipStore, type SqlClient } from '@groupsync/store-postgres'
import { profileCpu, summariseProfile, type ProfileSummary } from '../../cpu-profile.js'
import { byName, measureSideBySide, type Measurement, type TimedTask } from '../../measure.js'
import {
  explainingClient,
  recordingClient,
  withMigratedSchema,
  type RecordedStatement,
  type RoundTripCounter,
} from '../../postgres.js'
import { perRowSync } from './per-row-sync.js'
import {
  STABLE_GROUPS,
  alternatingClaims,
  changesOf,
  seedGroups,
  storeSync,
} from './sync-fixture.js'

const ORG = 'bench-org'

/** A database the suite measures on. */
export interface Backend {
  /** `server` or `PGlite`, for tables and the plot. */
  readonly label: string
  readonly version: string
  readonly client: SqlClient
  /** Protocol round trips, where there is a network (the server). */
  readonly roundTrips: RoundTripCounter | undefined
  readonly close: () => Promise<void>
  /** Added to every round trip by a proxy in front of the server; 0 for a direct connection. */
  readonly addedLatencyMs: number
  /**
   * Where the schema is made and seeded and the untimed warm-up syncs run: the direct
   * connection, so that the proxy's delay is paid only by what is timed.
   */
  readonly setupClient: SqlClient
  /** The numbers of changes to time. */
  readonly sizes: readonly number[]
  /**
   * Whether to count statements and record the breakdown, plans and profiles: the direct runs
   * do; through the proxy the statements and the work are the same, only the waiting differs.
   */
  readonly detail: boolean
}

type Approach = 'store' | 'per-row'

/** What one backend's run found, per size. */
export interface BackendResult {
  readonly backend: Backend
  readonly rows: readonly {
    readonly changes: number
    readonly store: Measurement
    readonly perRow: Measurement
    readonly storeStatements: number
    readonly perRowStatements: number
    readonly storeRoundTrips: number | undefined
    readonly perRowRoundTrips: number | undefined
  }[]
  /** The statements of one store sync at the largest size, with their times. */
  readonly breakdown: readonly RecordedStatement[]
  /** The wall time of that sync: the statements plus the JavaScript between them. */
  readonly breakdownWallMs: number
  /** One per-row sync at the largest size: its statements' total time and median. */
  readonly perRowBreakdown: {
    readonly count: number
    readonly sumMs: number
    readonly medianMs: number
  }
  /** EXPLAIN ANALYZE of the store's two slowest statements at the largest size. */
  readonly plans: readonly { readonly label: string; readonly plan: string }[]
  /** CPU profiles of store syncs (this process: the JavaScript side), at the largest size and at 1. */
  readonly profiles: readonly {
    readonly changes: number
    readonly syncs: number
    readonly summary: ProfileSummary
  }[]
}

/** A statement as a short label: BEGIN/COMMIT as they are, else its first words. */
export const statementLabel = (text: string): string => {
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat.length > 70 ? `${flat.slice(0, 67)}…` : flat
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2
}

export async function measureBackend(
  backend: Backend,
  maxChanges: number,
  quick: boolean,
  log: (line: string) => void,
): Promise<BackendResult> {
  const { sizes } = backend
  return withMigratedSchema(backend.setupClient, async (schema) => {
    await seedGroups(backend.setupClient, schema, ORG, maxChanges + STABLE_GROUPS)
    const open = (client: SqlClient) =>
      createPostgresMembershipStore({ client, schema, migrate: false })
    const recorder = recordingClient(backend.client)
    // Statements to EXPLAIN ANALYZE, chosen once the slowest are known.
    const toExplain = new Set<string>()
    const explainer = explainingClient(backend.client, (text) => toExplain.has(text))
    const via = {
      plain: { store: await open(backend.client), client: backend.client },
      recorded: { store: await open(recorder.client), client: recorder.client },
      explained: { store: await open(explainer.client), client: explainer.client },
      setup: { store: await open(backend.setupClient), client: backend.setupClient },
    }
    type Via = keyof typeof via
    const now = () => new Date()

    /**
     * A user who alternates between two claims that differ by `changes` memberships; each call
     * is one sync, through the plain, the recording or the explaining client, so that all of
     * them keep the user in step.
     */
    const alternating = (approach: Approach, changes: number) => {
      const { a, b } = alternatingClaims(changes, maxChanges)
      const user = `${approach}-${changes}`
      let onB = false
      return async (how: Via = 'plain'): Promise<MembershipDiff> => {
        onB = !onB
        const claim = onB ? b : a
        const { store, client } = via[how]
        return approach === 'store'
          ? storeSync(store, ORG, user, claim, now())
          : perRowSync(client, schema, ORG, user, claim, now())
      }
    }

    const users = sizes.flatMap((changes) =>
      (['store', 'per-row'] as const).map((approach) => ({
        approach,
        changes,
        sync: alternating(approach, changes),
      })),
    )
    // Untimed: the first sync (no memberships to claim a) and one back and forth.
    log(`store-sync (${backend.label}): setting up ${users.length} users`)
    for (const u of users) {
      for (let i = 0; i < 3; i++) await u.sync('setup')
    }

    // Count statements and round trips of one sync of each kind, and check it changed `changes`.
    const counts = new Map<string, { statements: number; roundTrips: number | undefined }>()
    recorder.take()
    backend.roundTrips?.take()
    for (const u of backend.detail ? users : []) {
      const diff = await u.sync('recorded')
      if (changesOf(diff) !== u.changes) {
        throw new Error(
          `store-sync: a ${u.approach} sync changed ${changesOf(diff)} memberships, expected ${u.changes}`,
        )
      }
      counts.set(`${u.approach}-${u.changes}`, {
        statements: recorder.take().length,
        roundTrips: backend.roundTrips?.take(),
      })
    }

    const rounds = quick ? 2 : 3
    const tasks: TimedTask[] = users.map((u) => {
      const slow = u.changes >= 10_000
      return {
        name: `${u.approach}-${u.changes}`,
        fn: () => u.sync(),
        async: true,
        // Through the proxy a slow per-row sync waits seconds more: one per round.
        iterations: slow
          ? u.approach === 'store'
            ? 4
            : backend.addedLatencyMs > 0
              ? 1
              : 2
          : quick
            ? 5
            : 10,
        timeMs: slow ? 0 : quick ? 100 : 400,
        warmupIterations: slow ? 0 : 3,
        check: (result) => {
          if (changesOf(result as MembershipDiff) !== u.changes) {
            throw new Error(`store-sync: ${u.approach} did not change ${u.changes} memberships`)
          }
        },
      }
    })
    const measured = await measureSideBySide(tasks, rounds, (round) => {
      log(`store-sync (${backend.label}): round ${round + 1} of ${rounds}`)
    })
    const rows = sizes.map((changes) => {
      const s = counts.get(`store-${changes}`)
      const p = counts.get(`per-row-${changes}`)
      return {
        changes,
        store: byName(measured, `store-${changes}`),
        perRow: byName(measured, `per-row-${changes}`),
        storeStatements: s?.statements ?? NaN,
        perRowStatements: p?.statements ?? NaN,
        storeRoundTrips: s?.roundTrips,
        perRowRoundTrips: p?.roundTrips,
      }
    })
    if (!backend.detail) {
      return {
        backend,
        rows,
        breakdown: [],
        breakdownWallMs: NaN,
        perRowBreakdown: { count: 0, sumMs: NaN, medianMs: NaN },
        plans: [],
        profiles: [],
      }
    }

    // Where one store sync at the largest size spends its time, and one per-row sync.
    const top = (approach: Approach) => {
      const u = users.find((x) => x.approach === approach && x.changes === maxChanges)
      if (u === undefined) throw new Error('store-sync: no user at the largest size')
      return u
    }
    recorder.take()
    const wallStart = performance.now()
    await top('store').sync('recorded')
    const breakdownWallMs = performance.now() - wallStart
    const breakdown = recorder.take()
    await top('per-row').sync('recorded')
    const perRowStatements = recorder.take().map((x) => x.ms)

    // EXPLAIN ANALYZE the two slowest statements of a store sync at that size, in its own state.
    const slowest = [...breakdown]
      .filter((x) => x.params !== undefined)
      .sort((x, y) => y.ms - x.ms)
      .slice(0, 2)
    for (const x of slowest) toExplain.add(x.text)
    await top('store').sync('explained')
    const plans = explainer.plans().map(({ text, plan }) => ({ label: statementLabel(text), plan }))

    // Where the JavaScript side of a store sync spends its time: at the largest size, and at the
    // smallest, where the fixed cost of a sync shows.
    const profiles = []
    for (const [changes, syncs] of [
      [maxChanges, quick ? 2 : 5],
      [Math.min(...sizes), quick ? 5 : 20],
    ] as const) {
      const user = users.find((x) => x.approach === 'store' && x.changes === changes)
      if (user === undefined) continue
      log(
        `store-sync (${backend.label}): CPU profile of ${syncs} store syncs of ${changes} changes`,
      )
      const profile = await profileCpu(async () => {
        for (let i = 0; i < syncs; i++) await user.sync()
      })
      profiles.push({ changes, syncs, summary: summariseProfile(profile, 10) })
    }

    return {
      backend,
      rows,
      breakdown,
      breakdownWallMs,
      perRowBreakdown: {
        count: perRowStatements.length,
        sumMs: perRowStatements.reduce((x, y) => x + y, 0),
        medianMs: median(perRowStatements),
      },
      plans,
      profiles,
    }
  })
}
