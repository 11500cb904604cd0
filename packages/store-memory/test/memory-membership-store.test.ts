import { describeMembershipStore } from '@groupsync/store-contract'
import { createMemoryMembershipStore } from '../src/index.js'

describeMembershipStore('memory store', (options) => createMemoryMembershipStore(options), {
  modelRuns: 200,
  concurrencyRuns: 5,
})
