import { readGroupsClaim, verifyIdToken, type IdTokenVerification } from '@groupsync/claims'
import {
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  jwtVerify,
  SignJWT,
  type JSONWebKeySet,
} from 'jose'
import { describeMachine, machineMarkdown } from '../../machine.js'
import { formatMs, markdownTable } from '../../markdown.js'
import { byName, measureSideBySide, type Measurement, type TimedTask } from '../../measure.js'
import type { BenchSuite, SuiteContext, SuiteReport } from '../../suite.js'

const FULL_SIZES = [10, 1_000, 10_000] as const
const QUICK_SIZES = [10, 1_000] as const
const ALGORITHMS = ['RS256', 'ES256'] as const
type Algorithm = (typeof ALGORITHMS)[number]

const ISSUER = 'https://idp.bench.example'
const AUDIENCE = 'groupsync-bench'

/** The three ways of reading a token's groups that the suite times side by side. */
const JOSE = 'jose jwtVerify + payload.groups'
const VERIFY = 'groupsync verifyIdToken'
const READ = 'groupsync readGroupsClaim'

/** A signing key of one algorithm and the JWKS that publishes its public half. */
interface SigningKey {
  readonly alg: Algorithm
  readonly sign: (groups: readonly string[]) => Promise<string>
  readonly jwks: JSONWebKeySet
}

async function signingKey(alg: Algorithm): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true })
  const kid = `bench-${alg.toLowerCase()}`
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' }
  return {
    alg,
    jwks: { keys: [jwk] },
    sign: (groups) =>
      new SignJWT({ groups: [...groups], nonce: 'n-0S6_WzA2Mj' })
        .setProtectedHeader({ alg, kid, typ: 'JWT' })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setSubject('alice')
        .setIssuedAt()
        // The run takes minutes; an hour leaves room and the tokens are made fresh each run.
        .setExpirationTime('1h')
        .sign(privateKey),
  }
}

/** A groups claim of `n` names like those of real directories. */
const groupNames = (n: number): string[] =>
  Array.from({ length: n }, (_, i) => `org-${i % 7}/team-${i}/members`)

/** One (algorithm, size) measured: the token's size and the three timings. */
interface Row {
  readonly alg: Algorithm
  readonly groups: number
  readonly tokenBytes: number
  readonly jose: Measurement
  readonly verify: Measurement
  readonly read: Measurement
}

async function measureKey(
  key: SigningKey,
  sizes: readonly number[],
  quick: boolean,
  log: (line: string) => void,
): Promise<Row[]> {
  const verification: IdTokenVerification = {
    issuer: ISSUER,
    audience: AUDIENCE,
    jwks: key.jwks,
    algorithms: [key.alg],
    nonce: 'n-0S6_WzA2Mj',
  }
  const localKeys = createLocalJWKSet(key.jwks)
  const tokens = new Map<number, string>()
  for (const n of sizes) tokens.set(n, await key.sign(groupNames(n)))

  // Each way must see every group before it is timed, or the comparison means nothing.
  const expectGroups = (n: number, groups: unknown, who: string): void => {
    if (!Array.isArray(groups) || groups.length !== n) {
      throw new Error(
        `claim-verification: ${who} did not return the ${n} groups of a ${key.alg} token`,
      )
    }
  }
  const ways = (token: string) => ({
    [JOSE]: async () => {
      const { payload } = await jwtVerify(token, localKeys, {
        issuer: ISSUER,
        audience: AUDIENCE,
        algorithms: [key.alg],
      })
      const groups = payload['groups']
      if (!Array.isArray(groups) || !groups.every((g) => typeof g === 'string')) {
        throw new Error('groups is not an array of strings')
      }
      return groups
    },
    [VERIFY]: async () => {
      const result = await verifyIdToken(token, verification)()
      if (result._tag === 'Left') throw result.left
      return result.right['groups']
    },
    [READ]: async () => {
      const result = await readGroupsClaim(
        { idToken: token },
        { verification, sources: 'id_token' },
      )()
      if (result._tag === 'Left') throw result.left
      const state = result.right.state
      if (state.state !== 'present') throw new Error(`claim state ${state.state}`)
      return state.groups
    },
  })
  const tasks: TimedTask[] = []
  for (const n of sizes) {
    const token = tokens.get(n) ?? ''
    for (const [name, fn] of Object.entries(ways(token))) {
      expectGroups(n, await fn(), name)
      tasks.push({
        name: `${name} ${n}`,
        fn,
        async: true,
        iterations: quick ? 20 : 50,
        timeMs: quick ? 100 : n >= 10_000 ? 600 : 300,
        warmupIterations: 10,
      })
    }
  }
  const rounds = quick ? 2 : 3
  const measured = await measureSideBySide(tasks, rounds, (round) => {
    log(`claim-verification (${key.alg}): round ${round + 1} of ${rounds}`)
  })
  return sizes.map((n) => ({
    alg: key.alg,
    groups: n,
    tokenBytes: Buffer.byteLength(tokens.get(n) ?? ''),
    jose: byName(measured, `${JOSE} ${n}`),
    verify: byName(measured, `${VERIFY} ${n}`),
    read: byName(measured, `${READ} ${n}`),
  }))
}

const kib = (bytes: number): string =>
  bytes >= 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${bytes} B`

async function run({ quick, log }: SuiteContext): Promise<SuiteReport> {
  const machine = describeMachine()
  const sizes = quick ? QUICK_SIZES : FULL_SIZES
  const rows: Row[] = []
  for (const alg of ALGORITHMS) {
    log(`claim-verification: ${alg} key and tokens of ${sizes.join(', ')} groups`)
    rows.push(...(await measureKey(await signingKey(alg), sizes, quick, log)))
  }
  const table = markdownTable(
    [
      'algorithm',
      'groups',
      'token',
      'jose jwtVerify',
      'verifyIdToken',
      'readGroupsClaim',
      'verifyIdToken ÷ jose',
      'readGroupsClaim ÷ jose',
    ],
    rows.map((r) => [
      r.alg,
      r.groups.toLocaleString('en'),
      kib(r.tokenBytes),
      formatMs(r.jose.median),
      formatMs(r.verify.median),
      formatMs(r.read.median),
      `${(r.verify.median / r.jose.median).toFixed(2)}×`,
      `${(r.read.median / r.jose.median).toFixed(2)}×`,
    ]),
    ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
  )
  const largest = Math.max(...sizes)
  const perGroup = (alg: Algorithm): string => {
    const small = rows.find((r) => r.alg === alg && r.groups === Math.min(...sizes))
    const big = rows.find((r) => r.alg === alg && r.groups === largest)
    if (small === undefined || big === undefined) return '–'
    return formatMs((big.read.median - small.read.median) / (largest - Math.min(...sizes)))
  }
  const rounds = quick ? 2 : 3

  const markdown = `## Claim extraction and ID token verification

${quick ? '**Quick run (`pnpm bench --quick`): small sizes, rough numbers; not the reference table.**\n\n' : ''}Measured by \`pnpm bench\` (suite \`claim-verification\`, packages/bench) on ${new Date().toISOString().slice(0, 10)}.

${machineMarkdown(machine)}

**Input**: ID tokens signed in the run with jose — RS256 (a 2048-bit RSA key) and ES256 (P-256) — carrying \`iss\`,
\`aud\`, \`sub\`, \`iat\`, \`exp\`, \`nonce\` and a \`groups\` claim of ${sizes.map((n) => n.toLocaleString('en')).join(', ')} names like
\`org-3/team-1234/members\`. The public key is a local JSON Web Key Set (no network).

- **jose jwtVerify + payload.groups**: what a caller would write by hand — \`jwtVerify\` with the same key set,
  issuer, audience and algorithm, then a check that \`groups\` is an array of strings. The reference.
- **verifyIdToken** (\`@groupsync/claims\`): the same verification plus the OIDC checks jose leaves out
  (\`azp\`, \`nonce\`, the required ID token claims), as an fp-ts \`TaskEither\`.
- **readGroupsClaim**: \`verifyIdToken\` then the groups claim read into its state (\`present\` …) with io-ts, the
  shape checks and limits (at most 10,000 entries of at most 1,024 code units, no NUL).

${table}

Reading ${largest.toLocaleString('en')} groups instead of ${Math.min(...sizes).toLocaleString('en')} costs about ${perGroup('RS256')} (RS256) and ${perGroup('ES256')} (ES256) more per group
with \`readGroupsClaim\`: decoding and parsing a larger payload, then checking every entry.

**Goals**: the issue sets none for this part; the table is the cost of a login's claim before the sync, to add to
the sync's own time (the login suite passes claims that are already verified).

Method: \`measureSideBySide\`, ${rounds} rounds that each time every task in turn (samples pooled; ≥ ${quick ? 20 : 50} calls and
≥ ${quick ? 100 : 300} ms per task per round${quick ? '' : ', 600 ms at 10,000 groups'}). Each task's output is checked once before timing: all ${sizes.map((n) => n.toLocaleString('en')).join(', ')} groups.
`
  return { markdown, goals: [] }
}

/** Issue 6 part 4: reading the groups of RS256 and ES256 ID tokens with 10, 1k and 10k groups. */
export const claimVerificationSuite: BenchSuite = {
  id: 'claim-verification',
  title: 'groups claim extraction and ID token verification (RS256, ES256) vs jose alone',
  run,
}
