import { metrics, trace, SpanStatusCode } from '@opentelemetry/api'
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type DataPoint,
  type Histogram,
} from '@opentelemetry/sdk-metrics'
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base'
import type { LoginSyncStore, MembershipStore } from '@groupsync/core'
import { createMemoryMembershipStore } from '@groupsync/store-memory'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  createMembershipAdmin,
  SYNC_TELEMETRY,
  syncOnLogin,
  syncOnLoginAsync,
} from '../src/index.js'

const { spans: SPANS, metrics: METRICS, attributes: A } = SYNC_TELEMETRY

const spanExporter = new InMemorySpanExporter()
const metricExporter = new InMemoryMetricExporter(AggregationTemporality.DELTA)
const reader = new PeriodicExportingMetricReader({
  exporter: metricExporter,
  exportIntervalMillis: 3_600_000,
})

beforeAll(() => {
  trace.setGlobalTracerProvider(
    new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spanExporter)] }),
  )
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }))
})

afterAll(async () => {
  await reader.shutdown()
  trace.disable()
  metrics.disable()
})

beforeEach(async () => {
  await reader.forceFlush()
  metricExporter.reset()
  spanExporter.reset()
})

/** The data points of each metric exported since the last call, by metric name. */
async function collected(): Promise<Map<string, DataPoint<unknown>[]>> {
  await reader.forceFlush()
  const byName = new Map<string, DataPoint<unknown>[]>()
  for (const resource of metricExporter.getMetrics()) {
    for (const scope of resource.scopeMetrics) {
      expect(scope.scope.name).toBe('@groupsync/sync')
      for (const metric of scope.metrics) {
        byName.set(metric.descriptor.name, [
          ...(byName.get(metric.descriptor.name) ?? []),
          ...(metric.dataPoints as DataPoint<unknown>[]),
        ])
      }
    }
  }
  metricExporter.reset()
  return byName
}

const spansNamed = (name: string): ReadableSpan[] =>
  spanExporter.getFinishedSpans().filter((s) => s.name === name)

/** An org with mapping on and the groups `secret-dev` and `secret-ops`. */
async function org(store: MembershipStore, orgId: string): Promise<void> {
  const admin = createMembershipAdmin({ store })
  await admin.createGroup(orgId, 'secret-dev')()
  await admin.createGroup(orgId, 'secret-ops')()
  await admin.setManageGroupMemberships(orgId, true)()
}

describe('OpenTelemetry: a span per login sync and per unit of work, and metrics', () => {
  it('a sync: the spans carry org, outcome, claim state and counts, and the metrics count it', async () => {
    const store = createMemoryMembershipStore()
    await org(store, 'acme')
    const input = {
      orgId: 'acme',
      userId: 'secret-user',
      claims: { sub: 'secret-user', groups: ['secret-dev', 'secret-ops', 'secret-unknown'] },
    }
    const result = await syncOnLoginAsync(input, { store })
    expect(result.status).toBe('synced')

    const [sync, ...more] = spansNamed(SPANS.loginSync)
    expect(more).toEqual([])
    expect(sync?.attributes).toEqual({
      [A.orgId]: 'acme',
      [A.outcome]: 'synced',
      [A.claimState]: 'present',
      [A.claimEntries]: 3,
      [A.added]: 2,
      [A.removed]: 0,
      [A.unmatched]: 1,
    })
    expect(sync?.status.code).toBe(SpanStatusCode.UNSET)

    const [unit, ...moreUnits] = spansNamed(SPANS.unitOfWork)
    expect(moreUnits).toEqual([])
    expect(unit?.parentSpanContext?.spanId).toBe(sync?.spanContext().spanId)
    expect(unit?.spanContext().traceId).toBe(sync?.spanContext().traceId)
    expect(unit?.attributes[A.orgId]).toBe('acme')
    expect(unit?.attributes[A.attempts]).toBe(1)
    expect(unit?.attributes[A.lockWaitMs]).toBeGreaterThanOrEqual(0)

    const points = await collected()
    const duration = points.get(METRICS.duration) as DataPoint<Histogram>[]
    expect(duration.map((p) => [p.attributes, p.value.count])).toEqual([
      [{ [A.outcome]: 'synced', [A.claimState]: 'present' }, 1],
    ])
    expect(duration[0]!.value.sum).toBeGreaterThan(0)
    expect(points.get(METRICS.changes)?.map((p) => [p.attributes[A.changeKind], p.value])).toEqual([
      ['added', 2],
      ['removed', 0],
    ])
    expect(points.get(METRICS.denials) ?? []).toEqual([])
    expect((points.get(METRICS.lockWait) as DataPoint<Histogram>[])[0]!.value.count).toBe(1)

    // Never a group name, the user id or a claim value, unless the app opts in.
    const recorded = JSON.stringify([
      spanExporter.getFinishedSpans().map((s) => [s.name, s.attributes, s.events, s.status]),
      [...points.values()].map((ps) => ps.map((p) => p.attributes)),
    ])
    expect(recorded).not.toContain('secret')
  })

  it('a denial: outcome denied with its code and claim state; the denials counter by code', async () => {
    const store = createMemoryMembershipStore()
    await org(store, 'acme')
    const denied = await syncOnLogin(
      { orgId: 'acme', userId: 'u', claims: { sub: 'u' } },
      { store, policy: () => ({ absent: 'deny' }) },
    )()
    expect(denied._tag === 'Left' && denied.left.code).toBe('GROUPS_CLAIM_ABSENT_DENIED')

    const [sync] = spansNamed(SPANS.loginSync)
    expect(sync?.attributes).toEqual({
      [A.orgId]: 'acme',
      [A.outcome]: 'denied',
      [A.claimState]: 'absent',
      [A.errorCode]: 'GROUPS_CLAIM_ABSENT_DENIED',
    })
    // A denial is the policy working, not a failure of the sync.
    expect(sync?.status.code).toBe(SpanStatusCode.UNSET)
    expect(spansNamed(SPANS.unitOfWork)).toHaveLength(1)

    const points = await collected()
    expect(points.get(METRICS.denials)?.map((p) => [p.attributes[A.denialCode], p.value])).toEqual([
      ['GROUPS_CLAIM_ABSENT_DENIED', 1],
    ])
    expect(
      (points.get(METRICS.duration) as DataPoint<Histogram>[]).map((p) => p.attributes),
    ).toEqual([{ [A.outcome]: 'denied', [A.claimState]: 'absent' }])
  })

  it('a store failure: both spans end with status ERROR and the code', async () => {
    const store = createMemoryMembershipStore()
    await org(store, 'acme')
    const failing: LoginSyncStore = {
      ...store,
      withLoginSync: () => Promise.reject(new Error('connection reset')),
    }
    const failed = await syncOnLogin(
      { orgId: 'acme', userId: 'u', claims: { groups: ['secret-dev'] } },
      { store: failing },
    )()
    expect(failed._tag === 'Left' && failed.left.code).toBe('SYNC_FAILED')
    const [sync] = spansNamed(SPANS.loginSync)
    expect(sync?.attributes[A.outcome]).toBe('failed')
    expect(sync?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'SYNC_FAILED' })
    expect(spansNamed(SPANS.unitOfWork)[0]?.status.code).toBe(SpanStatusCode.ERROR)
    const points = await collected()
    expect(
      (points.get(METRICS.duration) as DataPoint<Histogram>[]).map((p) => p.attributes),
    ).toEqual([{ [A.outcome]: 'failed' }])
  })

  it('the lock wait is the time until the store hands decide its snapshot', async () => {
    const store = createMemoryMembershipStore()
    await org(store, 'acme')
    // A store whose lock is held by someone else for 80 ms before the unit of work can start.
    const contended: LoginSyncStore = {
      ...store,
      withLoginSync: async (orgId, userId, claimGroups, decide, ...rest) => {
        await new Promise((resolve) => setTimeout(resolve, 80))
        return store.withLoginSync(orgId, userId, claimGroups, decide, ...rest)
      },
    }
    await syncOnLoginAsync(
      { orgId: 'acme', userId: 'u', claims: { groups: ['secret-dev'] } },
      { store: contended },
    )
    const [unit] = spansNamed(SPANS.unitOfWork)
    expect(unit?.attributes[A.lockWaitMs]).toBeGreaterThanOrEqual(75)
    const points = await collected()
    const wait = (points.get(METRICS.lockWait) as DataPoint<Histogram>[])[0]!.value
    expect(wait.count).toBe(1)
    expect(wait.sum).toBeGreaterThanOrEqual(0.075)
  })

  it('group names and the user id only when the app opts in; mapping off records no unit of work', async () => {
    const store = createMemoryMembershipStore()
    await org(store, 'acme')
    await syncOnLoginAsync(
      { orgId: 'acme', userId: 'alice', claims: { groups: ['secret-dev'] } },
      { store, telemetry: { recordGroupNames: true, recordUserId: true } },
    )
    await syncOnLoginAsync(
      { orgId: 'acme', userId: 'alice', claims: { groups: ['secret-ops'] } },
      { store, telemetry: { recordGroupNames: true } },
    )
    const [first, second] = spansNamed(SPANS.loginSync)
    expect(first?.attributes[A.userId]).toBe('alice')
    expect(first?.attributes[A.addedNames]).toEqual(['secret-dev'])
    expect(second?.attributes[A.userId]).toBeUndefined()
    expect(second?.attributes[A.addedNames]).toEqual(['secret-ops'])
    expect(second?.attributes[A.removedNames]).toEqual(['secret-dev'])

    spanExporter.reset()
    const off = createMemoryMembershipStore()
    expect(
      (await syncOnLoginAsync({ orgId: 'o', userId: 'u', claims: {} }, { store: off })).status,
    ).toBe('disabled')
    expect(spansNamed(SPANS.loginSync).map((s) => s.attributes[A.outcome])).toEqual(['disabled'])
    expect(spansNamed(SPANS.unitOfWork)).toEqual([])
  })
})
