import { expect } from 'vitest'
import { StoreError } from '../src/index.js'

/** The StoreError `run` throws, failing the test when it throws nothing or something else. */
export function invalidInput(run: () => void): StoreError {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(StoreError)
    expect((error as StoreError).code).toBe('STORE_INVALID_INPUT')
    return error as StoreError
  }
  return expect.fail('expected STORE_INVALID_INPUT, nothing was thrown')
}
