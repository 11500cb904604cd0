export { startDevProvider } from './dev-provider.js'
export type { DevProvider, DevProviderOptions } from './dev-provider.js'
export { authorizeAtDevProvider, loginWithPkce } from './login-with-pkce.js'
