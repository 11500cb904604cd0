/**
 * A group of an organisation in the application: what the claim's names are matched against.
 * Callers may pass richer objects; groupsync hands the same objects back.
 */
export interface OrgGroup {
  readonly id: string
  readonly name: string
}

/** The match modes, the one list that {@link MatchMode} and every check of a mode read. */
export const MATCH_MODES = ['exact', 'case-insensitive'] as const

/** How a claim entry is compared with a group name (rule 1 of `docs/rules.md`). */
export type MatchMode = (typeof MATCH_MODES)[number]
