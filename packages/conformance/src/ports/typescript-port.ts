#!/usr/bin/env node
// The TypeScript implementation as a port: answers the conformance protocol with
// computeMembershipDiff (Part 1), the claims functions (Part 2) and the login sync on a memory
// store (Part 3). Run it under the runner:
//   groupsync-conformance --exec "node packages/conformance/dist/ports/typescript-port.js"
import { serve } from './serve.js'
import { answerClaims, answerDiff } from './typescript-answers.js'
import { answerSync } from './typescript-sync-answers.js'

serve({ diff: answerDiff, claims: answerClaims, sync: answerSync })
