export { startDevProvider } from './dev-provider.js'
export type { DevProvider, DevProviderOptions, ShapedClaims } from './dev-provider.js'
export { loginWithPkce } from './login-with-pkce.js'
export type { LoginResult } from './login-with-pkce.js'
