// The public API of @groupsync/claims: the errors and their codes; the groups claim's options
// (their codec decodes them from a service's settings), its states and the call that reads it;
// ID token verification; the provider presets; the distributed-claims port and its resolvers
// (HTTP, Microsoft Graph, Google's directory); and the io-ts helpers the other packages decode
// their own inputs with (strict objects, one JSON-Pointer path format, one coded failure).
export { CLAIMS_ERROR_CODES, ClaimsError } from './claims-error.js'
export type { ClaimsErrorCode, ClaimSource } from './claims-error.js'
export { formatJsonPointer, parseClaimPath } from './claim-path.js'
export {
  DEFAULT_MAX_GROUPS,
  DEFAULT_MAX_NAME_LENGTH,
  GroupsClaimOptionsCodec,
} from './claims-options.js'
export type { ClaimSources, GroupsClaimOptions } from './claims-options.js'
export type { GroupsClaimState } from './groups-claim-state.js'
export { extractGroupsClaim } from './extract-groups-claim.js'
export { applyClaimValueMapping, compileClaimValueMapping } from './claim-value-mapping.js'
export {
  PROVIDER_PRESET_NAMES,
  PROVIDER_PRESETS,
  ProviderPresetNameCodec,
} from './presets/index.js'
export type { ProviderPresetName } from './presets/index.js'
export { IdTokenVerificationCodec } from './id-token-verification.js'
export type { IdTokenVerification } from './id-token-verification.js'
export { DEFAULT_CLOCK_TOLERANCE_SECONDS, verifyIdToken } from './verify-id-token.js'
export { verifyUserinfoJwt } from './signed-userinfo.js'
export { readGroupsClaim, verifyLogin } from './read-groups-claim.js'
export type { LoginClaimsInput, ReadGroupsClaimOptions } from './read-groups-claim.js'
export {
  createHttpDistributedClaimsResolver,
  MICROSOFT_GRAPH_ORIGINS,
} from './distributed-claims.js'
export type {
  DistributedClaimsResolver,
  HttpDistributedClaimsResolverOptions,
} from './distributed-claims.js'
export { createMicrosoftGraphGroupsResolver } from './microsoft-graph-groups.js'
export type { MicrosoftGraphGroupsResolverOptions } from './microsoft-graph-groups.js'
export { createGoogleDirectoryGroupsResolver } from './google-directory-groups.js'
export type { GoogleDirectoryGroupsResolverOptions } from './google-directory-groups.js'
export { decodeWith, guarded, strictObject } from './io-ts-report.js'
export type { DecodeFailure } from './io-ts-report.js'
