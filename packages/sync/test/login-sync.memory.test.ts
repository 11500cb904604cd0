import { describeLoginSecurity } from './support/login-security.suite.js'
import { describeLoginSync } from './support/login-sync.suite.js'
import { memoryStore } from './support/stores.js'

describeLoginSync('the memory store', memoryStore, 'full')
describeLoginSecurity('the memory store', memoryStore)
