import { describeLoginSecurity } from './support/login-security.suite.js'
import { describeLoginSync } from './support/login-sync.suite.js'
import { pgliteStore } from './support/stores.js'

describeLoginSync('the Postgres store on PGlite', pgliteStore, 'representative')
describeLoginSecurity('the Postgres store on PGlite', pgliteStore)
