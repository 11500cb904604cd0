import { describe, it } from 'vitest'
import { describeLoginSecurity } from './support/login-security.suite.js'
import { describeLoginSync } from './support/login-sync.suite.js'
import { databaseUrl, serverStore } from './support/stores.js'

// Needs a real PostgreSQL server: DATABASE_URL (CI sets it, and fails if it is missing).
const url = databaseUrl()
if (url === undefined) {
  describe('login sync on a Postgres server', () => {
    it.skip('needs DATABASE_URL (set it to run against your own server)', () => undefined)
  })
} else {
  describeLoginSync('a Postgres server', serverStore(url), 'representative')
  describeLoginSecurity('a Postgres server', serverStore(url))
}
