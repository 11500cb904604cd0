import type * as OtelApi from '@opentelemetry/api'
import type { Counter, Histogram, MeterProvider, Span, Tracer } from '@opentelemetry/api'
import type { Either } from 'fp-ts/lib/Either.js'
import type { TaskEither } from 'fp-ts/lib/TaskEither.js'
import { isSyncDenial, type LoginSyncError } from '../errors.js'
import { SYNC_TELEMETRY } from '../sync-telemetry.js'
import type { LoginCall } from './login-call.js'
import type { SyncDeps, SyncResult } from '../sync-types.js'

type Api = typeof OtelApi

const { scope, spans, metrics, attributes: A } = SYNC_TELEMETRY

let loading: Promise<Api | undefined> | undefined

/**
 * `@opentelemetry/api` is an optional peer: loaded on the first sync, and when it is not
 * installed the sync runs without telemetry. A dynamic import, not a top-level one, so that the
 * package still loads without it and stays `require()`-able (no top-level await).
 */
const loadApi = (): Promise<Api | undefined> =>
  (loading ??= import('@opentelemetry/api').then(
    (api) => api,
    () => undefined,
  ))

interface Instruments {
  readonly tracer: Tracer
  readonly duration: Histogram
  readonly changes: Counter
  readonly denials: Counter
  readonly lockWait: Histogram
}

let cached: { readonly provider: MeterProvider; readonly instruments: Instruments } | undefined

/**
 * The tracer and the instruments. The global meter provider has no proxy (unlike the tracer
 * provider), so instruments made before the app registers its SDK would stay no-ops: they are
 * made again whenever the global provider changes.
 */
function instrumentsOf(api: Api): Instruments {
  const provider = api.metrics.getMeterProvider()
  if (cached?.provider !== provider) {
    const meter = provider.getMeter(scope)
    cached = {
      provider,
      instruments: {
        tracer: api.trace.getTracer(scope),
        duration: meter.createHistogram(metrics.duration, {
          unit: 's',
          description: 'How long a login sync took, from its call to its result.',
        }),
        changes: meter.createCounter(metrics.changes, {
          unit: '{membership}',
          description: 'Memberships added and removed by login syncs.',
        }),
        denials: meter.createCounter(metrics.denials, {
          unit: '{sync}',
          description: "Login syncs denied by the organisation's policy, by code.",
        }),
        lockWait: meter.createHistogram(metrics.lockWait, {
          unit: 's',
          description: "From asking the store for a user's unit of work to holding its snapshot.",
        }),
      },
    }
  }
  return cached.instruments
}

/** What the unit of work saw that the sync's result does not say: a denial's claim state. */
interface UnitSeen {
  deniedClaimState?: string
}

/**
 * The hooks of the login pipeline the telemetry observes: the store's unit of work, run through
 * `unitOfWork` (which is told each time the store hands `decide` a snapshot), and the claim
 * state of a denial decided in it. The pipeline calls them; the store is not wrapped.
 */
export interface LoginHooks {
  readonly unitOfWork: <A>(
    orgId: string,
    run: (snapshotTaken: () => void) => Promise<A>,
  ) => Promise<A>
  readonly denied: (claimState: string) => void
}

/** The hooks of a login without telemetry: the unit of work runs as it is. */
export const NO_LOGIN_HOOKS: LoginHooks = {
  unitOfWork: (_orgId, run) => run(() => undefined),
  denied: () => undefined,
}

/**
 * The unit of work in a span of its own (a child of the login sync's span), recording how long
 * the store took to hand `decide` its snapshot: the lock wait.
 */
function observedHooks(
  api: Api,
  instruments: Instruments,
  parent: Span,
  seen: UnitSeen,
): LoginHooks {
  return {
    unitOfWork: async (orgId, run) => {
      const span = instruments.tracer.startSpan(
        spans.unitOfWork,
        { attributes: { [A.orgId]: orgId } },
        api.trace.setSpan(api.context.active(), parent),
      )
      const asked = performance.now()
      let calls = 0
      try {
        return await run(() => {
          calls += 1
          // A retried transaction calls decide again; the wait is until the first snapshot.
          if (calls === 1) {
            const waitMs = performance.now() - asked
            instruments.lockWait.record(waitMs / 1000)
            span.setAttribute(A.lockWaitMs, waitMs)
          }
        })
      } catch (error) {
        span.setStatus({ code: api.SpanStatusCode.ERROR, message: codeOf(error) })
        throw error
      } finally {
        span.setAttribute(A.attempts, calls)
        span.end()
      }
    },
    denied: (claimState) => {
      seen.deniedClaimState = claimState
    },
  }
}

const codeOf = (error: unknown): string => {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : 'UNEXPECTED'
}

type Attributes = Record<string, string | number | boolean | string[]>

/** The span attributes and the outcome of a finished sync. */
function describeOutcome(
  result: Either<LoginSyncError, SyncResult>,
  seen: UnitSeen,
  deps: SyncDeps | undefined,
): { readonly outcome: string; readonly claimState?: string; readonly attributes: Attributes } {
  if (result._tag === 'Left') {
    const outcome = isSyncDenial(result.left) ? 'denied' : 'failed'
    const claimState = seen.deniedClaimState
    return {
      outcome,
      ...(claimState === undefined ? {} : { claimState }),
      attributes: { [A.errorCode]: result.left.code },
    }
  }
  const value = result.right
  if (value.status === 'disabled') return { outcome: 'disabled', attributes: {} }
  const claim = value.claim
  const attributes: Attributes = { [A.claimEntries]: claim.groups.length }
  if (value.status === 'synced') {
    attributes[A.added] = value.added.length
    attributes[A.removed] = value.removed.length
    attributes[A.unmatched] = value.unmatchedClaims.length
    if (deps?.telemetry?.recordGroupNames === true) {
      attributes[A.addedNames] = value.added.map((g) => g.name)
      attributes[A.removedNames] = value.removed.map((g) => g.name)
    }
  }
  return { outcome: value.status, claimState: claim.state, attributes }
}

/**
 * Runs a login sync, whose call was decoded, inside a span, with the store's unit of work in a
 * child span, and records the metrics of {@link SYNC_TELEMETRY}. Without `@opentelemetry/api` it
 * only runs the sync. A call refused when decoded gets a span of its own, without the ids.
 */
export const observeLoginSync =
  (
    call: Either<LoginSyncError, LoginCall>,
    sync: (call: LoginCall, hooks: LoginHooks) => TaskEither<LoginSyncError, SyncResult>,
  ): TaskEither<LoginSyncError, SyncResult> =>
  () =>
    observed(call, sync)

async function observed(
  call: Either<LoginSyncError, LoginCall>,
  sync: (call: LoginCall, hooks: LoginHooks) => TaskEither<LoginSyncError, SyncResult>,
): Promise<Either<LoginSyncError, SyncResult>> {
  const api = await loadApi()
  if (api === undefined) return call._tag === 'Left' ? call : sync(call.right, NO_LOGIN_HOOKS)()
  const instruments = instrumentsOf(api)
  const deps: SyncDeps | undefined = call._tag === 'Right' ? call.right.deps : undefined
  const span = instruments.tracer.startSpan(spans.loginSync, {
    attributes:
      call._tag === 'Left'
        ? {}
        : {
            [A.orgId]: call.right.input.orgId,
            ...(deps?.telemetry?.recordUserId === true
              ? { [A.userId]: call.right.input.userId }
              : {}),
          },
  })
  const started = performance.now()
  const seen: UnitSeen = {}
  try {
    const result =
      call._tag === 'Left'
        ? call
        : await sync(call.right, observedHooks(api, instruments, span, seen))()
    const { outcome, claimState, attributes } = describeOutcome(result, seen, deps)
    const dimensions = {
      [A.outcome]: outcome,
      ...(claimState === undefined ? {} : { [A.claimState]: claimState }),
    }
    span.setAttributes({ ...dimensions, ...attributes })
    if (outcome === 'failed') {
      span.setStatus({ code: api.SpanStatusCode.ERROR, message: String(attributes[A.errorCode]) })
    }
    if (outcome === 'denied' && result._tag === 'Left') {
      instruments.denials.add(1, { [A.denialCode]: result.left.code })
    }
    if (result._tag === 'Right' && result.right.status === 'synced') {
      instruments.changes.add(result.right.added.length, { [A.changeKind]: 'added' })
      instruments.changes.add(result.right.removed.length, { [A.changeKind]: 'removed' })
    }
    instruments.duration.record((performance.now() - started) / 1000, dimensions)
    return result
  } finally {
    span.end()
  }
}
