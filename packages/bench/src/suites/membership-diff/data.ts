import type { OrgGroup } from '@groupsync/core'

/** Sizes of one generated login. */
export interface DiffSizes {
  readonly orgGroups: number
  readonly claimEntries: number
  readonly current: number
}

/** The inputs of one `computeMembershipDiff` call. */
export interface DiffInput {
  readonly claimGroups: readonly string[]
  readonly orgGroups: readonly OrgGroup[]
  readonly current: readonly string[]
}

/** mulberry32: a tiny seeded PRNG, so every run times the same data. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32
  }
}

function shuffle<T>(xs: T[], random: () => number): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    const x = xs[i] as T
    xs[i] = xs[j] as T
    xs[j] = x
  }
  return xs
}

const hex = (random: () => number, n: number) =>
  Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('')

/** A UUID-shaped id, as a database would hand out. */
const uuid = (random: () => number) =>
  `${hex(random, 8)}-${hex(random, 4)}-4${hex(random, 3)}-a${hex(random, 3)}-${hex(random, 12)}`

/**
 * A realistic login: org groups named like `team-1234` (1 % sharing a name with another group) in
 * database order; a claim that mostly names org groups, with about 5 % names the org lacks and
 * 0.5 % that differ only in case (rule 10's diagnostics); current memberships that overlap the
 * claim for about 60 %, hold groups the claim no longer names for about 30 %, and ids of another
 * organisation for about 10 %.
 */
export function generateDiffInput(sizes: DiffSizes, seed = 1): DiffInput {
  const random = prng(seed)
  const orgGroups: OrgGroup[] = Array.from({ length: sizes.orgGroups }, (_, i) => ({
    id: uuid(random),
    name: `team-${random() < 0.01 ? Math.floor(random() * i) : i}`,
  }))
  const byRandom = shuffle([...orgGroups], random)

  const unknown = Math.round(sizes.claimEntries * 0.05)
  const caseOnly = Math.round(sizes.claimEntries * 0.005)
  const named = byRandom.slice(0, sizes.claimEntries - unknown - caseOnly)
  const claimGroups = shuffle(
    [
      ...named.map((g) => g.name),
      ...Array.from({ length: unknown }, (_, i) => `idp-only-${i}`),
      ...byRandom.slice(named.length, named.length + caseOnly).map((g) => g.name.toUpperCase()),
    ],
    random,
  )

  const overlap = Math.round(sizes.current * 0.6)
  const stale = Math.round(sizes.current * 0.3)
  const foreign = sizes.current - overlap - stale
  const notNamed = byRandom.slice(sizes.claimEntries)
  const current = shuffle(
    [
      ...named.slice(0, overlap).map((g) => g.id),
      ...notNamed.slice(0, stale).map((g) => g.id),
      ...Array.from({ length: foreign }, () => uuid(random)),
    ],
    random,
  )
  return { claimGroups, orgGroups, current }
}
