import { describe, expect, it } from 'vitest'
import type { Case } from '../src/cases.js'
import { firstDifference, judge } from '../src/compare.js'
import { parseResponse } from '../src/protocol.js'

describe('firstDifference', () => {
  it('is undefined exactly for equal JSON values', () => {
    expect(
      firstDifference({ a: [1, 'x', null, { b: true }] }, { a: [1, 'x', null, { b: true }] }),
    ).toBeUndefined()
    expect(firstDifference([], [])).toBeUndefined()
  })

  it('names the JSON Pointer of the first difference, strings quoted and escaped', () => {
    expect(firstDifference({ toAdd: ['c', 'b'] }, { toAdd: ['b', 'c'] })).toBe(
      'at /toAdd/0: expected "c", got "b"',
    )
    expect(firstDifference(['caf\u00e9'], ['cafe\u0301'])).toBe(
      'at /0: expected "caf\\u00e9", got "cafe\\u0301"',
    )
    expect(firstDifference({ 'a/b~': 1 }, { 'a/b~': 2 })).toBe('at /a~1b~0: expected 1, got 2')
    expect(firstDifference('x', 1)).toBe('at /: expected "x", got 1')
  })

  it('compares lists in order and by length, and objects member by member', () => {
    expect(firstDifference(['a'], ['a', 'b'])).toBe('at /: expected 1 elements, got 2: ["a","b"]')
    expect(firstDifference({ a: 1, index: 2 }, { a: 1 })).toBe('at /index: expected 2, got absent')
    expect(firstDifference({ a: 1 }, { a: 1, endpoint: 'x' })).toBe(
      'at /endpoint: expected absent, got "x"',
    )
    expect(firstDifference({ a: [] }, { a: {} })).toBe('at /a: expected [], got {}')
    expect(firstDifference(null, {})).toBe('at /: expected null, got {}')
  })
})

describe('parseResponse', () => {
  it('reads an output or an error for the request id', () => {
    expect(parseResponse('{"id":"a","output":[1]}', 'a')).toEqual({ id: 'a', output: [1] })
    expect(parseResponse('{"id":"a","output":null}', 'a')).toEqual({ id: 'a', output: null })
    expect(parseResponse('{"id":"a","error":{"code":"X","path":"p"}}', 'a')).toEqual({
      id: 'a',
      error: { code: 'X', path: 'p' },
    })
  })

  it.each([
    ['{', 'not JSON: {'],
    ['[1]', 'not a JSON object: [1]'],
    ['{"id":"b","output":1}', 'the answer is for id "b", not "a"'],
    ['{"output":1}', 'the answer is for id undefined, not "a"'],
    ['{"id":"a"}', 'exactly one of "output" and "error" is needed'],
    ['{"id":"a","error":{"path":"p"}}', '"error" must be an object with a string "code"'],
    ['{"id":"a","error":"X"}', '"error" must be an object with a string "code"'],
  ])('%s is malformed', (line, why) => {
    const parsed = parseResponse(line, 'a')
    expect('malformed' in parsed && parsed.malformed).toContain(why)
  })
})

const diffCase: Case = {
  file: 'f.json',
  index: 0,
  name: 'n',
  part: 'diff',
  input: {},
  expectation: {
    kind: 'output',
    expected: { toAdd: ['g1'], toRemove: [], unchanged: [], unmatchedClaims: [], slice: ['g1'] },
  },
}
const output = { toAdd: ['g1'], toRemove: [], unchanged: [], unmatchedClaims: [] }

describe('judge', () => {
  it('a diff needs the five lists and a slice; caseOnlyMatches absent in the vector means []', () => {
    expect(
      judge(diffCase, { id: 'x', output: { ...output, caseOnlyMatches: [], slice: ['g1'] } }),
    ).toBeUndefined()
    expect(judge(diffCase, { id: 'x', output: { ...output, caseOnlyMatches: [] } })).toContain(
      'slice (a list of ids)',
    )
    expect(
      judge(diffCase, { id: 'x', output: { ...output, caseOnlyMatches: [], slice: ['g2'] } }),
    ).toBe('at /slice/0: expected "g1", got "g2"')
    expect(judge(diffCase, { id: 'x', output: { ...output, slice: ['g1'] } })).toBe(
      'at /caseOnlyMatches: expected [], got absent',
    )
  })

  it('the slice is not compared when the vector does not give one', () => {
    const noSlice: Case = {
      ...diffCase,
      expectation: { kind: 'output', expected: output },
    }
    expect(
      judge(noSlice, { id: 'x', output: { ...output, caseOnlyMatches: [], slice: ['any'] } }),
    ).toBeUndefined()
  })

  it('an error must have exactly the members the vector gives; only a message may be added', () => {
    const errorCase: Case = {
      ...diffCase,
      part: 'claims',
      expectation: { kind: 'error', expected: { code: 'C', path: 'p', value: null } },
    }
    const error = { code: 'C', path: 'p', value: null, message: 'anything' }
    expect(judge(errorCase, { id: 'x', error })).toBeUndefined()
    expect(judge(errorCase, { id: 'x', error: { ...error, code: 'D' } })).toContain(
      'expected the error C, got the error D',
    )
    expect(judge(errorCase, { id: 'x', error: { code: 'C', path: 'p' } })).toBe(
      'at /error/value: expected null, got absent',
    )
    expect(judge(errorCase, { id: 'x', error: { ...error, index: 0 } })).toBe(
      'at /error/index: expected absent, got 0',
    )
    expect(judge(errorCase, { id: 'x', output: {} })).toBe(
      'expected the error C, got an output: {}',
    )
    expect(judge(diffCase, { id: 'x', error: { code: 'C' } })).toBe(
      'expected an output, got the error C: {"code":"C"}',
    )
  })
})

describe('judge, for a sync scenario', () => {
  const event = {
    type: 'membership.added',
    groupId: 'g1',
    source: 'sync',
    detail: { claimState: 'present' },
  }
  const syncCase = (expected: Readonly<Record<string, unknown>>): Case => ({
    ...diffCase,
    part: 'sync',
    expectation: { kind: 'output', expected },
  })
  const settings = { manageGroupMemberships: true, matchMode: 'exact' }
  const synced = syncCase({
    result: { status: 'synced', added: ['g1'] },
    memberships: { alice: [{ groupId: 'g1', source: 'sync' }] },
    events: [event],
    lastSync: { alice: null },
    settings,
  })
  const answer = {
    result: { status: 'synced', added: ['g1'] },
    memberships: { alice: [{ groupId: 'g1', source: 'sync' }] },
    events: [event],
    lastSync: { alice: null },
    settings,
  }

  it('compares every member of every event, and the settings, exactly', () => {
    expect(judge(synced, { id: 'x', output: answer })).toBeUndefined()
    const wrongDetail = { ...answer, events: [{ ...event, detail: { claimState: 'absent' } }] }
    expect(judge(synced, { id: 'x', output: wrongDetail })).toBe(
      'at /events/0/detail/claimState: expected "present", got "absent"',
    )
    const missing = { ...answer, events: [{ type: 'membership.added', groupId: 'g1' }] }
    expect(judge(synced, { id: 'x', output: missing })).toBe(
      'at /events/0/source: expected "sync", got absent',
    )
    const oneMore = { ...answer, events: [{ ...event, note: 'extra' }] }
    expect(judge(synced, { id: 'x', output: oneMore })).toBe(
      'at /events/0/note: expected absent, got "extra"',
    )
    const detailMore = {
      ...answer,
      events: [{ ...event, detail: { claimState: 'present', x: 1 } }],
    }
    expect(judge(synced, { id: 'x', output: detailMore })).toBe(
      'at /events/0/detail/x: expected absent, got 1',
    )
    expect(judge(synced, { id: 'x', output: { ...answer, events: [] } })).toBe(
      'at /events: expected 1 elements, got 0: []',
    )
    expect(
      judge(synced, {
        id: 'x',
        output: { ...answer, settings: { manageGroupMemberships: false, matchMode: 'exact' } },
      }),
    ).toBe('at /settings/manageGroupMemberships: expected true, got false')
  })

  it('compares a failed result exactly, but for a free-text message', () => {
    const denied = syncCase({
      result: { status: 'denied', code: 'MASS_REMOVAL_GUARD_TRIPPED' },
      memberships: { alice: [] },
      events: [],
      lastSync: { alice: null },
      settings: {},
    })
    const output = {
      result: { status: 'denied', code: 'MASS_REMOVAL_GUARD_TRIPPED', message: 'anything' },
      memberships: { alice: [] },
      events: [],
      lastSync: { alice: null },
      settings: {},
    }
    expect(judge(denied, { id: 'x', output })).toBeUndefined()
    expect(
      judge(denied, {
        id: 'x',
        output: { ...output, result: { ...output.result, path: '/groups' } },
      }),
    ).toBe('at /result/path: expected absent, got "/groups"')
    expect(judge(denied, { id: 'x', output: { ...output, lastSync: {} } })).toBe(
      'at /lastSync/alice: expected null, got absent',
    )
    expect(
      judge(denied, { id: 'x', output: { ...output, result: { status: 'synced', added: [] } } }),
    ).toBe('at /result/status: expected "denied", got "synced"')
  })
})
