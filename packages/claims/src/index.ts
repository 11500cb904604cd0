export { ClaimsError } from './claims-error.js'
export type { ClaimsErrorCode, ClaimsErrorOptions, ClaimSource } from './claims-error.js'
export { formatDottedPath, formatJsonPointer, parseClaimPath } from './claim-path.js'
export type { ClaimPath } from './claim-path.js'
export { DEFAULT_MAX_GROUPS, DEFAULT_MAX_NAME_LENGTH, extractGroupsClaim } from './groups-claim.js'
export type {
  ClaimSources,
  ExtractGroupsClaimInput,
  GroupsClaimOptions,
  GroupsClaimState,
  ClaimShape,
  KeycloakPathMode,
} from './groups-claim.js'
export { applyClaimValueMapping, compileClaimValueMapping } from './claim-value-mapping.js'
export type {
  ClaimValueMapping,
  CompiledClaimValueMapping,
  MappedClaimValues,
} from './claim-value-mapping.js'
export {
  isProviderPresetName,
  PROVIDER_PRESET_NAMES,
  PROVIDER_PRESETS,
  providerPreset,
} from './presets/index.js'
export type {
  PresetReference,
  PresetResolver,
  ProviderPreset,
  ProviderPresetName,
} from './presets/index.js'
export { DEFAULT_CLOCK_TOLERANCE_SECONDS, verifyIdToken } from './verify-id-token.js'
export type { IdTokenVerification, JwksInput } from './verify-id-token.js'
export { verifyUserinfoJwt } from './signed-userinfo.js'
export { readGroupsClaim } from './read-groups-claim.js'
export type {
  LoginClaimsInput,
  ReadGroupsClaimOptions,
  ReadGroupsClaimResult,
} from './read-groups-claim.js'
export {
  createHttpDistributedClaimsResolver,
  DEFAULT_DISTRIBUTED_MAX_BYTES,
  DEFAULT_DISTRIBUTED_TIMEOUT_MS,
  MICROSOFT_GRAPH_ORIGINS,
} from './distributed-claims.js'
export type {
  DistributedClaimsFailure,
  DistributedClaimsResolver,
  HttpDistributedClaimsResolverOptions,
  OverageState,
} from './distributed-claims.js'
export { decodeFailure, decodeWith, strictObject } from './io-ts-report.js'
export type { DecodeFailure } from './io-ts-report.js'
