#!/usr/bin/env node
// A deliberately wrong port, for the runner's own tests: the TypeScript implementation in every
// part, except that its login sync ignores the organisation's mass-removal guard (rule S6) — the
// mistake of a port that applies every removal the diff asks for. Only the vectors in which the
// guard trips should fail.
import { serve } from './serve.js'
import { answerClaims, answerDiff } from './typescript-answers.js'
import { answerSync } from './typescript-sync-answers.js'

/** The case with the policy's `massRemovalGuard` left out, as if the port never read it. */
const withoutGuard = (input: unknown): unknown => {
  const given = input as Readonly<Record<string, unknown>>
  const policy = given['policy']
  if (typeof policy !== 'object' || policy === null || Array.isArray(policy)) return input
  const { massRemovalGuard, ...rest } = policy as Readonly<Record<string, unknown>>
  return { ...given, policy: rest }
}

serve({ diff: answerDiff, claims: answerClaims, sync: (input) => answerSync(withoutGuard(input)) })
