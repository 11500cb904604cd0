import fc from 'fast-check'
import type { OrgGroup } from '../src/index.js'

/**
 * Names from a tiny alphabet so that collisions — equal names, names equal up to case, padding
 * and Unicode form — happen often enough for the properties to see them.
 */
const nameUnit = fc.constantFrom('a', 'A', 'b', 'B', ' ', 'é', 'e\u0301', 'É', '😀', 'ß', '.')
export const nameArb = fc.string({ unit: nameUnit, maxLength: 3 })

export interface DiffInput {
  readonly claimGroups: string[]
  readonly orgGroups: OrgGroup[]
  readonly current: string[]
}

/** Org groups with unique ids (rule 8's precondition), names often shared. */
export const orgGroupsArb = fc.uniqueArray(
  fc.record({
    id: fc.string({
      unit: fc.constantFrom('1', '2', '3', '4', '5', '6'),
      minLength: 1,
      maxLength: 2,
    }),
    name: nameArb,
  }),
  { selector: (g) => g.id, maxLength: 12 },
)

/** Claim entries, current ids drawn partly from the org's ids and partly from another org. */
export const diffInputArb: fc.Arbitrary<DiffInput> = orgGroupsArb.chain((orgGroups) =>
  fc.record({
    claimGroups: fc.array(
      fc.oneof(nameArb, fc.constantFrom(...orgGroups.map((g) => g.name), 'x')),
      {
        maxLength: 12,
      },
    ),
    orgGroups: fc.constant(orgGroups),
    current: fc.array(
      fc.oneof(
        fc.constantFrom(...orgGroups.map((g) => g.id), 'other-org-1'),
        fc.constant('other-org-2'),
      ),
      { maxLength: 12 },
    ),
  }),
)
