#!/usr/bin/env node
// Deliberately wrong ports, for the runner's own tests: the TypeScript implementation with one
// decision of docs/rules.md made the other way — the choice a porter could have made where the
// text once left it open. `node flipped-port.js <decision>`; the runner must fail each on the
// vectors that state that decision.
import { createHash } from 'node:crypto'
import { serve, type PortAnswer, type PortHandlers } from './serve.js'
import { goLowerCase, javaLowerCase, pythonCaseFold, useLowerCase } from './platform-lower-case.js'
import { answerClaims, answerDiff } from './typescript-answers.js'
import { answerSync } from './typescript-sync-answers.js'

type Json = Record<string, unknown>

const isRecord = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

const record = (value: unknown): Json => (isRecord(value) ? value : {})

/** The output of an answer, as a record (every sync answer of the TypeScript port is one). */
const outputOf = (answer: PortAnswer): Json => ('output' in answer ? record(answer.output) : {})

/** The sync answer, its output changed by `change` (which gets the input too). */
const syncWith =
  (change: (output: Json, input: Json) => Json | Promise<Json>) =>
  async (input: unknown): Promise<PortAnswer> => {
    const answer = await answerSync(input)
    return 'output' in answer ? { output: await change(outputOf(answer), record(input)) } : answer
  }

const resultOf = (output: Json): Json => record(output['result'])

const eventsOf = (output: Json): Json[] =>
  Array.isArray(output['events']) ? output['events'].map(record) : []

/** What an error that writes nothing answers for this input: its login with a token time refused. */
async function nothingWritten(input: Json, name: string): Promise<Json> {
  const login = record(input['login'])
  const claims = { ...record(login['claims']), [name]: 'not a time' }
  return outputOf(await answerSync({ ...input, login: { ...login, claims } }))
}

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex')

const FLIPS: Readonly<Record<string, PortHandlers>> = {
  // Strict judging: one member the rules do not define, added to the first event of a case.
  'extra-event-member': {
    sync: syncWith((output) => {
      const [first, ...rest] = eventsOf(output)
      return first === undefined
        ? output
        : { ...output, events: [{ ...first, severity: 'info' }, ...rest] }
    }),
  },
  // Point 1: the policy checked before mapping off, so a misspelt policy fails every login of an
  // org that does not map groups.
  'policy-before-mapping-off': {
    sync: syncWith(async (output, input) => {
      if (resultOf(output)['status'] !== 'disabled' || !Object.hasOwn(input, 'policy'))
        return output
      const on = { manageGroupMemberships: true, matchMode: 'exact' }
      const forced = outputOf(
        await answerSync({ ...input, state: { ...record(input['state']), settings: on } }),
      )
      const result = resultOf(forced)
      return result['code'] === 'SYNC_POLICY_INVALID' ? { ...output, result } : output
    }),
  },
  // Point 2: a claim option of a policy refused with Part 2's code, at Part 2's path.
  'claim-option-as-part-2': {
    sync: syncWith((output) => {
      const result = resultOf(output)
      const path = String(result['path'])
      if (result['code'] !== 'SYNC_POLICY_INVALID' || !path.startsWith('/policy/claimsOptions/')) {
        return output
      }
      const inOptions = path.slice('/policy/claimsOptions'.length)
      return { ...output, result: { ...result, code: 'CLAIMS_INPUT_INVALID', path: inOptions } }
    }),
  },
  // Point 3: a resolved overage summarised by the resolver's answer (`present`), not the token's.
  'resolved-state-of-answer': {
    sync: syncWith((output) => {
      const result = resultOf(output)
      const claim = record(result['claim'])
      if (claim['policy'] !== 'overage-resolved') return output
      return {
        ...output,
        result: { ...result, claim: { ...claim, state: 'present' } },
        events: eventsOf(output).map((event) => ({
          ...event,
          detail: { ...record(event['detail']), claimState: 'present' },
        })),
      }
    }),
  },
  // Point 4: a preset's claims options known, its policy defaults not (as when only the preset
  // vector files' claimsOptions were in the spec).
  'preset-without-policy-defaults': {
    sync: (input) => {
      const given = record(input)
      const policy = record(given['policy'])
      if (policy['preset'] === undefined) return answerSync(input)
      return answerSync({
        ...given,
        policy: { absent: 'empty', overage: 'resolve', ...policy },
      })
    },
  },
  // Point 5: a login's removal events written before its additions.
  'removals-first': {
    sync: syncWith((output) => {
      if (!Object.hasOwn(output, 'events')) return output
      const events = eventsOf(output)
      const removed = events.filter((e) => e['type'] === 'membership.removed')
      return { ...output, events: [...removed, ...events.filter((e) => !removed.includes(e))] }
    }),
  },
  // Point 6: "a time in the future" without the clock tolerance.
  'future-without-tolerance': {
    sync: syncWith(async (output, input) => {
      const claims = record(record(input['login'])['claims'])
      const now = Date.parse(String(input['now']))
      for (const name of ['iat', 'auth_time']) {
        const time = claims[name]
        if (
          typeof time === 'number' &&
          time * 1000 > now &&
          resultOf(output)['status'] !== 'error'
        ) {
          return nothingWritten(input, name)
        }
      }
      return output
    }),
  },
  // Point 6: a token both older than the last sync and issued before a removal reported by the
  // removal (rule S13 checked first).
  'removal-before-last-sync': {
    sync: syncWith((output, input) => {
      const result = resultOf(output)
      if (result['status'] !== 'stale' || result['cause'] !== 'older-than-last-sync') return output
      const removals = record(input['state'])['removals']
      const removal = (Array.isArray(removals) ? removals.map(record) : []).find(
        (r) => String(r['removedAt']) >= String(result['tokenIssuedAt']),
      )
      if (removal === undefined) return output
      const { lastTokenIssuedAt: _last, ...rest } = result
      return {
        ...output,
        result: { ...rest, cause: 'issued-before-removal', removedAt: removal['removedAt'] },
      }
    }),
  },
  // Point 7: listStaleMembers' users of the same last sync in the reverse order of their ids.
  'stale-ties-reversed': {
    sync: syncWith((output) => {
      const result = resultOf(output)
      const stale = result['staleMembers']
      if (!Array.isArray(stale)) return output
      const rows = stale.map(record)
      const at = (row: Json): string => String(row['lastSyncedAt'])
      const id = (row: Json): string => String(row['userId'])
      rows.sort((a, b) =>
        at(a) === at(b) ? (id(a) < id(b) ? 1 : id(a) > id(b) ? -1 : 0) : at(a) < at(b) ? -1 : 1,
      )
      return { ...output, result: { ...result, staleMembers: rows } }
    }),
  },
  // Point 8: a filter whose prefixes and globs are both empty lists taken as no filter.
  'empty-filter-lists-allowed': {
    claims: (input) => {
      const given = record(input)
      const options = record(given['options'])
      const mapping = record(options['valueMapping'])
      const filter = record(mapping['filter'])
      const empty = (key: string): boolean =>
        Array.isArray(filter[key]) && (filter[key] as unknown[]).length === 0
      if (!(empty('prefixes') && empty('globs'))) return answerClaims(input)
      const { filter: _filter, ...rest } = mapping
      return answerClaims({ ...given, options: { ...options, valueMapping: rest } })
    },
  },
  // Point 9: the claim digest over the JSON a Go port writes by default (json.Marshal escapes
  // <, >, & and U+2028/U+2029), not JSON.stringify's text.
  'go-json-digest': {
    sync: syncWith((output) => {
      const claim = record(resultOf(output)['claim'])
      const entries = claim['sent'] ?? claim['groups']
      if (!Array.isArray(entries)) return output
      const right = sha256(JSON.stringify(entries))
      const wrong = sha256(
        JSON.stringify(entries).replace(
          /[<>&\u2028\u2029]/g,
          (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
        ),
      )
      return JSON.parse(JSON.stringify(output).replaceAll(right, wrong)) as Json
    }),
  },
}

// Point 10: Part 1 on a platform's own lower-casing.
const LOWER_CASINGS: Readonly<Record<string, (s: string) => string>> = {
  'java-lower-case': javaLowerCase,
  'go-lower-case': goLowerCase,
  'python-casefold': pythonCaseFold,
}

const decision = process.argv[2] ?? ''
const lower = LOWER_CASINGS[decision]
const flip = FLIPS[decision]
if (lower === undefined && flip === undefined) {
  const known = [...Object.keys(FLIPS), ...Object.keys(LOWER_CASINGS)].join(', ')
  process.stderr.write(`flipped-port: name a decision to flip: ${known}\n`)
  process.exit(2)
}
if (lower !== undefined) useLowerCase(lower)
serve({ diff: answerDiff, claims: answerClaims, sync: answerSync, ...flip })
