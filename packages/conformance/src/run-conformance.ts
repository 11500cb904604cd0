import type { Case } from './cases.js'
import { judge } from './compare.js'
import { PortProcess, type Answer } from './port-process.js'
import { parseResponse, type Request } from './protocol.js'

/** Why a case failed: a wrong answer, or no usable answer at all. */
export type FailureKind = 'mismatch' | 'crash' | 'timeout' | 'malformed' | 'not-run'

/** The outcome of one case. */
export type CaseResult =
  | { readonly case: Case; readonly passed: true }
  | {
      readonly case: Case
      readonly passed: false
      readonly kind: FailureKind
      readonly reason: string
    }

/** The outcome of a run, case by case, in the order sent. */
export interface ConformanceReport {
  readonly command: string
  readonly results: readonly CaseResult[]
  readonly passed: number
  readonly failed: number
  /** Why the run stopped before the last case, when it did. */
  readonly stopped: string | undefined
  /** How the port ended after the last request (`exited with code 0`). */
  readonly ending: string | undefined
}

/** Options of {@link runConformance}. */
export interface RunConformanceOptions {
  /** The port: a shell command that answers the protocol on its standard input and output. */
  readonly command: string
  readonly cases: readonly Case[]
  /** How long one answer may take, in milliseconds. Default 10,000. */
  readonly timeoutMs?: number
  /**
   * Extra time for the first answer of each start of the port, in milliseconds: a port that
   * compiles or warms up a runtime first is not a hanging one. Default 30,000.
   */
  readonly startupMs?: number
  /** The port's working directory. Default the current one. */
  readonly cwd?: string
  /**
   * After this many cases in a row without a usable answer (a crash, a timeout, a malformed
   * line), the port is taken to be broken and the remaining cases are not run. Default 3.
   */
  readonly maxUnansweredInARow?: number
}

/** The id of a case on the wire: its file and position, so a port's log can name it. */
export const requestId = (testCase: Case): string => `${testCase.file}#${String(testCase.index)}`

/**
 * Runs every case against a port: starts it, sends one request per case and judges each answer.
 * A port that crashes, hangs past the timeout or answers something malformed fails that case and
 * is started again for the next; after `maxUnansweredInARow` such cases in a row it is given up
 * on and the rest are reported as not run. Never throws for anything the port does.
 *
 * @example
 * ```ts
 * const report = await runConformance({ command: 'python3 port.py', cases: loadCases() })
 * console.log(formatReport(report))
 * process.exitCode = report.failed === 0 ? 0 : 1
 * ```
 */
export async function runConformance(options: RunConformanceOptions): Promise<ConformanceReport> {
  const { command, cases, timeoutMs = 10_000, startupMs = 30_000, cwd = process.cwd() } = options
  const maxUnanswered = options.maxUnansweredInARow ?? 3
  const results: CaseResult[] = []
  let port: PortProcess | undefined
  let unanswered = 0
  let stopped: string | undefined

  for (const testCase of cases) {
    if (stopped !== undefined) {
      results.push({
        case: testCase,
        passed: false,
        kind: 'not-run',
        reason: `not run: ${stopped}`,
      })
      continue
    }
    const fresh = port === undefined
    port ??= PortProcess.start(command, cwd)
    const request: Request = { id: requestId(testCase), part: testCase.part, input: testCase.input }
    const allowed = fresh ? timeoutMs + startupMs : timeoutMs
    const answer = await port.request(JSON.stringify(request), allowed)
    const result = resultOf(testCase, request.id, answer, allowed)
    results.push(result)
    if (result.passed || result.kind === 'mismatch') {
      unanswered = 0
      continue
    }
    // Whatever state the port is in, the next case gets a fresh one.
    await port.kill()
    port = undefined
    unanswered += 1
    if (unanswered >= maxUnanswered) {
      stopped = `the port gave no usable answer to ${maxUnanswered} cases in a row`
    }
  }
  const ending = port === undefined ? undefined : await port.close(2_000)
  const passed = results.filter((r) => r.passed).length
  return { command, results, passed, failed: results.length - passed, stopped, ending }
}

function resultOf(testCase: Case, id: string, answer: Answer, timeoutMs: number): CaseResult {
  const fail = (kind: FailureKind, reason: string): CaseResult => ({
    case: testCase,
    passed: false,
    kind,
    reason,
  })
  switch (answer.kind) {
    case 'timeout':
      return fail('timeout', `no answer within ${timeoutMs} ms (the port was stopped)`)
    case 'exit':
      return fail(
        'crash',
        `the port exited ${answer.how} before answering${answer.stderr === '' ? '' : `; its standard error ends with:\n${answer.stderr}`}`,
      )
    case 'not-utf8':
      return fail('malformed', `malformed answer: not UTF-8 (bytes ${answer.bytes}…)`)
    case 'line': {
      const response = parseResponse(answer.text, id)
      if ('malformed' in response)
        return fail('malformed', `malformed answer: ${response.malformed}`)
      const mismatch = judge(testCase, response)
      return mismatch === undefined ? { case: testCase, passed: true } : fail('mismatch', mismatch)
    }
  }
}
