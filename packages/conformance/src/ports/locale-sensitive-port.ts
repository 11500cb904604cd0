#!/usr/bin/env node
// A deliberately wrong port, for the runner's own tests: Part 1 lower-cased with a Turkish locale
// and sorted with localeCompare (see locale-sensitive-answers.ts); Parts 2 and 3 are the
// TypeScript implementation's, so only the diff's vectors that those two mistakes change fail.
import { answerDiffWithLocale } from './locale-sensitive-answers.js'
import { serve } from './serve.js'
import { answerClaims } from './typescript-answers.js'
import { answerSync } from './typescript-sync-answers.js'

serve({ diff: answerDiffWithLocale, claims: answerClaims, sync: answerSync })
